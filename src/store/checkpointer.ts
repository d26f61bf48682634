import type { Worker } from 'node:worker_threads'
import { startThread, stopThread } from '../threads.js'
import type { Db } from './sqlite.js'
import { dbFile } from './sqlite.js'

/**
 * Takes WAL checkpoints off the store's connection: turns its automatic checkpoints off and runs PASSIVE ones
 * from the checkpoint thread every `intervalMs`. For file stores whose writer cannot afford the pause.
 */
export class Checkpointer {
  private readonly thread: Worker
  private readonly ready: Promise<void>
  private stopped: Promise<void> | undefined

  constructor (db: Db, dataDir: string, intervalMs = 500) {
    this.thread = startThread(import.meta.url, 'checkpoint-thread', { file: dbFile(dataDir), intervalMs })
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
