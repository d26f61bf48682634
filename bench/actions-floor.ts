/**
 * The actions bench's store floor: a bare Fastify app answering the mix's paths and Send a Message with the
 * least the operation needs against a SQLite file opened as the service opens its own (openDatabase: WAL, the
 * configured synchronous, the same schema and triggers) and seeded as the service's was. A read is one indexed
 * statement for the same page of rows; a write is the INSERTs the service must make (the row and its change-log
 * event, whose triggers run as in the service), its answer sent once a COMMIT shared by all writes of that
 * event-loop turn is done, as the service's group commit does. No auth, access check, validation or hooks: what
 * it reaches is the most a service with these statements can reach on this machine.
 */
import type { Statement } from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Db } from '../src/store/sqlite.js'
import { rowBuilder } from '../src/store/sqlite-rows.js'
import { decodeId, newOrderedUuid } from '../src/ids.js'
import {
  toMembership,
  toMessage,
  toPerson,
  toRoom,
  type MembershipRow,
  type MessageRow,
  type PersonRow,
  type RoomRow,
} from '../src/domain/rows.js'

/** A token and the person it stands for: the floor knows its callers as the service's auth cache does. */
export interface FloorCaller {
  token: string
  personId: string
}

const INSERT_EVENT =
  'INSERT INTO events (resource, event, actor_id, room_id, org_id, data, created) VALUES (?,?,?,?,?,?,?)'

/** A prepared statement's `get` and `all`, its raw rows made objects by the store's own row builder. */
interface Reader {
  get: (...params: unknown[]) => unknown
  all: (...params: unknown[]) => unknown[]
}

function reader (db: Db, sql: string): Reader {
  const stmt = db.prepare(sql)
  const row = rowBuilder(stmt.columns().map(c => c.name))
  if (!row) return { get: (...p) => stmt.get(...p), all: (...p) => stmt.all(...p) }
  stmt.raw(true)
  return {
    get: (...p) => {
      const v = stmt.get(...p) as unknown[] | undefined
      return v && row(v)
    },
    all: (...p) => (stmt.all(...p) as unknown[][]).map(row),
  }
}

/**
 * One BEGIN ... COMMIT per event-loop turn for every write of that turn; each write's answer waits for it. A
 * failed statement or COMMIT rolls the whole turn back and fails each of its writes (no savepoints: the floor
 * keeps the least a group commit costs).
 */
class GroupCommit {
  private waiters: Array<(err?: Error) => void> | undefined

  constructor (private readonly db: Db, private readonly stmt: (sql: string) => Statement) {}

  write<T>(body: () => T): Promise<T> {
    if (!this.waiters) {
      this.stmt('BEGIN IMMEDIATE').run()
      const waiters: Array<(err?: Error) => void> = []
      this.waiters = waiters
      setImmediate(() => this.commit(waiters))
    }
    let value: T
    try {
      value = body()
    } catch (err) {
      this.fail(err as Error)
      return Promise.reject(err)
    }
    const waiters = this.waiters!
    return new Promise((resolve, reject) => waiters.push(err => (err ? reject(err) : resolve(value))))
  }

  private commit (waiters: Array<(err?: Error) => void>): void {
    if (this.waiters !== waiters) return
    this.waiters = undefined
    try {
      this.stmt('COMMIT').run()
    } catch (err) {
      if (this.db.inTransaction) this.stmt('ROLLBACK').run()
      for (const w of waiters) w(err as Error)
      return
    }
    for (const w of waiters) w()
  }

  private fail (err: Error): void {
    const waiters = this.waiters ?? []
    this.waiters = undefined
    if (this.db.inTransaction) this.stmt('ROLLBACK').run()
    for (const w of waiters) w(err)
  }
}

/**
 * The floor app on `db`. People rows are read once at start (the bench adds none while it runs), so reads and
 * writes that name a person use them from memory, as the caller's identity comes from memory in the service.
 */
export function buildStoreFloor (db: Db, callers: FloorCaller[]): FastifyInstance {
  const stmts = new Map<string, Statement>()
  const q = (sql: string): Statement => {
    let s = stmts.get(sql)
    if (!s) stmts.set(sql, (s = db.prepare(sql)))
    return s
  }
  // Rows as the service's store makes them (sqlite-rows.ts): object literals, not better-sqlite3's own
  // dictionary-mode objects, which cost more to build and read than the statement itself.
  const readers = new Map<string, Reader>()
  const read = (sql: string): Reader => {
    let r = readers.get(sql)
    if (!r) readers.set(sql, (r = reader(db, sql)))
    return r
  }
  const group = new GroupCommit(db, q)
  const people = new Map((db.prepare('SELECT * FROM people').all() as PersonRow[]).map(p => [p.id, p]))
  const byToken = new Map(callers.map(c => [`Bearer ${c.token}`, people.get(decodeId('PEOPLE', c.personId) ?? '')]))

  const app = Fastify({ logger: false })
  const caller = (auth: string | undefined): PersonRow => {
    const p = auth === undefined ? undefined : byToken.get(auth)
    if (!p) throw Object.assign(new Error('unknown token'), { statusCode: 401 })
    return p
  }
  const room = (id: string): Pick<RoomRow, 'id' | 'type' | 'org_id'> => {
    const r = read('SELECT id, type, org_id FROM rooms WHERE id = ?').get(decodeId('ROOM', id) ?? '') as
      | Pick<RoomRow, 'id' | 'type' | 'org_id'>
      | undefined
    if (!r) throw Object.assign(new Error('no such space'), { statusCode: 404 })
    return r
  }
  const max = (v: string | undefined): number => (v === undefined ? 100 : Number(v))

  app.get('/v1/rooms', async req => {
    const me = caller(req.headers.authorization)
    const rows = read(
      'SELECT r.* FROM rooms r JOIN memberships m ON m.room_id = r.id WHERE m.person_id = ? ' +
        'ORDER BY m.room_created DESC, m.room_id DESC LIMIT ?'
    ).all(me.id, max((req.query as { max?: string }).max)) as RoomRow[]
    return { items: rows.map(r => toRoom(r, r.title ?? '')) }
  })
  app.get('/v1/rooms/:roomId', async req => {
    caller(req.headers.authorization)
    const r = read('SELECT * FROM rooms WHERE id = ?').get(decodeId('ROOM', (req.params as { roomId: string }).roomId))
    if (!r) throw Object.assign(new Error('no such space'), { statusCode: 404 })
    return toRoom(r as RoomRow, (r as RoomRow).title ?? '')
  })
  app.get('/v1/messages', async req => {
    caller(req.headers.authorization)
    const query = req.query as { roomId: string; max?: string }
    const rows = read(
      'SELECT m.*, r.type AS room_type FROM messages m JOIN rooms r ON r.id = m.room_id WHERE m.room_id = ? ' +
        'ORDER BY m.seq DESC LIMIT ?'
    ).all(decodeId('ROOM', query.roomId) ?? '', max(query.max)) as Array<MessageRow & { room_type: RoomRow['type'] }>
    return { items: rows.map(({ room_type: type, ...m }) => toMessage(m, people.get(m.person_id)!, type)) }
  })
  app.get('/v1/people', async req => {
    caller(req.headers.authorization)
    const p = read('SELECT * FROM people WHERE email = ?').get((req.query as { email: string }).email)
    return { items: p ? [toPerson(p as PersonRow)] : [] }
  })

  app.post('/v1/messages', async req => {
    const me = caller(req.headers.authorization)
    const body = req.body as { roomId: string; text: string }
    const r = room(body.roomId)
    return group.write(() => {
      const row = read(
        `INSERT INTO messages (id, room_id, person_id, parent_id, text, markdown, files, mentioned_people,
          mentioned_groups, to_person_id, to_person_email, created, attachments)
          VALUES (?,?,?,NULL,?,NULL,'[]','[]','[]',NULL,NULL,?,NULL) RETURNING *`
      ).get(newOrderedUuid(), r.id, me.id, body.text, new Date().toISOString()) as MessageRow
      const message = toMessage(row, me, r.type)
      const { text: _t, ...slim } = message
      q(INSERT_EVENT).run('messages', 'created', me.id, r.id, r.org_id, JSON.stringify(slim), row.created)
      return message
    })
  })
  app.post('/v1/rooms', async req => {
    const me = caller(req.headers.authorization)
    const { title } = req.body as { title: string }
    return group.write(() => {
      const now = new Date().toISOString()
      const r = read(
        `INSERT INTO rooms (id, title, type, is_locked, team_id, creator_id, org_id, created, last_activity,
          is_announcement_only) VALUES (?,?,'group',0,NULL,?,?,?,?,0) RETURNING *`
      ).get(newOrderedUuid(), title, me.id, me.org_id, now, now) as RoomRow
      const m = read(
        'INSERT INTO memberships (room_id, person_id, is_moderator, created) VALUES (?,?,0,?) RETURNING *'
      ).get(r.id, me.id, now) as MembershipRow
      const out = toRoom(r, title)
      const member = JSON.stringify(toMembership(m, me, 'group'))
      q(INSERT_EVENT).run('memberships', 'created', me.id, r.id, r.org_id, member, now)
      q(INSERT_EVENT).run('rooms', 'created', me.id, r.id, r.org_id, JSON.stringify(out), now)
      return out
    })
  })
  app.post('/v1/memberships', async req => {
    const me = caller(req.headers.authorization)
    const body = req.body as { roomId: string; personId: string }
    const who = people.get(decodeId('PEOPLE', body.personId) ?? '')
    if (!who) throw Object.assign(new Error('no such person'), { statusCode: 404 })
    const r = room(body.roomId)
    return group.write(() => {
      const now = new Date().toISOString()
      const m = read(
        'INSERT INTO memberships (room_id, person_id, is_moderator, created) VALUES (?,?,0,?) RETURNING *'
      ).get(r.id, who.id, now) as MembershipRow
      const out = toMembership(m, who, r.type)
      q(INSERT_EVENT).run('memberships', 'created', me.id, r.id, r.org_id, JSON.stringify(out), now)
      return out
    })
  })
  return app
}

/** An answer's shape: its keys, nested, with the values' types (ids and times differ between two stores). */
export function shape (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape)
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, shape(x)]))
  }
  return typeof v
}
