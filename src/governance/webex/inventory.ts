import type { FastifyBaseLogger } from 'fastify'
import type { Caller, Page } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import type { WebexHttpBackend } from '../../backends/webex/index.js'
import type { Event } from '../../schemas/event.js'
import type { Membership } from '../../schemas/membership.js'
import type { Message } from '../../schemas/message.js'
import type { Person } from '../../schemas/person.js'
import type { Room } from '../../schemas/room.js'
import { isComplianceOfficer } from '../../auth/rules.js'
import { encodeId } from '../../ids.js'
import { WebexError } from '../../errors.js'
import { audit } from '../audit.js'
import { local, Mirror } from './mirror.js'

export interface InventoryReport {
  at: string
  people: number
  spaces: number
  memberships: number
  skipped: number
  calls: number
}

export interface FollowReport {
  events: number
  spacesAdded: number
  spacesRemoved: number
  /** Messages deleted and members removed in blocked spaces. */
  enforced: number
  calls: number
}

/** Replayed from a little before the watermark: events of the same millisecond are applied again, harmlessly. */
const OVERLAP_MS = 1000
/** Webex keeps 90 days of events (without the Pro Pack): a watermark older than this needs a full refresh. */
const EVENTS_KEPT_MS = 89 * 86_400_000
const WATERMARK = 'webex.events.watermark'

const gone = (err: unknown): boolean =>
  err instanceof WebexError && (err.statusCode === 404 || err.statusCode === 410)

/**
 * With the Webex backend, governance searches a local inventory of the organisation's spaces, because Webex
 * gives no call that lists an organisation's spaces (GET /rooms lists only the caller's own). With the
 * compliance officer's token:
 * - a full refresh pages through the organisation's people, each person's memberships (officers may list
 *   them without a roomId), and each space found: its details and its members (so external members and
 *   their domains are known); 1 + P + 2S calls, replacing the inventory in one transaction;
 * - between refreshes, the events follower reads Webex's Events API from its watermark (one call per 1000
 *   events) and applies memberships created/updated/deleted, messages created/deleted (activity, the message
 *   index) and spaces updated (title, lock, classification); a space first seen there costs two calls.
 *   In blocked spaces it also removes what was added since the block (see webex/actions.ts);
 * - a space's message index (ids, authors, times: what retention plans count and erases) is read once,
 *   when a plan first needs it, and kept by the follower afterwards.
 * Tags, holds, policies, overrides and the audit stay local and keyed by space.
 */
export class WebexInventory {
  private timer: NodeJS.Timeout | undefined
  private followTimer: NodeJS.Timeout | undefined
  private running: Promise<InventoryReport> | undefined
  private following: Promise<FollowReport> | undefined
  private last: InventoryReport | undefined
  private officerCaller: Caller | undefined
  readonly mirror: Mirror
  /** Spaces Webex answered 404 for (another organisation's): not asked again until the next refresh. */
  private foreign = new Set<string>()

  constructor (
    private readonly ctx: Ctx,
    private readonly backend: WebexHttpBackend,
    private readonly token: string,
    private readonly opts: { intervalMs: number; eventsIntervalMs: number; log: FastifyBaseLogger }
  ) {
    this.mirror = new Mirror(ctx)
  }

  /** The governance token's officer: every governance call to Webex is made as them. */
  async officer (): Promise<Caller> {
    if (this.officerCaller) return this.officerCaller
    const officer = await this.backend.authenticate(this.token)
    if (!officer || !isComplianceOfficer(officer)) {
      throw new WebexError(502, "The governance token (GOVERNANCE_TOKEN) is not a compliance officer's at Webex.")
    }
    this.officerCaller = officer
    return officer
  }

  /** Syncs now, then every interval, and follows events in between; failures are logged and the inventory stays. */
  start (): void {
    const tick = (): void => {
      void this.sync()
        .catch((err: unknown) =>
          this.opts.log.error({ err }, 'The governance inventory sync failed; the previous inventory stays.')
        )
        .finally(() => {
          this.timer = setTimeout(tick, this.opts.intervalMs)
          this.timer.unref()
        })
    }
    tick()
    this.followTimer = setInterval(() => {
      if (this.running) return
      void this.follow().catch((err: unknown) => this.opts.log.error({ err }, 'Following Webex events failed.'))
    }, this.opts.eventsIntervalMs)
    this.followTimer.unref()
  }

  stop (): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.followTimer) clearInterval(this.followTimer)
  }

  report (): InventoryReport | undefined {
    return this.last
  }

  /** One full refresh; concurrent callers share the one in progress. */
  sync (): Promise<InventoryReport> {
    this.running ??= this.refresh().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  /** Applies the events since the watermark; concurrent callers share the one in progress. */
  follow (): Promise<FollowReport> {
    this.following ??= this.followEvents().finally(() => {
      this.following = undefined
    })
    return this.following
  }

  private async all<T>(fetch: (cursor?: string) => Promise<Page<T>>, count: () => void): Promise<T[]> {
    const out: T[] = []
    let cursor: string | undefined
    do {
      count()
      const page = await fetch(cursor)
      out.push(...page.items)
      cursor = page.cursor
    } while (cursor)
    return out
  }

  private async refresh (): Promise<InventoryReport> {
    let calls = 0
    const count = (): void => {
      calls++
    }
    this.officerCaller = undefined
    const officer = await this.officer()
    calls++
    const started = this.ctx.now()
    const people = await this.all<Person>(
      cursor => this.backend.listPeople(officer, { max: 1000, ...(cursor ? { cursor } : {}) }),
      count
    )
    const roomIds = new Set<string>()
    for (const p of people) {
      const ms = await this.all<Membership>(
        cursor => this.backend.listMemberships(officer, { personId: p.id, max: 1000, ...(cursor ? { cursor } : {}) }),
        count
      )
      for (const m of ms) roomIds.add(m.roomId)
    }
    const spaces: Array<{ room: Room; members: Membership[] }> = []
    let skipped = 0
    for (const id of roomIds) {
      const found = await this.fetchSpace(officer, id, count)
      if (found) spaces.push(found)
      else skipped++
    }
    calls++
    const levels = await this.backend.listClassifications(officer).catch(() => undefined)
    const report = await this.apply(officer, people, spaces, levels, skipped, calls, started)
    this.last = report
    this.opts.log.info(report, 'governance inventory synced')
    return report
  }

  /** A space and its members, or undefined when it is not ours to govern (Webex answers 404 or 403). */
  private async fetchSpace (
    officer: Caller,
    id: string,
    count: () => void
  ): Promise<{ room: Room; members: Membership[] } | undefined> {
    try {
      count()
      const room = await this.backend.getRoom(officer, id)
      const members = await this.all<Membership>(
        cursor => this.backend.listMemberships(officer, { roomId: id, max: 1000, ...(cursor ? { cursor } : {}) }),
        count
      )
      return { room, members }
    } catch (err) {
      // A space of another organisation that one of ours is in: not ours to govern, and Webex says so.
      if (err instanceof WebexError && (err.statusCode === 404 || err.statusCode === 403)) return undefined
      throw err
    }
  }

  private async apply (
    officer: Caller,
    people: Person[],
    spaces: Array<{ room: Room; members: Membership[] }>,
    levels: Array<{ id: string; rank: number; title: string; description?: string; enabled?: boolean }> | undefined,
    skipped: number,
    calls: number,
    started: string
  ): Promise<InventoryReport> {
    const ctx = this.ctx
    const now = ctx.now()
    let memberships = 0
    await ctx.tx(async () => {
      await this.mirror.org(officer.orgId)
      for (const p of people) await this.mirror.personFrom(p)
      const seen = new Set<string>()
      for (const { room, members } of spaces) {
        const id = await this.mirror.room(room, officer.orgId)
        seen.add(id)
        await this.mirror.members(id, members)
        memberships += members.length
      }
      // Spaces Webex no longer shows (deleted, or everyone of ours left): out of the inventory, tags with them.
      for (const row of await ctx.all<{ id: string }>('SELECT id FROM rooms WHERE org_id = ?', officer.orgId)) {
        if (!seen.has(row.id)) await this.mirror.dropRoom(row.id)
      }
      // Webex's classification levels, by Webex's ids: what search and Set Space Classification use.
      if (levels) {
        for (const l of levels) {
          await ctx.run(
            `INSERT INTO classifications (id, org_id, rank, title, description, enabled, last_modified)
            VALUES (?,?,?,?,?,?,?)
            ON CONFLICT (id) DO UPDATE SET rank = excluded.rank, title = excluded.title,
              description = excluded.description, enabled = excluded.enabled`,
            local('CLASSIFICATION', l.id),
            officer.orgId,
            l.rank,
            l.title,
            l.description ?? '',
            l.enabled === false ? 0 : 1,
            now
          )
        }
      }
      // What happened while the refresh read Webex comes from the events, replayed from its start.
      await this.setWatermark(started)
    })
    this.foreign = new Set()
    return { at: now, people: people.length, spaces: spaces.length, memberships, skipped, calls }
  }

  private async watermark (): Promise<string | undefined> {
    return (await this.ctx.get<{ value: string }>('SELECT value FROM governance_state WHERE key = ?', WATERMARK))?.value
  }

  private async setWatermark (at: string): Promise<void> {
    await this.ctx.run(
      'INSERT INTO governance_state (key, value) VALUES (?,?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      WATERMARK,
      at
    )
  }

  private async followEvents (): Promise<FollowReport> {
    const report: FollowReport = { events: 0, spacesAdded: 0, spacesRemoved: 0, enforced: 0, calls: 0 }
    const count = (): void => {
      report.calls++
    }
    const mark = await this.watermark()
    // Nothing to follow from until a full refresh has set the watermark; past Webex's event retention, what
    // happened since cannot be read, so the inventory is read whole again.
    if (mark === undefined) return report
    if (Date.parse(mark) < this.ctx.clock() - EVENTS_KEPT_MS) {
      const refreshed = await this.sync()
      return { ...report, calls: refreshed.calls }
    }
    const officer = await this.officer()
    const from = new Date(Date.parse(mark) - OVERLAP_MS).toISOString()
    const events = await this.all<Event>(
      cursor => this.backend.listEvents(officer, { from, max: 1000, ...(cursor ? { cursor } : {}) }),
      count
    )
    // Webex lists newest first; they are applied in the order they happened (a stable sort keeps Webex's order
    // among events of the same millisecond).
    events.reverse().sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0))
    for (const e of events) {
      const roomId = this.roomOf(e)
      if (!roomId || this.foreign.has(roomId)) continue
      // A space first seen here is read whole (its members, as the refresh reads it).
      if (!await this.mirror.known(roomId)) {
        const found = await this.fetchSpace(officer, encodeId('ROOM', roomId), count)
        if (!found) {
          this.foreign.add(roomId)
          continue
        }
        await this.ctx.tx(async () => {
          await this.mirror.room(found.room, officer.orgId)
          await this.mirror.members(roomId, found.members)
        })
        report.spacesAdded++
      }
      report.enforced += await this.enforceBlock(officer, e, roomId)
      await this.ctx.tx(async () => this.applyEvent(e, roomId))
      if (e.resource === 'memberships' && e.type === 'deleted' && await this.memberCount(roomId) === 0) {
        // Everyone left, or the space was deleted at Webex: only Webex can say which.
        const still = await this.fetchSpace(officer, encodeId('ROOM', roomId), count)
        if (!still) {
          await this.ctx.tx(async () => this.mirror.dropRoom(roomId))
          report.spacesRemoved++
        }
      }
      report.events++
    }
    const newest = events.at(-1)?.created
    if (newest && newest > mark) await this.ctx.tx(async () => this.setWatermark(newest))
    return report
  }

  private roomOf (e: Event): string | undefined {
    const data = e.data as { roomId?: string; id?: string }
    const id = e.resource === 'rooms' ? data.id : data.roomId
    return id ? local('ROOM', id) : undefined
  }

  private async memberCount (roomId: string): Promise<number> {
    return await (await this.ctx.get<{ n: number }>('SELECT member_count AS n FROM rooms WHERE id = ?', roomId))?.n ?? 0
  }

  private async applyEvent (e: Event, roomId: string): Promise<void> {
    const m = this.mirror
    if (e.resource === 'memberships') {
      const data = e.data as unknown as Membership
      if (e.type === 'deleted') await m.dropMembership(roomId, local('PEOPLE', data.personId))
      else await m.membership(data)
      return
    }
    if (e.resource === 'messages') {
      const data = e.data as unknown as Message
      if (e.type === 'deleted') {
        await m.dropMessages([local('MESSAGE', data.id)])
        return
      }
      if (e.type === 'created') {
        await m.activity(roomId, data.created ?? e.created)
        if (await m.indexed(roomId)) {
          await m.message(roomId, { id: data.id, personId: data.personId, created: data.created ?? e.created })
        }
      }
      return
    }
    if (e.resource === 'rooms' && e.type === 'updated') {
      const room = e.data as unknown as Room
      const org = (await this.ctx.get<{ org_id: string }>('SELECT org_id FROM rooms WHERE id = ?', roomId))?.org_id
      if (org && room.type) await m.room(room, org)
    }
  }

  /**
   * A block at Webex is enforced after the fact where Webex itself cannot refuse (group spaces): a message
   * posted or a member added since the block is deleted or removed with the officer's token and audited.
   * What the officer did (governance's own add user) is left alone.
   */
  private async enforceBlock (officer: Caller, e: Event, roomId: string): Promise<number> {
    if (e.type !== 'created' || (e.resource !== 'messages' && e.resource !== 'memberships')) return 0
    const block = await this.ctx.get<{ since: string }>('SELECT since FROM webex_blocks WHERE room_id = ?', roomId)
    if (!block || e.created <= block.since || local('PEOPLE', e.actorId) === officer.personId) return 0
    const data = e.data as { id: string; personId?: string; personEmail?: string; roomType?: string }
    try {
      if (e.resource === 'messages') await this.backend.deleteMessage(officer, data.id)
      else if (data.roomType !== 'direct') await this.backend.deleteMembership(officer, data.id)
      else return 0
    } catch (err) {
      if (!gone(err)) throw err
      return 0
    }
    await this.ctx.tx(async () =>
      audit(this.ctx, {
        orgId: officer.orgId,
        actorId: officer.personId,
        roomId,
        action: 'space.blockEnforced',
        detail: {
          [e.resource === 'messages' ? 'messageDeleted' : 'memberRemoved']: data.id,
          personId: e.resource === 'messages' ? data.personId : data.personId,
          event: e.id,
        },
      })
    )
    return 1
  }

  /**
   * Reads the message index of the spaces that lack one (each page is 1000 messages at Webex, newest first),
   * then the follower keeps it. Already indexed spaces cost nothing.
   */
  async index (roomIds: string[]): Promise<number> {
    const officer = await this.officer()
    let calls = 0
    for (const roomId of roomIds) {
      if (await this.mirror.indexed(roomId) || !await this.mirror.known(roomId)) continue
      const since = this.ctx.now()
      const messages = await this.all<Message>(
        cursor =>
          this.backend.listMessages(officer, {
            roomId: encodeId('ROOM', roomId),
            max: 1000,
            ...(cursor ? { cursor } : {}),
          }),
        () => calls++
      ).catch((err: unknown) => {
        if (gone(err)) return undefined
        throw err
      })
      await this.ctx.tx(async () => {
        if (!messages) {
          await this.mirror.dropRoom(roomId)
          return
        }
        for (const msg of messages) {
          await this.mirror.message(roomId, { id: msg.id, personId: msg.personId, created: msg.created })
        }
        await this.ctx.run(
          'INSERT INTO message_index (room_id, indexed) VALUES (?,?) ' +
            'ON CONFLICT (room_id) DO UPDATE SET indexed = excluded.indexed',
          roomId,
          since
        )
      })
    }
    return calls
  }
}
