import type { Worker } from 'node:worker_threads'
import { startThread, stopThread } from '../threads.js'
import type { Db } from './sqlite.js'
import { dbFile } from './sqlite.js'

const DEFAULT_WAL_LIMIT = 64 * 1024 * 1024

/**
 * Takes WAL checkpoints off the store's connection: turns its automatic checkpoints off and runs PASSIVE ones
 * from the checkpoint thread every `intervalMs`. For file stores whose writer cannot afford the pause.
 * The thread restarts the WAL once it outgrows the store connection's journal_size_limit (64 MiB if none).
 */
export class Checkpointer {
  private readonly thread: Worker
  private readonly ready: Promise<void>
  private stopped: Promise<void> | undefined

  constructor (db: Db, dataDir: string, intervalMs = 500) {
    const limit = db.pragma('journal_size_limit', { simple: true }) as number
    const walLimitBytes = limit >= 0 ? limit : DEFAULT_WAL_LIMIT
    const data = { file: dbFile(dataDir), intervalMs, walLimitBytes }
    this.thread = startThread(import.meta.url, 'checkpoint-thread', data)
    db.pragma('wal_autocheckpoint = 0')
    this.ready = new Promise((resolve, reject) => {
      this.thread.once('error', reject)
      this.thread.once('message', () => resolve())
    })
  }

  async start (): Promise<void> {
    await this.ready
  }

  stop (): Promise<void> {
    this.stopped ??= stopThread(this.thread, 'stop', m => m === 'stopped')
    return this.stopped
  }
}
