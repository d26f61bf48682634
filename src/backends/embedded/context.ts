import type { Statement } from 'better-sqlite3'
import type { Db } from '../../store/sqlite.js'
import type { PersonRow, RoomRow, MembershipRow, TeamRow, TeamMembershipRow } from './rows.js'

export type Resource = 'rooms' | 'memberships' | 'messages'
export type EventName = 'created' | 'updated' | 'deleted'

export interface ChangeEvent {
  resource: Resource
  event: EventName
  actorId: string
  roomId?: string
  orgId: string
  data: Record<string, unknown>
}

/**
 * What every embedded operation shares: the database, a statement cache (prepare once, run many), the clock,
 * and `emit`, which writes the change log row inside the caller's transaction.
 */
export class Ctx {
  private readonly stmts = new Map<string, Statement>()
  private emitted = false
  /** Bumped by every write transaction; read caches key their validity on it. */
  generation = 0

  constructor (readonly db: Db, private readonly clock: () => number, private readonly onCommit: () => void) {}

  now (): string { return new Date(this.clock()).toISOString() }

  q (sql: string): Statement {
    let s = this.stmts.get(sql)
    if (!s) { s = this.db.prepare(sql); this.stmts.set(sql, s) }
    return s
  }

  get<T> (sql: string, ...params: unknown[]): T | undefined { return this.q(sql).get(...params) as T | undefined }
  all<T> (sql: string, ...params: unknown[]): T[] { return this.q(sql).all(...params) as T[] }
  run (sql: string, ...params: unknown[]): number { return this.q(sql).run(...params).changes }

  /** Runs `fn` in one transaction; listeners hear about new events only after it committed. */
  tx<T> (fn: () => T): T {
    this.emitted = false
    let result: T
    try {
      result = this.db.transaction(fn)()
    } finally {
      this.generation++
    }
    if (this.emitted) this.onCommit()
    return result
  }

  emit (e: ChangeEvent): void {
    this.run('INSERT INTO events (resource, event, actor_id, room_id, org_id, data, created) VALUES (?,?,?,?,?,?,?)',
      e.resource, e.event, e.actorId, e.roomId ?? null, e.orgId, JSON.stringify(e.data), this.now())
    this.emitted = true
  }

  person (id: string): PersonRow | undefined { return this.get('SELECT * FROM people WHERE id = ?', id) }
  personByEmail (email: string): PersonRow | undefined { return this.get('SELECT * FROM people WHERE email = ?', email) }
  room (id: string): RoomRow | undefined { return this.get('SELECT * FROM rooms WHERE id = ?', id) }
  membership (roomId: string, personId: string): MembershipRow | undefined {
    return this.get('SELECT * FROM memberships WHERE room_id = ? AND person_id = ?', roomId, personId)
  }
  team (id: string): TeamRow | undefined { return this.get('SELECT * FROM teams WHERE id = ?', id) }
  teamMembership (teamId: string, personId: string): TeamMembershipRow | undefined {
    return this.get('SELECT * FROM team_memberships WHERE team_id = ? AND person_id = ?', teamId, personId)
  }
}
