import { openSqliteStore } from '../../store/sqlite-store.js'
import type { WebexBackend } from '../backend.js'
import type { Caller, Content } from '../../domain/caller.js'
import { Ctx } from '../../store/ctx.js'
import { toCaller, toPerson, type PersonRow } from '../../domain/rows.js'
import { getPerson, listPeople } from './people.js'
import { createRoom, deleteRoom, getRoom, listRooms, updateRoom } from './rooms.js'
import {
  createMembership,
  deleteMembership,
  getMembership,
  listMemberships,
  updateMembership,
} from './memberships.js'
import { deleteMessage, getMessage, listMessages, updateMessage } from './messages.js'
import { checkMessage, createMessage } from '../../spaces/messages.js'
import { createAttachmentAction, getAttachmentAction } from './attachment-actions.js'
import { ContentStore, type Upload } from '../../files/content-store.js'
import { RemoteFiles } from '../../files/remote.js'
import { BadRequestError, NotFoundError } from '../../errors.js'
import { decodeId } from '../../ids.js'
import {
  createTeam,
  createTeamMembership,
  deleteTeam,
  deleteTeamMembership,
  getTeam,
  getTeamMembership,
  listTeamMemberships,
  listTeams,
  updateTeam,
  updateTeamMembership,
} from './teams.js'
import { hashToken, seedDemo } from './seed.js'
import { isComplianceOfficer } from '../../auth/rules.js'
import {
  hasRoomSettings,
  officerAddMember,
  officerDeleteMembership,
  officerDeleteMessage,
  officerUpdateMembership,
  updateRoomSettings,
} from './compliance.js'
import { getEvent, listEvents } from './events.js'
import { ReadCache, type Deps } from './read-cache.js'
import { embeddedCanSee } from './visibility.js'
import type { CanSee } from '../../triggers/registry.js'

export interface EmbeddedOptions {
  /** The store it keeps the organisation in (either dialect); by default a SQLite file in `dataDir`. */
  ctx?: Ctx
  /** Where uploaded files are kept (and, without `ctx`, the SQLite file). */
  dataDir: string
  seedDemo: boolean
  synchronous?: 'NORMAL' | 'FULL'
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  clock?: () => number
  /** Memoise reads between writes (default on); see read-cache.ts. */
  readCache?: boolean
  /** Message files and cards: Webex's 100 MB per file; the card size; how long a file URL may take to fetch. */
  files?: { maxBytes: number; cardMaxBytes: number; fetchTimeoutMs: number }
  /** Whether file URLs may point at loopback/private addresses (the webhook target policy's switch). */
  allowPrivateTargets?: boolean
}

/** The scopes of people shown by a read: each one's row, and which people exist. */
function personScopes (people: Array<{ id: string }>): Deps {
  return ['people', ...people.map(p => `person:${decodeId('PEOPLE', p.id)}`)]
}

type Args<K extends keyof WebexBackend> = WebexBackend[K] extends (...a: infer A) => unknown ? A : never

/**
 * A Webex-compatible organisation in the store (SQLite, or PostgreSQL shared by several instances). Its Ctx is
 * the store that triggers and governance share, so their writes join the same transactions.
 */
export class EmbeddedBackend implements WebexBackend {
  readonly ctx: Ctx
  /** Whether this start seeded the demo organisation (false when the store already held data). */
  seeded = false
  readonly contents: ContentStore
  /** Who hears about an event of this organisation (the triggers' audience rule). */
  readonly canSee: CanSee
  private readonly remote: RemoteFiles
  private readonly cardMaxBytes: number
  private readonly cache: ReadCache | undefined
  /** Tokens resolve to callers independently of other writes; nothing in the API changes tokens or roles. */
  private readonly callers = new Map<string, Caller | undefined>()

  /** Opens the backend on its store, seeding the demo organisation into an empty one when asked. */
  static async open (opts: EmbeddedOptions): Promise<EmbeddedBackend> {
    const backend = new EmbeddedBackend(opts)
    if (opts.seedDemo) backend.seeded = await seedDemo(backend.ctx, backend.ctx.now())
    return backend
  }

  private constructor (opts: EmbeddedOptions) {
    this.ctx =
      opts.ctx ??
      new Ctx({
        dialect: 'sqlite',
        store: openSqliteStore({
          dataDir: opts.dataDir,
          ...(opts.synchronous ? { synchronous: opts.synchronous } : {}),
          ...(opts.clock ? { clock: opts.clock } : {}),
        }),
      })
    this.canSee = embeddedCanSee(this.ctx)
    if (opts.readCache !== false) {
      const cache = new ReadCache(() => this.ctx.inTransaction())
      this.ctx.onInvalidate(change => cache.invalidate(change))
      this.cache = cache
    }
    const files = opts.files ?? { maxBytes: 100 * 1024 * 1024, cardMaxBytes: 28 * 1024, fetchTimeoutMs: 30_000 }
    this.cardMaxBytes = files.cardMaxBytes
    this.contents = new ContentStore(this.ctx, opts.dataDir, files.maxBytes)
    this.remote = new RemoteFiles(this.contents, {
      allowPrivateTargets: opts.allowPrivateTargets ?? false,
      timeoutMs: files.fetchTimeoutMs,
    })
  }

  /**
   * A read, memoised per caller and arguments until a write reaches what it depends on (`deps`, by default
   * every write). The caller's rights come from their token, which nothing changes, and the rows they are
   * checked against (the space, the caller's membership of it) are in the read's scopes.
   */
  private read<T>(
    name: string,
    caller: Caller,
    args: unknown[],
    compute: () => Promise<T>,
    deps: (value: T) => Deps = () => 'any'
  ): Promise<T> {
    if (!this.cache) return compute()
    return this.cache.get(`${name}\0${caller.personId}\0${JSON.stringify(args)}`, deps, compute)
  }

  async authenticate (token: string): Promise<Caller | undefined> {
    const lookup = async (): Promise<Caller | undefined> => {
      const row = await this.ctx.get<PersonRow>(
        'SELECT p.* FROM tokens t JOIN people p ON p.id = t.person_id WHERE t.token_hash = ?',
        hashToken(token)
      )
      return row ? toCaller(row, token) : undefined
    }
    if (!this.cache) return lookup()
    if (!this.callers.has(token)) {
      if (this.callers.size >= 10_000) this.callers.clear()
      this.callers.set(token, await lookup())
    }
    return this.callers.get(token)
  }

  async getMe (caller: Caller) {
    return this.read(
      'getMe',
      caller,
      [],
      async () => toPerson(await this.ctx.person(caller.personId) as PersonRow),
      () => [`person:${caller.personId}`]
    )
  }

  async getPerson (caller: Caller, personId: string) {
    return this.read('getPerson', caller, [personId], () => getPerson(this.ctx, personId), p => personScopes([p]))
  }

  async listPeople (...a: Args<'listPeople'>) {
    // Which people a lookup finds is the `people` scope; what it shows of each, their own.
    return this.read('listPeople', a[0], [a[1]], () => listPeople(this.ctx, ...a), list => personScopes(list.items))
  }

  async listRooms (...a: Args<'listRooms'>) {
    // Sorted by creation or id, a page is fixed by which spaces the caller is in (`member:`) and shows only its
    // own spaces' rows; sorted by last activity, or filtered by team, any space of the caller's may enter it.
    const [caller, q] = a
    const narrow = q.teamId === undefined && q.sortBy !== 'lastactivity'
    return this.read('listRooms', caller, [q], () => listRooms(this.ctx, ...a), page =>
      narrow
        ? [`member:${caller.personId}`, ...page.items.map(r => `room:${decodeId('ROOM', r.id)}`)]
        : 'any'
    )
  }

  async createRoom (...a: Args<'createRoom'>) {
    return createRoom(this.ctx, ...a)
  }

  async getRoom (...a: Args<'getRoom'>) {
    return this.read('getRoom', a[0], [a[1]], () => getRoom(this.ctx, ...a), () => [`room:${decodeId('ROOM', a[1])}`])
  }

  async updateRoom (...a: Args<'updateRoom'>) {
    // An officer's update, or one with Webex's compliance fields, follows the compliance rules.
    return hasRoomSettings(a[2]) || isComplianceOfficer(a[0])
      ? updateRoomSettings(this.ctx, ...a)
      : updateRoom(this.ctx, ...a)
  }

  async deleteRoom (...a: Args<'deleteRoom'>) {
    await deleteRoom(this.ctx, ...a)
  }

  async listMemberships (...a: Args<'listMemberships'>) {
    return this.read('listMemberships', a[0], [a[1]], () => listMemberships(this.ctx, ...a))
  }

  async createMembership (...a: Args<'createMembership'>) {
    return await officerAddMember(this.ctx, ...a) ?? await createMembership(this.ctx, ...a)
  }

  async getMembership (...a: Args<'getMembership'>) {
    return this.read('getMembership', a[0], [a[1]], () => getMembership(this.ctx, ...a))
  }

  async updateMembership (...a: Args<'updateMembership'>) {
    return await officerUpdateMembership(this.ctx, ...a) ?? await updateMembership(this.ctx, ...a)
  }

  async deleteMembership (...a: Args<'deleteMembership'>) {
    if (!await officerDeleteMembership(this.ctx, ...a)) await deleteMembership(this.ctx, ...a)
  }

  async listMessages (...a: Args<'listMessages'>) {
    // The space, the caller's membership, its messages and mentions; the authors' emails drop everything.
    return this.read(
      'listMessages',
      a[0],
      [a[1]],
      () => listMessages(this.ctx, ...a),
      () => [`room:${decodeId('ROOM', a[1].roomId)}`]
    )
  }

  /**
   * A file comes either uploaded (multipart, already on disk) or as a URL, which is fetched and re-hosted here as
   * Webex does; both end up in the content store, named before the message's transaction and removed if it fails.
   */
  async createMessage (caller: Caller, body: Parameters<WebexBackend['createMessage']>[1], upload?: Upload) {
    let file = upload
    try {
      checkMessage(body, this.cardMaxBytes, file !== undefined)
      if (!file && body.files && body.files.length > 0) file = await this.remote.fetch(body.files[0])
    } catch (err) {
      if (file) await this.contents.discard(file.path)
      throw err
    }
    if (!file) return createMessage(this.ctx, caller, body, { cardMaxBytes: this.cardMaxBytes })
    const id = await this.contents.place(file)
    try {
      const { files: _urls, ...rest } = body
      return await createMessage(this.ctx, caller, rest, {
        cardMaxBytes: this.cardMaxBytes,
        file: { id, upload: file, contents: this.contents },
      })
    } catch (err) {
      await this.contents.discard(id)
      throw err
    }
  }

  async updateMessage (...a: Args<'updateMessage'>) {
    return updateMessage(this.ctx, ...a)
  }

  async createAttachmentAction (...a: Args<'createAttachmentAction'>) {
    return createAttachmentAction(this.ctx, ...a)
  }

  async getAttachmentAction (...a: Args<'getAttachmentAction'>) {
    return this.read('getAttachmentAction', a[0], [a[1]], () => getAttachmentAction(this.ctx, ...a))
  }

  /** Only members of the message's space read its file (compliance officers of its organisation too). */
  async getContent (caller: Caller, contentId: string): Promise<Content> {
    const local = decodeId('CONTENT', contentId)
    if (!local) throw new BadRequestError('contentId is not a valid content id.')
    const row = await this.contents.row(local)
    const room = row ? await this.ctx.room(row.room_id) : undefined
    if (!row || !room) throw new NotFoundError()
    const member = await this.ctx.membership(room.id, caller.personId)
    if (!member && !isComplianceOfficer(caller, room.org_id)) throw new NotFoundError()
    return {
      filename: row.filename,
      contentType: row.content_type,
      size: row.size,
      open: async () => this.contents.stream(local),
    }
  }

  async getMessage (...a: Args<'getMessage'>) {
    return this.read('getMessage', a[0], [a[1]], () => getMessage(this.ctx, ...a))
  }

  async deleteMessage (...a: Args<'deleteMessage'>) {
    if (!await officerDeleteMessage(this.ctx, ...a)) await deleteMessage(this.ctx, ...a)
  }

  async listEvents (...a: Args<'listEvents'>) {
    return listEvents(this.ctx, ...a)
  }

  async getEvent (...a: Args<'getEvent'>) {
    return getEvent(this.ctx, ...a)
  }

  async listTeams (...a: Args<'listTeams'>) {
    return this.read('listTeams', a[0], [a[1]], () => listTeams(this.ctx, ...a))
  }

  async createTeam (...a: Args<'createTeam'>) {
    return createTeam(this.ctx, ...a)
  }

  async getTeam (...a: Args<'getTeam'>) {
    return this.read('getTeam', a[0], [a[1]], () => getTeam(this.ctx, ...a))
  }

  async updateTeam (...a: Args<'updateTeam'>) {
    return updateTeam(this.ctx, ...a)
  }

  async deleteTeam (...a: Args<'deleteTeam'>) {
    await deleteTeam(this.ctx, ...a)
  }

  async listTeamMemberships (...a: Args<'listTeamMemberships'>) {
    return this.read('listTeamMemberships', a[0], [a[1]], () => listTeamMemberships(this.ctx, ...a))
  }

  async createTeamMembership (...a: Args<'createTeamMembership'>) {
    return createTeamMembership(this.ctx, ...a)
  }

  async getTeamMembership (...a: Args<'getTeamMembership'>) {
    return this.read('getTeamMembership', a[0], [a[1]], () => getTeamMembership(this.ctx, ...a))
  }

  async updateTeamMembership (...a: Args<'updateTeamMembership'>) {
    return updateTeamMembership(this.ctx, ...a)
  }

  async deleteTeamMembership (...a: Args<'deleteTeamMembership'>) {
    await deleteTeamMembership(this.ctx, ...a)
  }

  async close (): Promise<void> {
    await this.remote.close()
    await this.ctx.close()
  }
}
