/**
 * The delivery worker in a thread of its own, so sending thousands of deliveries a second does not compete
 * with the API for the main event loop. It reads the outbox through its own connection to the same SQLite
 * file (WAL readers never block the writer) and never writes: outcomes go to the main thread, which writes
 * them. Messages in: which subscriptions got work, and that subscription rows changed.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { pino } from 'pino'
import { openDatabase } from '../store/sqlite.js'
import { SqliteStore } from '../store/sqlite-store.js'
import { TriggerRegistry } from './registry.js'
import { DeliveryLanes, type DeliveryOptions } from './lanes.js'
import type { OutboxWriter } from './outcomes.js'
import type { ToThread, FromThread } from './threaded.js'

const data = workerData as {
  dataDir: string
  synchronous: 'NORMAL' | 'FULL'
  delivery: DeliveryOptions & { deadLetterCap: number }
  logLevel: string
}
const port = parentPort!
const post = (m: FromThread): void => port.postMessage(m)
const store = new SqliteStore(openDatabase({ dataDir: data.dataDir, synchronous: data.synchronous }))
const registry = new TriggerRegistry(store, {
  allowPrivateTargets: data.delivery.allowPrivateTargets,
  deadLetterCap: data.delivery.deadLetterCap,
  // Fan-out happens in the main thread, inside the change's transaction; this registry never sees events.
  canSee: () => false,
})
const writer: OutboxWriter = {
  delivered: async (through, resetStreak) => post({ type: 'delivered', through, resetStreak }),
  failed: async failure => post({ type: 'failed', failure }),
  deactivate: async (subscriptionId, reason) => post({ type: 'deactivate', subscriptionId, reason }),
}
const log = pino({ level: data.logLevel, name: 'delivery' })
const worker = new DeliveryLanes(store, registry, {
  ...data.delivery,
  wakeOnCommit: false,
  flushDelayMs: 20,
  writer,
  log: log as never,
})

port.on('message', async (m: ToThread) => {
  switch (m.type) {
    case 'wake':
      worker.wake(m.ids)
      break
    case 'changed':
      registry.subscriptions.refresh()
      break
    case 'kick':
      await worker.kick()
      break
    case 'stop':
      void worker.stop().then(async () => {
        await store.close()
        post({ type: 'stopped' })
      })
  }
})
await worker.kick()
post({ type: 'ready' })
