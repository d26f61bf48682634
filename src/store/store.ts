import type { Statement } from 'better-sqlite3'
import type { Db } from './sqlite.js'

export type Resource = 'rooms' | 'memberships' | 'messages'
export type EventName = 'created' | 'updated' | 'deleted'

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
  viewData?: (viewerId: string) => Record<string, unknown>
}
export interface StoredEvent extends ChangeEvent { seq: number, created: string }

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
  private notify = false
  /** Bumped by every write transaction; read caches key their validity on it. */
  generation = 0

  constructor (readonly db: Db, readonly clock: () => number = Date.now) {}

  now (): string { return new Date(this.clock()).toISOString() }

  q (sql: string): Statement {
    let s = this.stmts.get(sql)
    if (!s) { s = this.db.prepare(sql); this.stmts.set(sql, s) }
    return s
  }

  get<T> (sql: string, ...params: unknown[]): T | undefined { return this.q(sql).get(...params) as T | undefined }
  all<T> (sql: string, ...params: unknown[]): T[] { return this.q(sql).all(...params) as T[] }
  run (sql: string, ...params: unknown[]): number { return this.q(sql).run(...params).changes }

  /** Runs `fn` in one transaction; commit listeners hear about it only after it committed events. */
  tx<T> (fn: () => T): T {
    this.notify = false
    let result: T
    try {
      result = this.db.transaction(fn)()
    } finally {
      this.generation++
    }
    if (this.notify) for (const l of this.commitListeners) l()
    return result
  }

  /** Appends to the change log and hands the event to the sinks, all inside the current transaction. */
  emit (e: ChangeEvent): void {
    const created = this.now()
    const info = this.q('INSERT INTO events (resource, event, actor_id, room_id, org_id, data, created) VALUES (?,?,?,?,?,?,?)')
      .run(e.resource, e.event, e.actorId, e.roomId ?? null, e.orgId, JSON.stringify(e.data), created)
    this.notify = true
    const stored: StoredEvent = { ...e, seq: Number(info.lastInsertRowid), created }
    for (const sink of this.sinks) sink(stored)
  }

  /** Makes the current transaction wake the commit listeners, for writes that queue work without an event. */
  wakeOnCommit (): void { this.notify = true }

  onEvent (sink: EventSink): void { this.sinks.push(sink) }
  onCommit (listener: () => void): void { this.commitListeners.push(listener) }
}
