import type { Worker } from 'node:worker_threads'
import { startThread, stopThread } from '../threads.js'
import type { AsyncStore } from '../store/db.js'
import type { TriggerRegistry } from './registry.js'
import type { DeliveryOptions } from './lanes.js'
import { LocalOutboxWriter } from './outcomes.js'
import type { Failure } from './outbox.js'

export type ToThread = { type: 'wake'; ids: string[] } | { type: 'changed' } | { type: 'kick' } | { type: 'stop' }
/** The thread's outcomes, written here: the main thread is the only writer of the store. */
export type Outcome =
  | { type: 'delivered'; through: Array<[string, number, number]>; resetStreak: string[] }
  | { type: 'failed'; failure: Failure }
  | { type: 'deactivate'; subscriptionId: string; reason: string }
export type FromThread = { type: 'ready' } | { type: 'stopped' } | Outcome

/** The main thread's handle on the delivery thread: same surface as the in-process worker where it matters. */
export class ThreadedDelivery {
  private readonly thread: Worker
  private readonly ready: Promise<void>
  private stopped: Promise<void> | undefined

  constructor (
    store: AsyncStore,
    registry: TriggerRegistry,
    init: {
      dataDir: string
      synchronous: 'NORMAL' | 'FULL'
      delivery: DeliveryOptions & { deadLetterCap: number }
      logLevel: string
    },
    log?: { error(obj: object, msg: string): void }
  ) {
    this.thread = startThread(import.meta.url, 'delivery-thread', init)
    const writer = new LocalOutboxWriter(store, registry)
    // An outcome not written (the store closing) is attempted again: the delivery goes out once more.
    const lost = (err: unknown): void => log?.error({ err }, 'a delivery outcome was not written')
    this.ready = new Promise((resolve, reject) => {
      this.thread.once('error', reject)
      this.thread.on('message', (m: FromThread) => {
        switch (m.type) {
          case 'ready':
            resolve()
            break
          case 'delivered':
            void writer.delivered(m.through, m.resetStreak).catch(lost)
            break
          case 'failed':
            void writer.failed(m.failure).catch(lost)
            break
          case 'deactivate':
            void writer.deactivate(m.subscriptionId, m.reason).catch(lost)
            break
        }
      })
    })
    store.onCommit(() => {
      const ids = registry.fanOut.takeQueued()
      if (ids.length > 0) this.send({ type: 'wake', ids })
    })
  }

  /** The registry here changed subscriptions: the thread's cache must follow. */
  changed (): void {
    this.send({ type: 'changed' })
  }

  async start (): Promise<void> {
    await this.ready
  }

  kick (): void {
    this.send({ type: 'kick' })
  }

  private send (m: ToThread): void {
    this.thread.postMessage(m)
  }

  stop (): Promise<void> {
    const stop: ToThread = { type: 'stop' }
    this.stopped ??= stopThread(this.thread, stop, m => (m as FromThread).type === 'stopped')
    return this.stopped
  }
}
