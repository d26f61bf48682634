import type { Statement } from 'better-sqlite3'
import { openDatabase, type Db, type OpenOptions } from './sqlite.js'
import { TransactionalStore, type Frame, type GroupedOptions, type Invalidation, type Root } from './db.js'
import { SQLITE } from './dialect.js'
import { ALL_SCOPES, trackChanges } from './sqlite-changes.js'
import { rowBuilder, type RowBuilder } from './sqlite-rows.js'

/** A statement that returns rows, prepared for `get` and `all`: raw rows made objects by `row` (sqlite-rows.ts). */
interface Reader {
  readonly stmt: Statement
  /** How many columns `row` was built for: a schema change can re-prepare a `SELECT *` with another count. */
  readonly width: number
  readonly row: RowBuilder
  /** Not read-only (an INSERT ... RETURNING, say): see `writes`. */
  readonly writes: boolean
}

/**
 * Prepared statements kept per kind. SQL built with a list's length in it (`IN (?,?,...)`) or from search
 * conditions gives ever new texts: past this many the oldest prepared goes (re-prepared if it comes back).
 */
const MAX_CACHED = 2000

/** `map.set`, dropping the oldest entry first when the map is full. */
function keep<V> (map: Map<string, V>, sql: string, v: V): V {
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value!)
  map.set(sql, v)
  return v
}

/**
 * Told of row changes as their statements run (SQLite, this connection): for what is kept in memory and read inside
 * transactions, where a change must count at once, before it commits.
 */
export interface RowWatcher {
  /** A row change reached `scope` (sqlite-changes.ts says which): inside a transaction too, uncommitted yet. */
  touched(scope: string): void
  /** No transaction is open any more: whatever was written before is committed or rolled back. */
  settled(): void
}

interface Group {
  waiters: Array<(err?: Error) => void>
  notify: boolean
  /** The grouped bodies' afterCommit callbacks, run when the group commits. */
  after: Array<() => void>
}

/**
 * The asynchronous store on SQLite (better-sqlite3): one connection, so one transaction at a time holds it.
 *
 * Every statement still runs synchronously when it is issued, if the calling code may use the connection:
 * no transaction holds it, or the caller runs inside the one that does. Otherwise it waits, in arrival order,
 * until that transaction ends. So a transaction's statements never interleave with another's, nor does a
 * read see a transaction's partial state, even when its body awaits across turns.
 *
 * Group commit as in `Store`: `txGrouped` bodies share one BEGIN ... COMMIT per event-loop turn, each its
 * own savepoint (but an unguarded one: see GroupedOptions); a failing one rolls back alone, a failed COMMIT fails
 * every waiter and keeps nothing. A plain
 * `tx` commits at once, taking an open group with it (and fails if that COMMIT fails).
 */
export class SqliteStore extends TransactionalStore<Db> {
  readonly dialect = SQLITE
  private readonly stmts = new Map<string, Statement>()
  /** The same statements in raw mode (rows as arrays): a statement's mode sticks, so they are prepared apart. */
  private readonly rawStmts = new Map<string, Statement>()
  /** `get` and `all`: readers, or the plain statement where no builder applies (not a reader, see rowBuilder). */
  private readonly readers = new Map<string, Reader | Statement>()
  /** The transaction holding the connection. */
  private holder: Root<Db> | undefined
  /** Statements and transactions waiting for the holder to finish, in arrival order. */
  private readonly waiting: Array<() => void> = []
  /** The open group commit: BEGIN issued, COMMIT due at the end of the turn it opened in. */
  private group: Group | undefined
  /** Whether a read cache listens: then row changes are tracked by scope (sqlite-changes.ts). */
  private tracking = false
  /** Scopes written to since read caches were last told. */
  private touched = new Set<string>()
  /** Statements run that may have written: an unguarded body that ran one and then failed fails its group. */
  private writes = 0
  private readonly watchers: RowWatcher[] = []

  constructor (
    readonly db: Db,
    clock: () => number = Date.now
  ) {
    super(clock)
  }

  private q (sql: string): Statement {
    return this.stmts.get(sql) ?? keep(this.stmts, sql, this.db.prepare(sql))
  }

  private raw (sql: string): Statement {
    return this.rawStmts.get(sql) ?? keep(this.rawStmts, sql, this.db.prepare(sql).raw(true))
  }

  private reader (sql: string): Reader | Statement {
    return this.readers.get(sql) ?? keep(this.readers, sql, this.prepareReader(sql))
  }

  private prepareReader (sql: string): Reader | Statement {
    // Prepared afresh, not taken from a cache: a statement SQLite has not run since a schema change still
    // names the columns it had before.
    const stmt = this.db.prepare(sql)
    if (!stmt.reader) return stmt
    const names = stmt.columns().map(c => c.name)
    const row = rowBuilder(names)
    return row ? { stmt: stmt.raw(true), width: names.length, row, writes: !stmt.readonly } : stmt
  }

  /** The builder for a raw row of `sql`: its own again if the schema changed its width since (see Reader). */
  private rowOf (sql: string, r: Reader, v: unknown[]): Reader {
    if (v.length === r.width) return r
    const fresh = this.prepareReader(sql)
    this.readers.delete(sql)
    keep(this.readers, sql, fresh)
    if (!('row' in fresh)) throw new Error(`A changed schema left no row builder for: ${sql}`)
    return fresh
  }

  /** Runs `op` now if the caller may use the connection, else once the transaction holding it has ended. */
  private use<T>(op: () => T): Promise<T> {
    const f = this.current()
    if (this.holder === undefined || f?.root === this.holder) {
      try {
        return Promise.resolve(op())
      } catch (err) {
        if (f) this.failed(err)
        return Promise.reject(err)
      } finally {
        this.untransacted()
      }
    }
    return new Promise((resolve, reject) => {
      this.waiting.push(() => {
        try {
          resolve(op())
        } catch (err) {
          reject(err)
        } finally {
          this.untransacted()
        }
      })
    })
  }

  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    return this.use(() => {
      const r = this.reader(sql)
      if (!('row' in r)) return this.wrote(r, r.get(...params)) as T | undefined
      const v = r.stmt.get(...params) as unknown[] | undefined
      if (r.writes) this.writes++
      return (v === undefined ? undefined : this.rowOf(sql, r, v).row(v)) as T | undefined
    })
  }

  all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return this.use(() => {
      const r = this.reader(sql)
      if (!('row' in r)) return this.wrote(r, r.all(...params)) as T[]
      const rows = r.stmt.all(...params) as unknown[][]
      if (r.writes) this.writes++
      const row = rows.length === 0 ? r.row : this.rowOf(sql, r, rows[0]).row
      for (let i = 0; i < rows.length; i++) rows[i] = row(rows[i]) as unknown as unknown[]
      return rows as T[]
    })
  }

  values<T extends unknown[]>(sql: string, ...params: unknown[]): Promise<T[]> {
    return this.use(() => {
      const stmt = this.raw(sql)
      return this.wrote(stmt, stmt.all(...params)) as T[]
    })
  }

  scan<T extends unknown[]>(sql: string, params: unknown[], row: (r: T) => void): Promise<number> {
    // One synchronous pass: better-sqlite3 lends the connection to nobody while an iterator is open.
    return this.use(() => {
      let n = 0
      const stmt = this.raw(sql)
      for (const r of stmt.iterate(...params) as Iterable<T>) {
        row(r)
        n++
      }
      return this.wrote(stmt, n)
    })
  }

  run (sql: string, ...params: unknown[]): Promise<number> {
    return this.use(() => {
      const stmt = this.q(sql)
      return this.wrote(stmt, stmt.run(...params).changes)
    })
  }

  /** `value`, once `stmt` ran: counted in `writes` unless it is read-only. */
  private wrote<V>(stmt: Statement, value: V): V {
    if (!stmt.readonly) this.writes++
    return value
  }

  exec (sql: string): Promise<void> {
    return this.use(() => {
      // Schema changes come this way: a renamed column keeps a `SELECT *`'s width, so builders start afresh.
      this.readers.clear()
      this.db.exec(sql)
      this.writes++
    })
  }

  /**
   * Tracking starts with the first listener. Readers outside a transaction see a write once the statement
   * (autocommit) or the transaction body (its end, even inside an open group: they share the connection) is
   * done, and that is when listeners hear of it.
   */
  override onInvalidate (listener: (change: Invalidation) => void): void {
    super.onInvalidate(listener)
    this.track()
  }

  /** `watcher` hears of every row change as it happens, and whenever the connection leaves a transaction. */
  watchRows (watcher: RowWatcher): void {
    this.watchers.push(watcher)
    this.track()
  }

  private track (): void {
    if (this.tracking) return
    this.tracking = true
    trackChanges(this.db, scope => {
      this.touched.add(scope)
      for (const w of this.watchers) w.touched(scope)
    })
  }

  /** Tells the row watchers when no transaction is open (any more): after a COMMIT, a ROLLBACK, an autocommit. */
  private settle (): void {
    if (this.watchers.length === 0 || this.db.inTransaction) return
    for (const w of this.watchers) w.settled()
  }

  /** Within a transaction its writes are nobody else's yet: they are told when the outermost body ends. */
  protected override savepointEnded (): void {
    this.bump(!this.tracking)
  }

  /** Tells the listeners what was written since they were last told. */
  private tell (): void {
    if (this.touched.size === 0) return
    const touched = this.touched
    this.touched = new Set()
    this.tellInvalidation(touched.has(ALL_SCOPES) ? 'all' : touched)
  }

  /** After a statement: one run while no transaction holds the connection was its own (autocommit). */
  private untransacted (): void {
    if (this.holder !== undefined) return
    this.tell()
    this.settle()
  }

  protected async control (_frame: Frame<Db>, sql: string): Promise<void> {
    this.q(sql).run()
  }

  private acquire (root: Root<Db>): Promise<void> | undefined {
    if (this.holder === undefined) {
      this.holder = root
      return undefined
    }
    return new Promise(resolve => {
      this.waiting.push(() => {
        this.holder = root
        resolve()
      })
    })
  }

  private release (): void {
    this.holder = undefined
    while (this.holder === undefined && this.waiting.length > 0) this.waiting.shift()!()
  }

  /** Runs `op` (synchronous) as soon as no transaction holds the connection. */
  private exclusive (op: () => void): void {
    if (this.holder === undefined) op()
    else this.waiting.push(op)
  }

  protected async outer<T>(
    body: () => Promise<T>,
    grouped: boolean,
    _opts: unknown,
    grouping?: GroupedOptions
  ): Promise<T> {
    const root: Root<Db> = { conn: this.db, wrote: false }
    const wait = this.acquire(root)
    if (wait) await wait
    let tell = false
    let after: Array<() => void> | undefined
    try {
      if (grouped || this.group) {
        const group = this.group ?? this.begin()
        const value = grouped && grouping?.unguarded
          ? await this.unguarded(root, group, body)
          : await this.savepoint(root, group, body)
        if (!grouped) {
          tell = this.commitGroup(group, true)
          after = group.after
        }
        return value
      }
      this.q('BEGIN IMMEDIATE').run()
      let ran: { frame: Frame<Db>; value: T }
      try {
        ran = await this.within(root, 0, body)
      } catch (err) {
        if (this.db.inTransaction) this.q('ROLLBACK').run()
        throw err
      }
      try {
        this.q('COMMIT').run()
      } catch (err) {
        if (this.db.inTransaction) this.q('ROLLBACK').run()
        throw err
      }
      tell = ran.frame.notify
      after = ran.frame.after
      return ran.value
    } finally {
      this.bump(!this.tracking)
      this.tell()
      this.settle()
      this.release()
      if (tell) this.committed(after)
    }
  }

  /** Runs a body as a savepoint of the open group; its events wake the listeners when the group commits. */
  private async savepoint<T>(root: Root<Db>, group: Group, body: () => Promise<T>): Promise<T> {
    this.q('SAVEPOINT sp0').run()
    let ran: { frame: Frame<Db>; value: T }
    try {
      ran = await this.within(root, 0, body)
    } catch (err) {
      if (this.db.inTransaction) {
        this.q('ROLLBACK TO sp0').run()
        this.q('RELEASE sp0').run()
      } else {
        // SQLite gave up the whole transaction (a full disk, say): the group is lost with it.
        this.failGroup(group, err as Error)
      }
      throw err
    }
    this.q('RELEASE sp0').run()
    if (ran.frame.notify) group.notify = true
    if (ran.frame.after) group.after.push(...ran.frame.after)
    return ran.value
  }

  /** Runs a body in the open group without a savepoint (GroupedOptions.unguarded). */
  private async unguarded<T>(root: Root<Db>, group: Group, body: () => Promise<T>): Promise<T> {
    const writes = this.writes
    let ran: { frame: Frame<Db>; value: T }
    try {
      ran = await this.within(root, 0, body)
    } catch (err) {
      // Before its first write there is nothing to undo; after it, nothing undoes it but the group's rollback.
      if (this.writes !== writes || !this.db.inTransaction) this.failGroup(group, err as Error)
      throw err
    }
    if (ran.frame.notify) group.notify = true
    if (ran.frame.after) group.after.push(...ran.frame.after)
    return ran.value
  }

  private begin (): Group {
    this.q('BEGIN IMMEDIATE').run()
    const group: Group = { waiters: [], notify: false, after: [] }
    this.group = group
    setImmediate(() => {
      // Before the replies the commit releases are written: they need no async context.
      this.quiesce()
      this.exclusive(() => this.commitGroup(group, false))
    })
    return group
  }

  /**
   * Commits `group` if it is still the open one. `rethrow`: for the plain `tx` that took it along, which fails
   * with it; the grouped bodies already returned and hear of it through `whenCommitted`. Returns whether the
   * listeners are to be told (the caller tells them once the connection is free).
   */
  private commitGroup (group: Group, rethrow: boolean): boolean {
    if (this.group !== group) return false
    this.group = undefined
    try {
      this.q('COMMIT').run()
    } catch (err) {
      this.failGroup(group, err as Error, true)
      if (rethrow) throw err
      return false
    }
    this.settle()
    for (const w of group.waiters) w()
    if (rethrow) return group.notify
    if (group.notify) this.committed(group.after)
    return false
  }

  private failGroup (group: Group, err: Error, closed = false): void {
    if (!closed && this.group !== group) return
    this.group = undefined
    if (this.db.inTransaction) this.q('ROLLBACK').run()
    // Readers saw the group's writes before it failed: whatever they kept may hold them.
    this.touched.clear()
    this.settle()
    this.bump()
    for (const w of group.waiters) w(err)
  }

  whenCommitted (callback: (err?: Error) => void): void {
    if (this.group) this.group.waiters.push(callback)
    else callback()
  }

  commit (): Promise<void> {
    return new Promise(resolve => {
      this.exclusive(() => {
        if (this.group) this.commitGroup(this.group, false)
        resolve()
      })
    })
  }

  /** Waits for the transactions in progress, commits an open group, closes the connection. */
  async close (): Promise<void> {
    await this.commit()
    this.db.close()
  }
}

/** Opens the SQLite file of `dataDir` (migrated as today) behind the asynchronous interface. */
export function openSqliteStore (opts: OpenOptions & { clock?: () => number }): SqliteStore {
  return new SqliteStore(openDatabase(opts), opts.clock)
}
