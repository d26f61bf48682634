import type { AsyncEventSink, AsyncStore, GroupedOptions, Invalidation, TxOptions } from './db.js'
import type { SqlDialect } from './dialect.js'
import type { ChangeEvent, StoredEvent } from './store.js'
import type { PersonRow, RoomRow, MembershipRow, TeamRow, TeamMembershipRow } from '../domain/rows.js'
import type { OpenedStore } from './open.js'

/**
 * The app-wide store, on either dialect: the asynchronous store the configuration opened, plus the lookups every
 * operation on spaces needs. Backends, triggers, flows and governance share it, so their writes join the same
 * transactions (found through the async context, see db.ts).
 */
export class Ctx implements AsyncStore {
  /** Where clients reach this service: file URLs (`{base}/v1/contents/{id}`) are built on it. Set at listen. */
  publicBase = 'http://127.0.0.1:8080'

  /** The store itself, whichever its dialect. */
  readonly store: AsyncStore

  /** `opened.dialect` tells what only one dialect has (see open.ts). */
  constructor (readonly opened: OpenedStore) {
    this.store = opened.store
  }

  get dialect (): SqlDialect {
    return this.store.dialect
  }

  get clock (): () => number {
    return this.store.clock
  }

  get generation (): number {
    return this.store.generation
  }

  now (): string {
    return this.store.now()
  }

  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    return this.store.get<T>(sql, ...params)
  }

  all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return this.store.all<T>(sql, ...params)
  }

  values<T extends unknown[]>(sql: string, ...params: unknown[]): Promise<T[]> {
    return this.store.values<T>(sql, ...params)
  }

  scan<T extends unknown[]>(sql: string, params: unknown[], row: (r: T) => void): Promise<number> {
    return this.store.scan<T>(sql, params, row)
  }

  run (sql: string, ...params: unknown[]): Promise<number> {
    return this.store.run(sql, ...params)
  }

  exec (sql: string): Promise<void> {
    return this.store.exec(sql)
  }

  tx<T>(fn: () => Promise<T>, opts?: TxOptions): Promise<T> {
    return this.store.tx(fn, opts)
  }

  txGrouped<T>(fn: () => Promise<T>, opts?: GroupedOptions): Promise<T> {
    return this.store.txGrouped(fn, opts)
  }

  inTransaction (): boolean {
    return this.store.inTransaction()
  }

  emit (e: ChangeEvent): Promise<StoredEvent> {
    return this.store.emit(e)
  }

  wakeOnCommit (): void {
    this.store.wakeOnCommit()
  }

  afterCommit (fn: () => void): void {
    this.store.afterCommit(fn)
  }

  onEvent (sink: AsyncEventSink): void {
    this.store.onEvent(sink)
  }

  onCommit (listener: () => void): void {
    this.store.onCommit(listener)
  }

  whenCommitted (callback: (err?: Error) => void): void {
    this.store.whenCommitted(callback)
  }

  commit (): Promise<void> {
    return this.store.commit()
  }

  invalidate (): void {
    this.store.invalidate()
  }

  onInvalidate (listener: (change: Invalidation) => void): void {
    this.store.onInvalidate(listener)
  }

  close (): Promise<void> {
    return this.store.close()
  }

  person (id: string): Promise<PersonRow | undefined> {
    return this.get('SELECT * FROM people WHERE id = ?', id)
  }

  personByEmail (email: string): Promise<PersonRow | undefined> {
    return this.get('SELECT * FROM people WHERE email = ?', email)
  }

  room (id: string): Promise<RoomRow | undefined> {
    return this.get('SELECT * FROM rooms WHERE id = ?', id)
  }

  membership (roomId: string, personId: string): Promise<MembershipRow | undefined> {
    return this.get('SELECT * FROM memberships WHERE room_id = ? AND person_id = ?', roomId, personId)
  }

  team (id: string): Promise<TeamRow | undefined> {
    return this.get('SELECT * FROM teams WHERE id = ?', id)
  }

  teamMembership (teamId: string, personId: string): Promise<TeamMembershipRow | undefined> {
    return this.get('SELECT * FROM team_memberships WHERE team_id = ? AND person_id = ?', teamId, personId)
  }
}
