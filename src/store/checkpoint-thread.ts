/**
 * Copies the WAL into the database file, in a thread of its own with its own connection: a checkpoint takes
 * tens of milliseconds under load, which neither the API's event loop nor the delivery lanes can spare.
 * PASSIVE never waits for (or blocks) the writer; pages still being written are copied next time.
 */
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'

const { file, intervalMs } = workerData as { file: string; intervalMs: number }
const db = new Database(file)
db.pragma('busy_timeout = 5000')
const timer = setInterval(() => {
  db.pragma('wal_checkpoint(PASSIVE)')
}, intervalMs)
parentPort!.on('message', (m: 'stop') => {
  if (m !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort!.postMessage('stopped')
  parentPort!.close()
})
parentPort!.postMessage('ready')
