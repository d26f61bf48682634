/**
 * Copies the WAL into the database file, in a thread of its own with its own connection: a checkpoint takes
 * tens of milliseconds under load, which neither the API's event loop nor the delivery lanes can spare.
 * PASSIVE never waits for (or blocks) the writer; pages still being written are copied next time. The WAL is
 * restarted once it is over its limit and fully copied (wal-bound.ts), else it would grow without bound.
 */
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { checkpointRound } from './wal-bound.js'

const { file, intervalMs, walLimitBytes } = workerData as { file: string; intervalMs: number; walLimitBytes: number }
const busyMs = 5000
const db = new Database(file)
db.pragma(`busy_timeout = ${busyMs}`)
const bound = { walFile: `${file}-wal`, limitBytes: walLimitBytes, busyMs: 2, restoreBusyMs: busyMs }
const timer = setInterval(() => {
  checkpointRound(db, bound)
}, intervalMs)
parentPort!.on('message', (m: 'stop') => {
  if (m !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort!.postMessage('stopped')
  parentPort!.close()
})
parentPort!.postMessage('ready')
