import type { AsyncStore } from './db.js'

/** Which rows to claim and how to mark them: SQL fragments written by the caller (never user input). */
export interface ClaimSpec {
  table: string
  /** The table's key column. */
  key: string
  /** Which rows are free to claim, e.g. `status = 'Queued'`. */
  where: string
  params?: unknown[]
  /** The column whose smallest values are claimed first, e.g. `seq`. */
  orderBy: string
  limit: number
  /** How a claimed row is marked, e.g. `status = 'Running', owner = ?`. */
  set: string
  setParams?: unknown[]
}

/**
 * Marks up to `limit` free rows as claimed and returns them (in `orderBy` order), on either dialect. On
 * PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED: claimers on several instances never wait for each
 * other and never get the same row; a row claimed in a transaction that rolls back is free again. On SQLite the
 * one writer makes the same statement exclusive.
 */
export async function claim<T extends Record<string, unknown>> (store: AsyncStore, c: ClaimSpec): Promise<T[]> {
  const rows = await store.all<T>(
    `UPDATE ${c.table} SET ${c.set} WHERE ${c.key} IN (SELECT ${c.key} FROM ${c.table} WHERE ${c.where}
      ORDER BY ${c.orderBy} LIMIT ?${store.dialect.skipLocked}) RETURNING *`,
    ...(c.setParams ?? []),
    ...(c.params ?? []),
    c.limit
  )
  // RETURNING follows no order on either dialect.
  const by = c.orderBy
  return rows.sort((a, b) => (a[by]! < b[by]! ? -1 : a[by]! > b[by]! ? 1 : 0))
}
