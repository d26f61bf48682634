import type { Statement } from 'better-sqlite3'
import type { Db } from './sqlite.js'

export type Resource = 'rooms' | 'memberships' | 'messages' | 'attachmentActions' | 'dispositions'
export type EventName = 'created' | 'updated' | 'deleted' | 'due'

/** A change to a space, as recorded in the change log and fanned out to trigger subscriptions. */
export interface ChangeEvent {
  resource: Resource
  event: EventName
  /** Bare uuids (the store's keys); Webex ids live in `data`. */
  actorId: string
  roomId?: string
  orgId: string
  data: Record<string, unknown>
  /** Set for events relayed from Webex: the person whose Webex webhook saw it (Webex already applied visibility). */
  audience?: string
  /** When what a subscriber sees depends on who they are (a 1:1 space's title), their view of `data`. */
  viewData?: (viewerId: string) => Promise<Record<string, unknown>>
}
export interface StoredEvent extends ChangeEvent {
  seq: number
  created: string
}

/** Runs inside the transaction that recorded the event: whatever it writes commits or rolls back with it. */
export type EventSink = (e: StoredEvent) => void

/**
 * The shared handle on the SQLite store: a statement cache (prepare once, run many), transactions that
 * tell listeners when they committed, the clock, and the change log. Everything that writes goes through
 * `tx`, so the generation counter (read caches) and commit listeners (trigger delivery) see every write.
 */
export class Store {
  private readonly stmts = new Map<string, Statement>()
  private readonly sinks: EventSink[] = []
  private readonly commitListeners: Array<() => void> = []
  /** Some committed-or-pending write recorded an event (or asked to wake the listeners). */
  private notify = false
  /** Nesting depth of tx/txGrouped calls: only the outermost commits. */
  private depth = 0
  /** The open group commit: BEGIN issued, COMMIT due at the end of this event-loop turn. */
  private group: { waiters: Array<(err?: Error) => void> } | undefined
  /** Bumped by every write transaction; read caches key their validity on it. */
  generation = 0

  constructor (
    readonly db: Db,
    readonly clock: () => number = Date.now
  ) {}

  now (): string {
    return new Date(this.clock()).toISOString()
  }

  q (sql: string): Statement {
    let s = this.stmts.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.stmts.set(sql, s)
    }
    return s
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.q(sql).get(...params) as T | undefined
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.q(sql).all(...params) as T[]
  }

  run (sql: string, ...params: unknown[]): number {
    return this.q(sql).run(...params).changes
  }

  /** Runs `fn` in one transaction, committed before this returns (with any group still open before it). */
  tx<T>(fn: () => T): T {
    return this.transact(fn, false)
  }

  /**
   * Runs `fn` in a transaction that commits with the others of this event-loop turn (group commit): at a
   * thousand writes a second, one COMMIT for the turn writes each hot page (a space's tail, the outbox, their
   * indexes) to the WAL once instead of once per write. `fn` still succeeds or fails on its own (a savepoint).
   * Nothing outside this connection sees it before the commit; whoever answers a caller waits for
   * `whenCommitted`, so no one is told of a write that a crash could still lose.
   */
  txGrouped<T>(fn: () => T): T {
    return this.transact(fn, true)
  }

  private transact<T>(fn: () => T, grouped: boolean): T {
    const top = this.depth === 0
    if (top && grouped && !this.group) this.begin()
    this.depth++
    let result: T
    try {
      // Inside the group (or another transaction) better-sqlite3 makes this a savepoint.
      result = this.db.transaction(fn)()
    } finally {
      this.depth--
      this.generation++
    }
    if (top && !grouped) {
      if (this.group) this.commit()
      else this.committed()
    }
    return result
  }

  private begin (): void {
    this.q('BEGIN IMMEDIATE').run()
    this.group = { waiters: [] }
    setImmediate(() => this.commit())
  }

  /** Commits the open group now (a no-op without one): before closing, or when a plain `tx` joins it. */
  commit (): void {
    const group = this.group
    if (!group) return
    this.group = undefined
    let failed: Error | undefined
    try {
      this.q('COMMIT').run()
    } catch (err) {
      failed = err as Error
      if (this.db.inTransaction) this.q('ROLLBACK').run()
      this.generation++
      this.notify = false
    }
    if (!failed) this.committed()
    for (const w of group.waiters) w(failed)
  }

  /** Commits an open group, then closes the connection: a closed store loses nothing it acknowledged. */
  close (): void {
    this.commit()
    this.db.close()
  }

  /** Calls back once nothing written so far is uncommitted (at once when nothing is), with the commit's error if it
   * failed. */
  whenCommitted (callback: (err?: Error) => void): void {
    if (this.group) this.group.waiters.push(callback)
    else callback()
  }

  private committed (): void {
    if (!this.notify) return
    this.notify = false
    for (const l of this.commitListeners) l()
  }

  /** Appends to the change log and hands the event to the sinks, all inside the current transaction. */
  emit (e: ChangeEvent): void {
    const created = this.now()
    const info = this.q(
      'INSERT INTO events (resource, event, actor_id, room_id, org_id, data, created) VALUES (?,?,?,?,?,?,?)'
    ).run(e.resource, e.event, e.actorId, e.roomId ?? null, e.orgId, JSON.stringify(e.data), created)
    this.notify = true
    const stored: StoredEvent = { ...e, seq: Number(info.lastInsertRowid), created }
    for (const sink of this.sinks) sink(stored)
  }

  /** Makes the current transaction wake the commit listeners, for writes that queue work without an event. */
  wakeOnCommit (): void {
    this.notify = true
  }

  onEvent (sink: EventSink): void {
    this.sinks.push(sink)
  }

  onCommit (listener: () => void): void {
    this.commitListeners.push(listener)
  }
}
