import { AsyncLocalStorage } from 'node:async_hooks'
import type { ChangeEvent, StoredEvent } from './store.js'
import type { SqlDialect } from './dialect.js'
import { isoTime } from '../iso-time.js'

/** Runs inside the transaction that recorded the event, which waits for it: its writes commit or roll back with it. */
export type AsyncEventSink = (e: StoredEvent) => void | Promise<void>

/**
 * What a read cache must drop: everything, or what depends on these scopes (`room:<id>`, `person:<id>`,
 * `people`; see sqlite-changes.ts for what each covers).
 */
export type Invalidation = 'all' | ReadonlySet<string>

export type Isolation = 'read committed' | 'repeatable read' | 'serializable'

export interface TxOptions {
  /**
   * PostgreSQL's isolation level for this transaction (default read committed). SQLite's transactions are
   * serializable whatever is asked: there is one writer and a transaction holds the connection.
   */
  isolation?: Isolation
  /**
   * Run the body again, up to this many times, when PostgreSQL aborts it for a serialization failure or a
   * deadlock (SQLSTATE 40001, 40P01). Only for bodies whose effects are all in the transaction. Default 0.
   */
  retries?: number
}

export interface GroupedOptions {
  /**
   * SQLite: no savepoint of its own for a body that checks everything it can before its first write, so that what
   * may still fail after it is the store itself (a full disk, a broken file). It saves the SAVEPOINT and RELEASE
   * and the copies of every page it changes that SQLite keeps to roll the savepoint back. Failing before it wrote,
   * the body fails alone; failing after, it fails its whole group, as a failed COMMIT does (every body of the group
   * hears of it through `whenCommitted`, nothing of the group is kept). Nested in another transaction, or on
   * PostgreSQL, where each body is its own transaction, the body fails alone as ever.
   */
  unguarded?: boolean
}

/**
 * The store as the service's code sees it, on either dialect: the surface of the synchronous `Store`, every
 * query returning a promise. Transactions follow the code, not a handle: a query issued while a `tx` body
 * runs (in its async context) joins that transaction; a `tx` inside one is a savepoint.
 *
 * `run` resolves to the number of rows changed. Ids of inserted rows come from `INSERT ... RETURNING seq`
 * through `get`, on both dialects (there is no lastInsertRowid: PostgreSQL has none).
 *
 * A statement that fails inside a transaction fails the transaction (or savepoint) it is in, even when the body
 * catches the error: PostgreSQL aborts the transaction, and SQLite is held to the same rule so that code
 * written against one behaves on the other. A failure that is expected goes in a nested `tx`.
 */
export interface AsyncStore {
  readonly dialect: SqlDialect
  /** Milliseconds since the epoch; tests pass their own. */
  readonly clock: () => number
  /** Bumped by every transaction here and by `invalidate()`: read caches key their validity on it. */
  readonly generation: number
  now(): string
  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>
  all<T>(sql: string, ...params: unknown[]): Promise<T[]>
  /** Rows as arrays of column values, in the SELECT's order (cheaper than objects for bulk reads). */
  values<T extends unknown[]>(sql: string, ...params: unknown[]): Promise<T[]>
  /** Streams a large result, rows as arrays, to `row` (which must not await); resolves to the number of rows. */
  scan<T extends unknown[]>(sql: string, params: unknown[], row: (r: T) => void): Promise<number>
  run(sql: string, ...params: unknown[]): Promise<number>
  /** Several statements without parameters (schema changes, tests). */
  exec(sql: string): Promise<void>
  /** One transaction, committed before this resolves, with any open group (SQLite) before it. */
  tx<T>(fn: () => Promise<T>, opts?: TxOptions): Promise<T>
  /**
   * A transaction that may commit with the others of this event-loop turn (SQLite's group commit; on
   * PostgreSQL, which groups commits itself, the same as `tx`). The body still succeeds or fails alone. Whoever
   * answers a caller waits for `whenCommitted` first.
   */
  txGrouped<T>(fn: () => Promise<T>, opts?: GroupedOptions): Promise<T>
  inTransaction(): boolean
  /** Appends to the change log and hands the event to the sinks, in the current transaction (required). */
  emit(e: ChangeEvent): Promise<StoredEvent>
  /** Makes the current transaction wake the commit listeners (outside one: wakes them now). */
  wakeOnCommit(): void
  /**
   * Runs `fn` once the current transaction has committed, just before the commit listeners are told (and
   * never if it, or the savepoint that asked, rolls back); outside a transaction, at once. What a transaction
   * must tell the listeners about belongs here, not in shared state: on PostgreSQL transactions commit
   * concurrently, and a listener woken by another's commit would take it before it is visible.
   */
  afterCommit(fn: () => void): void
  onEvent(sink: AsyncEventSink): void
  /** Told after a commit that recorded an event or asked to wake them. */
  onCommit(listener: () => void): void
  /** Calls back once nothing written so far is uncommitted, with the commit's error if it failed. */
  whenCommitted(callback: (err?: Error) => void): void
  /** Commits an open group now (a no-op without one). */
  commit(): Promise<void>
  /** Another instance wrote: bump the generation so read caches drop what they hold. */
  invalidate(): void
  /**
   * Tells `listener`, synchronously, of what changed once it is visible to reads outside the writing
   * transaction. By default every generation bump is `'all'`; SQLite narrows it to the scopes the rows
   * written belong to (sqlite-changes.ts), rolled-back savepoints included (a drop too many is harmless).
   */
  onInvalidate(listener: (change: Invalidation) => void): void
  close(): Promise<void>
}

/** One transaction on one connection: the outermost `tx` and the savepoints inside it share it. */
export interface Root<C> {
  readonly conn: C
  /** Some statement in it may have written (PostgreSQL tells other instances on commit). */
  wrote: boolean
}

/** A transaction or savepoint, as seen by the code running in it (AsyncLocalStorage). */
export interface Frame<C> {
  readonly root: Root<C>
  readonly depth: number
  /** False once its body has finished: late queries from its async context run outside it. */
  open: boolean
  /** An event was recorded or a wake asked for: commit listeners are told once the transaction commits. */
  notify: boolean
  /** The first statement that failed in it: the frame fails even if the body caught it. */
  failure?: unknown
  /** The savepoint running in it: nested transactions of one frame run one at a time. */
  child?: Promise<void>
  /** What `afterCommit` asked for in it (a savepoint's join its parent's when it is released). */
  after?: Array<() => void>
}

/**
 * What the two dialects share: the async context of transactions, savepoints, the change log and its sinks,
 * commit listeners and the generation. A dialect supplies the connection, the outermost transaction and how
 * one statement runs on a frame's connection.
 */
export abstract class TransactionalStore<C> implements AsyncStore {
  abstract readonly dialect: SqlDialect
  protected readonly frames = new AsyncLocalStorage<Frame<C>>()
  /** Frame bodies running now (any root): while none runs the async context is switched off (see `within`). */
  private running = 0
  private idleCheck = false
  private readonly sinks: AsyncEventSink[] = []
  private readonly commitListeners: Array<() => void> = []
  protected readonly invalidationListeners: Array<(change: Invalidation) => void> = []
  private gen = 0

  constructor (readonly clock: () => number = Date.now) {}

  abstract get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>
  abstract all<T>(sql: string, ...params: unknown[]): Promise<T[]>
  abstract values<T extends unknown[]>(sql: string, ...params: unknown[]): Promise<T[]>
  abstract scan<T extends unknown[]>(sql: string, params: unknown[], row: (r: T) => void): Promise<number>
  abstract run (sql: string, ...params: unknown[]): Promise<number>
  abstract exec (sql: string): Promise<void>
  abstract whenCommitted (callback: (err?: Error) => void): void
  abstract commit (): Promise<void>
  abstract close (): Promise<void>
  /** The outermost transaction: takes a connection, runs `body` in a new root frame, commits. */
  protected abstract outer<T>(
    body: () => Promise<T>,
    grouped: boolean,
    opts: TxOptions,
    grouping?: GroupedOptions
  ): Promise<T>
  /** A control statement (SAVEPOINT, RELEASE, ROLLBACK TO) on the frame's connection. */
  protected abstract control (frame: Frame<C>, sql: string): Promise<void>

  get generation (): number {
    return this.gen
  }

  /** A new generation; `all`: read caches drop everything (else the dialect tells them what changed). */
  protected bump (all = true): void {
    this.gen++
    if (all) this.tellInvalidation('all')
  }

  protected tellInvalidation (change: Invalidation): void {
    for (const l of this.invalidationListeners) l(change)
  }

  onInvalidate (listener: (change: Invalidation) => void): void {
    this.invalidationListeners.push(listener)
  }

  /** A savepoint ended (released or rolled back). */
  protected savepointEnded (): void {
    this.bump()
  }

  /** `now()`'s last answer: many statements of a request ask within one millisecond, formatting is not free. */
  private nowAt = Number.NaN
  private nowText = ''

  now (): string {
    const t = this.clock()
    if (t !== this.nowAt) {
      this.nowText = isoTime(t)
      this.nowAt = t
    }
    return this.nowText
  }

  /** The open transaction frame of the calling code, if any. */
  protected current (): Frame<C> | undefined {
    const f = this.frames.getStore()
    return f?.open ? f : undefined
  }

  inTransaction (): boolean {
    return this.current() !== undefined
  }

  tx<T>(fn: () => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const f = this.current()
    return f ? this.nested(f, fn) : this.outer(fn, false, opts)
  }

  txGrouped<T>(fn: () => Promise<T>, opts?: GroupedOptions): Promise<T> {
    const f = this.current()
    return f ? this.nested(f, fn) : this.outer(fn, true, {}, opts)
  }

  /** Runs `fn` in a new frame of `root`, and fails it with a statement failure the body swallowed. */
  protected async within<T> (
    root: Root<C>,
    depth: number,
    fn: () => Promise<T>
  ): Promise<{ frame: Frame<C>; value: T }> {
    const frame: Frame<C> = { root, depth, open: true, notify: false }
    this.running++
    try {
      const value = await this.frames.run(frame, fn)
      if (frame.failure !== undefined) throw frame.failure
      return { frame, value }
    } finally {
      frame.open = false
      if (--this.running === 0) this.idle()
    }
  }

  /**
   * Once no frame body runs, the async context is switched off until the next `frames.run`: while it is on,
   * Node's promise hooks run for every promise of the process, requests that never open a transaction included.
   * At most once a turn (switching costs a few µs each way, a body a few µs in all), and from a macrotask's own
   * code: turning the hooks off inside a promise reaction would leave that reaction's entry on Node's
   * async-context stack (a corrupted-stack abort). A body's late async work, which found its frame closed
   * anyway, now finds none.
   */
  private idle (): void {
    if (this.idleCheck) return
    this.idleCheck = true
    setImmediate(() => {
      this.idleCheck = false
      this.quiesce()
    })
  }

  /** Switches the async context off if no frame body runs; only from a macrotask's own code (see `idle`). */
  protected quiesce (): void {
    if (this.running === 0) this.frames.disable()
  }

  /** A savepoint in `parent`: rolled back alone if `fn` fails. */
  private async nested<T>(parent: Frame<C>, fn: () => Promise<T>): Promise<T> {
    while (parent.child) await parent.child
    let done!: () => void
    parent.child = new Promise(resolve => {
      done = resolve
    })
    const name = `sp${parent.depth + 1}`
    // A savepoint that cannot be set, released or rolled back leaves its transaction unusable.
    const control = async (sql: string): Promise<void> => {
      try {
        await this.control(parent, sql)
      } catch (err) {
        if (parent.failure === undefined) parent.failure = err
        throw err
      }
    }
    try {
      await control(`SAVEPOINT ${name}`)
      let ran: { frame: Frame<C>; value: T }
      try {
        ran = await this.within(parent.root, parent.depth + 1, fn)
      } catch (err) {
        await control(`ROLLBACK TO ${name}`)
        await control(`RELEASE ${name}`)
        throw err
      }
      await control(`RELEASE ${name}`)
      if (ran.frame.notify) parent.notify = true
      if (ran.frame.after) (parent.after ??= []).push(...ran.frame.after)
      return ran.value
    } finally {
      this.savepointEnded()
      parent.child = undefined
      done()
    }
  }

  /** Notes a statement that failed in the calling frame (see the interface: the frame fails with it). */
  protected failed (err: unknown): void {
    const f = this.current()
    if (f && f.failure === undefined) f.failure = err
  }

  async emit (e: ChangeEvent): Promise<StoredEvent> {
    const f = this.current()
    if (!f) throw new Error('emit() outside a transaction: the event would not commit with its change.')
    const created = this.now()
    const row = await this.get<{ seq: number }>(
      'INSERT INTO events (resource, event, actor_id, room_id, org_id, data, created) VALUES (?,?,?,?,?,?,?) ' +
        'RETURNING seq',
      e.resource,
      e.event,
      e.actorId,
      e.roomId ?? null,
      e.orgId,
      JSON.stringify(e.data),
      created
    )
    f.notify = true
    const stored: StoredEvent = { ...e, seq: row!.seq, created }
    for (const sink of this.sinks) await sink(stored)
    return stored
  }

  wakeOnCommit (): void {
    const f = this.current()
    if (f) f.notify = true
    else this.committed()
  }

  afterCommit (fn: () => void): void {
    const f = this.current()
    if (!f) {
      fn()
      return
    }
    f.notify = true
    ;(f.after ??= []).push(fn)
  }

  onEvent (sink: AsyncEventSink): void {
    this.sinks.push(sink)
  }

  onCommit (listener: () => void): void {
    this.commitListeners.push(listener)
  }

  invalidate (): void {
    this.bump()
  }

  /** Runs what the committed transactions asked for, then tells the commit listeners. */
  protected committed (after?: Array<() => void>): void {
    for (const fn of after ?? []) fn()
    for (const l of this.commitListeners) l()
  }
}
