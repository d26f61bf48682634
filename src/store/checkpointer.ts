import { Worker } from 'node:worker_threads'
import type { Store } from './store.js'
import { dbFile } from './sqlite.js'

/**
 * Takes WAL checkpoints off the store's connection: turns its automatic checkpoints off and runs PASSIVE ones
 * from the checkpoint thread every `intervalMs`. For file stores whose writer cannot afford the pause.
 */
export class Checkpointer {
  private readonly thread: Worker
  private readonly ready: Promise<void>
  private stopped: Promise<void> | undefined

  constructor (store: Store, dataDir: string, intervalMs = 500) {
    const fromSources = import.meta.url.endsWith('.ts')
    this.thread = new Worker(new URL(fromSources ? './checkpoint-thread.boot.mjs' : './checkpoint-thread.js', import.meta.url), {
      workerData: { file: dbFile(dataDir), intervalMs }
    })
    this.thread.unref()
    store.db.pragma('wal_autocheckpoint = 0')
    this.ready = new Promise((resolve, reject) => {
      this.thread.once('error', reject)
      this.thread.once('message', () => resolve())
    })
  }

  async start (): Promise<void> { await this.ready }

  stop (): Promise<void> {
    this.stopped ??= new Promise<void>(resolve => {
      // Unref'd while running; while stopping, its answer must keep the process alive.
      this.thread.ref()
      this.thread.once('exit', () => resolve())
      this.thread.on('message', m => { if (m === 'stopped') void this.thread.terminate().then(() => resolve()) })
      this.thread.postMessage('stop')
    })
    return this.stopped
  }
}
