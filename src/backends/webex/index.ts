import { decodeId } from '../../ids.js'
import { WebexError } from '../../errors.js'
import type { WebexBackend } from '../backend.js'
import type { Caller, Content, Page } from '../../domain/caller.js'
import type { Upload } from '../../files/content-store.js'
import type { AttachmentAction } from '../../schemas/attachment-action.js'
import { openAsBlob } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { FormData } from 'undici'
import type { Person, PeopleList } from '../../schemas/person.js'
import type { Room } from '../../schemas/room.js'
import type { Membership, TeamMembership } from '../../schemas/membership.js'
import type { Message } from '../../schemas/message.js'
import type { Team } from '../../schemas/team.js'
import type { Event } from '../../schemas/event.js'
import type { Classification } from '../../schemas/governance.js'
import { WebexHttp, type Answer, type WebexHttpOptions } from './http.js'

type Args<K extends keyof WebexBackend> = WebexBackend[K] extends (...a: infer A) => unknown ? A : never

/** Query string of a list call; `cursor` is ours and never goes upstream. */
function qs (query: Record<string, unknown>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && k !== 'cursor') params.set(k, String(v))
  const s = params.toString()
  return s ? `?${s}` : ''
}

const enc = (id: string): string => encodeURIComponent(id)

/**
 * The backend interface over the real Webex REST API. The service's API is Webex's, so each operation is
 * the same call upstream with the caller's token; lists carry upstream's `Link` inside our cursor, so a
 * client paging through us pages through Webex.
 */
export class WebexHttpBackend implements WebexBackend {
  private readonly http: WebexHttp
  private readonly callers = new Map<string, { caller: Caller; me: Person; at: number }>()
  private readonly clock: () => number
  private readonly authCacheMs: number

  constructor (opts: WebexHttpOptions & { authCacheMs?: number }) {
    this.http = new WebexHttp(opts)
    this.clock = opts.clock ?? Date.now
    this.authCacheMs = opts.authCacheMs ?? 60_000
  }

  /** Who a token is, from GET /people/me; cached briefly so authentication does not spend the rate budget. */
  async authenticate (token: string): Promise<Caller | undefined> {
    return (await this.identify(token))?.caller
  }

  /**
   * The caller and the person as Webex describes them, from the same cached GET /people/me: what a flow
   * connection or the relay needs (emails, names) costs no second call.
   */
  async identify (token: string): Promise<{ caller: Caller; me: Person } | undefined> {
    const hit = this.callers.get(token)
    if (hit && this.clock() - hit.at < this.authCacheMs) return hit
    let me: Person
    try {
      me = (await this.http.call(token, 'GET', '/v1/people/me')).body as Person
    } catch (err) {
      if (err instanceof WebexError && err.statusCode === 401) {
        this.callers.delete(token)
        return undefined
      }
      throw err
    }
    const caller: Caller = {
      token,
      personId: decodeId('PEOPLE', me.id) ?? me.id,
      orgId: decodeId('ORGANIZATION', me.orgId) ?? me.orgId,
      roles: me.roles ?? [],
    }
    this.callers.set(token, { caller, me, at: this.clock() })
    return { caller, me }
  }

  private async one<T>(caller: Caller, method: string, path: string, body?: unknown): Promise<T> {
    return (await this.http.call(caller.token, method, path, body)).body as T
  }

  private async list<T>(
    caller: Caller,
    path: string,
    query: { cursor?: string } & Record<string, unknown>
  ): Promise<Page<T> & Record<string, unknown>> {
    let answer: Answer
    if (query.cursor !== undefined) {
      const next = Buffer.from(query.cursor, 'base64url').toString('utf8')
      if (!/^https?:\/\//.test(next)) {
        throw new WebexError(400, 'The cursor is not valid: follow the Link header as given.')
      }
      answer = await this.http.call(caller.token, 'GET', next)
    } else {
      answer = await this.http.call(caller.token, 'GET', path + qs(query))
    }
    const body = answer.body as { items: T[] } & Record<string, unknown>
    return {
      ...body,
      items: body.items,
      ...(answer.link ? { cursor: Buffer.from(answer.link).toString('base64url') } : {}),
    }
  }

  getMe (caller: Caller): Promise<Person> {
    return this.one(caller, 'GET', '/v1/people/me')
  }

  getPerson (caller: Caller, id: string): Promise<Person> {
    return this.one(caller, 'GET', `/v1/people/${enc(id)}`)
  }

  async listPeople (...[caller, q]: Args<'listPeople'>): Promise<PeopleList & { cursor?: string }> {
    return this.list<Person>(caller, '/v1/people', q) as Promise<PeopleList & { cursor?: string }>
  }

  listRooms (...[caller, q]: Args<'listRooms'>): Promise<Page<Room>> {
    return this.list(caller, '/v1/rooms', q)
  }

  createRoom (...[caller, body]: Args<'createRoom'>): Promise<Room> {
    return this.one(caller, 'POST', '/v1/rooms', body)
  }

  getRoom (caller: Caller, id: string): Promise<Room> {
    return this.one(caller, 'GET', `/v1/rooms/${enc(id)}`)
  }

  updateRoom (...[caller, id, body]: Args<'updateRoom'>): Promise<Room> {
    return this.one(caller, 'PUT', `/v1/rooms/${enc(id)}`, body)
  }

  async deleteRoom (caller: Caller, id: string): Promise<void> {
    await this.one(caller, 'DELETE', `/v1/rooms/${enc(id)}`)
  }

  listMemberships (...[caller, q]: Args<'listMemberships'>): Promise<Page<Membership>> {
    return this.list(caller, '/v1/memberships', q)
  }

  createMembership (...[caller, body]: Args<'createMembership'>): Promise<Membership> {
    return this.one(caller, 'POST', '/v1/memberships', body)
  }

  getMembership (caller: Caller, id: string): Promise<Membership> {
    return this.one(caller, 'GET', `/v1/memberships/${enc(id)}`)
  }

  updateMembership (...[caller, id, body]: Args<'updateMembership'>): Promise<Membership> {
    return this.one(caller, 'PUT', `/v1/memberships/${enc(id)}`, body)
  }

  async deleteMembership (caller: Caller, id: string): Promise<void> {
    await this.one(caller, 'DELETE', `/v1/memberships/${enc(id)}`)
  }

  listMessages (...[caller, q]: Args<'listMessages'>): Promise<Page<Message>> {
    return this.list(caller, '/v1/messages', q)
  }

  /** A local file goes upstream as Webex takes it: multipart/form-data, streamed from the disk copy. */
  async createMessage (caller: Caller, body: Args<'createMessage'>[1], upload?: Upload): Promise<Message> {
    if (!upload) return this.one(caller, 'POST', '/v1/messages', body)
    try {
      const form = new FormData()
      for (const [k, v] of Object.entries(body)) {
        if (v !== undefined) form.append(k, typeof v === 'string' ? v : JSON.stringify(v))
      }
      form.append('files', await openAsBlob(upload.path, { type: upload.contentType }), upload.filename)
      return await this.one(caller, 'POST', '/v1/messages', form)
    } finally {
      await rm(upload.path, { force: true })
    }
  }

  updateMessage (...[caller, id, body]: Args<'updateMessage'>): Promise<Message> {
    return this.one(caller, 'PUT', `/v1/messages/${enc(id)}`, body)
  }

  createAttachmentAction (...[caller, body]: Args<'createAttachmentAction'>): Promise<AttachmentAction> {
    return this.one(caller, 'POST', '/v1/attachment/actions', body)
  }

  getAttachmentAction (caller: Caller, id: string): Promise<AttachmentAction> {
    return this.one(caller, 'GET', `/v1/attachment/actions/${enc(id)}`)
  }

  /** Metadata from a HEAD upstream; the bytes are streamed from a GET only when asked for. */
  async getContent (caller: Caller, id: string): Promise<Content> {
    const head = await this.http.raw(caller.token, 'HEAD', `/v1/contents/${enc(id)}`)
    await head.body.dump()
    const h = (k: string): string => String(head.headers[k] ?? '')
    return {
      filename: /filename="?([^";]+)"?/i.exec(h('content-disposition'))?.[1] ?? 'file',
      contentType: h('content-type') || 'application/octet-stream',
      size: Number(h('content-length')) || 0,
      open: async () =>
        (await this.http.raw(caller.token, 'GET', `/v1/contents/${enc(id)}`)).body as unknown as Readable,
    }
  }

  getMessage (caller: Caller, id: string): Promise<Message> {
    return this.one(caller, 'GET', `/v1/messages/${enc(id)}`)
  }

  async deleteMessage (caller: Caller, id: string): Promise<void> {
    await this.one(caller, 'DELETE', `/v1/messages/${enc(id)}`)
  }

  listTeams (...[caller, q]: Args<'listTeams'>): Promise<Page<Team>> {
    return this.list(caller, '/v1/teams', q)
  }

  createTeam (...[caller, body]: Args<'createTeam'>): Promise<Team> {
    return this.one(caller, 'POST', '/v1/teams', body)
  }

  getTeam (caller: Caller, id: string): Promise<Team> {
    return this.one(caller, 'GET', `/v1/teams/${enc(id)}`)
  }

  updateTeam (...[caller, id, body]: Args<'updateTeam'>): Promise<Team> {
    return this.one(caller, 'PUT', `/v1/teams/${enc(id)}`, body)
  }

  async deleteTeam (caller: Caller, id: string): Promise<void> {
    await this.one(caller, 'DELETE', `/v1/teams/${enc(id)}`)
  }

  listTeamMemberships (...[caller, q]: Args<'listTeamMemberships'>): Promise<Page<TeamMembership>> {
    return this.list(caller, '/v1/team/memberships', q)
  }

  createTeamMembership (...[caller, body]: Args<'createTeamMembership'>): Promise<TeamMembership> {
    return this.one(caller, 'POST', '/v1/team/memberships', body)
  }

  getTeamMembership (caller: Caller, id: string): Promise<TeamMembership> {
    return this.one(caller, 'GET', `/v1/team/memberships/${enc(id)}`)
  }

  updateTeamMembership (...[caller, id, body]: Args<'updateTeamMembership'>): Promise<TeamMembership> {
    return this.one(caller, 'PUT', `/v1/team/memberships/${enc(id)}`, body)
  }

  async deleteTeamMembership (caller: Caller, id: string): Promise<void> {
    await this.one(caller, 'DELETE', `/v1/team/memberships/${enc(id)}`)
  }

  listEvents (...[caller, q]: Args<'listEvents'>): Promise<Page<Event>> {
    return this.list(caller, '/v1/events', q)
  }

  getEvent (caller: Caller, id: string): Promise<Event> {
    return this.one(caller, 'GET', `/v1/events/${enc(id)}`)
  }

  /** The organisation's classification levels at Webex (the governance layer keeps their ids). */
  async listClassifications (caller: Caller): Promise<Classification[]> {
    return (await this.one<{ items: Classification[] }>(caller, 'GET', '/v1/classifications')).items
  }

  /** Registers a Webex webhook for the caller (used by the trigger relay). */
  createWebhook (caller: Caller, body: Record<string, unknown>): Promise<{ id: string }> {
    return this.one(caller, 'POST', '/v1/webhooks', body)
  }

  async close (): Promise<void> {
    await this.http.close()
  }
}
