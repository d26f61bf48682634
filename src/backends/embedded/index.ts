import { EventEmitter } from 'node:events'
import { openDatabase, type Db } from '../../store/sqlite.js'
import type { Caller, WebexBackend } from '../backend.js'
import { Ctx } from './context.js'
import { toPerson, type PersonRow } from './rows.js'
import { getPerson, listPeople } from './people.js'
import { createRoom, deleteRoom, getRoom, listRooms, updateRoom } from './rooms.js'
import { createMembership, deleteMembership, getMembership, listMemberships, updateMembership } from './memberships.js'
import { createMessage, deleteMessage, getMessage, listMessages } from './messages.js'
import {
  createTeam, createTeamMembership, deleteTeamMembership, getTeam, getTeamMembership, listTeamMemberships, listTeams,
  updateTeamMembership
} from './teams.js'
import { hashToken, seedDemo } from './seed.js'

export interface EmbeddedOptions {
  dataDir: string
  seedDemo: boolean
  synchronous?: 'NORMAL' | 'FULL'
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  clock?: () => number
}

type Args<K extends keyof WebexBackend> = WebexBackend[K] extends (...a: infer A) => unknown ? A : never

/**
 * A Webex-compatible organisation in a local SQLite file. Operations are synchronous SQLite transactions;
 * the async signatures are the backend interface's, shared with the HTTP backend. `changes` fires after
 * each commit that recorded events, so trigger delivery can wake without polling.
 */
export class EmbeddedBackend implements WebexBackend {
  readonly db: Db
  readonly ctx: Ctx
  readonly changes = new EventEmitter()
  readonly seeded: boolean

  constructor (opts: EmbeddedOptions) {
    const clock = opts.clock ?? Date.now
    this.db = openDatabase({ dataDir: opts.dataDir, ...(opts.synchronous ? { synchronous: opts.synchronous } : {}) })
    this.ctx = new Ctx(this.db, clock, () => this.changes.emit('committed'))
    this.seeded = opts.seedDemo ? seedDemo(this.db, new Date(clock()).toISOString()) : false
  }

  async authenticate (token: string): Promise<Caller | undefined> {
    const row = this.ctx.get<PersonRow>('SELECT p.* FROM tokens t JOIN people p ON p.id = t.person_id WHERE t.token_hash = ?', hashToken(token))
    return row ? { token, personId: row.id, orgId: row.org_id, roles: JSON.parse(row.roles) as string[] } : undefined
  }

  async getMe (caller: Caller) { return toPerson(this.ctx.person(caller.personId) as PersonRow) }
  async getPerson (_caller: Caller, ...a: [string]) { return getPerson(this.ctx, ...a) }
  async listPeople (...a: Args<'listPeople'>) { return listPeople(this.ctx, ...a) }

  async listRooms (...a: Args<'listRooms'>) { return listRooms(this.ctx, ...a) }
  async createRoom (...a: Args<'createRoom'>) { return createRoom(this.ctx, ...a) }
  async getRoom (...a: Args<'getRoom'>) { return getRoom(this.ctx, ...a) }
  async updateRoom (...a: Args<'updateRoom'>) { return updateRoom(this.ctx, ...a) }
  async deleteRoom (...a: Args<'deleteRoom'>) { deleteRoom(this.ctx, ...a) }

  async listMemberships (...a: Args<'listMemberships'>) { return listMemberships(this.ctx, ...a) }
  async createMembership (...a: Args<'createMembership'>) { return createMembership(this.ctx, ...a) }
  async getMembership (...a: Args<'getMembership'>) { return getMembership(this.ctx, ...a) }
  async updateMembership (...a: Args<'updateMembership'>) { return updateMembership(this.ctx, ...a) }
  async deleteMembership (...a: Args<'deleteMembership'>) { deleteMembership(this.ctx, ...a) }

  async listMessages (...a: Args<'listMessages'>) { return listMessages(this.ctx, ...a) }
  async createMessage (...a: Args<'createMessage'>) { return createMessage(this.ctx, ...a) }
  async getMessage (...a: Args<'getMessage'>) { return getMessage(this.ctx, ...a) }
  async deleteMessage (...a: Args<'deleteMessage'>) { deleteMessage(this.ctx, ...a) }

  async listTeams (...a: Args<'listTeams'>) { return listTeams(this.ctx, ...a) }
  async createTeam (...a: Args<'createTeam'>) { return createTeam(this.ctx, ...a) }
  async getTeam (...a: Args<'getTeam'>) { return getTeam(this.ctx, ...a) }

  async listTeamMemberships (...a: Args<'listTeamMemberships'>) { return listTeamMemberships(this.ctx, ...a) }
  async createTeamMembership (...a: Args<'createTeamMembership'>) { return createTeamMembership(this.ctx, ...a) }
  async getTeamMembership (...a: Args<'getTeamMembership'>) { return getTeamMembership(this.ctx, ...a) }
  async updateTeamMembership (...a: Args<'updateTeamMembership'>) { return updateTeamMembership(this.ctx, ...a) }
  async deleteTeamMembership (...a: Args<'deleteTeamMembership'>) { deleteTeamMembership(this.ctx, ...a) }

  async close (): Promise<void> { this.db.close() }
}
