import { statSync } from 'node:fs'
import type { Db } from './sqlite.js'

/** What one checkpoint round did: copied frames only, restarted the WAL, or found it in use and left it. */
export type RoundOutcome = 'copied' | 'restarted' | 'busy'

export interface WalBound {
  /** The store's `-wal` file. */
  walFile: string
  /** Past this size a fully copied WAL is restarted (the store connection's journal_size_limit). */
  limitBytes: number
  /**
   * How long the restart may wait for the writer and readers. Kept tiny: while it waits for readers it holds
   * the write lock, and the API's writer sleeps on the event loop until it is released.
   */
  busyMs: number
  /** The connection's own busy_timeout, restored after the restart. */
  restoreBusyMs: number
}

interface CheckpointRow { busy: number; log: number; checkpointed: number }

const checkpoint = (db: Db, mode: 'PASSIVE' | 'RESTART'): CheckpointRow =>
  (db.pragma(`wal_checkpoint(${mode})`) as CheckpointRow[])[0]!

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/**
 * One round of the checkpoint thread. PASSIVE copies frames but never waits for readers: under constant load
 * some reader is always on an older snapshot when a writer could restart the WAL, so the file grows without
 * bound. When everything is copied and the file is over the limit, RESTART waits (briefly) until no reader is
 * on an older snapshot, so the next writer starts the WAL over and cuts the file to its journal_size_limit.
 * RESTART, not TRUNCATE: cutting a 64 MiB file to nothing took 35-50 ms under the write lock, RESTART 10-20.
 * BUSY: tried again next round.
 */
export function checkpointRound (db: Db, bound: WalBound): RoundOutcome {
  const passive = checkpoint(db, 'PASSIVE')
  if (passive.busy !== 0 || passive.log !== passive.checkpointed || sizeOf(bound.walFile) <= bound.limitBytes) {
    return 'copied'
  }
  db.pragma(`busy_timeout = ${bound.busyMs}`)
  try {
    return checkpoint(db, 'RESTART').busy === 0 ? 'restarted' : 'busy'
  } finally {
    db.pragma(`busy_timeout = ${bound.restoreBusyMs}`)
  }
}
