import { BadRequestError, NotFoundError, WebexError } from '../../errors.js'
import { decodeId, encodeId } from '../../ids.js'
import type { Caller } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import type { RoomRow } from '../../domain/rows.js'
import type { WebexHttpBackend } from '../../backends/webex/index.js'
import type { Membership } from '../../schemas/membership.js'
import type { ExecuteResult, GovernedSpace } from '../../schemas/governance.js'
import type { SpaceActions } from '../actions.js'
import { orgRoom } from '../access.js'
import { audit } from '../audit.js'
import { assertNotHeld, heldSpaces } from '../holds.js'
import {
  decide,
  decidedSeqs,
  decisionAt,
  plan,
  planItems,
  planned,
  reason,
  type Decision,
  type Planned,
} from '../retention.js'
import { governed } from '../spaces.js'
import type { WebexInventory } from './inventory.js'
import { local } from './mirror.js'

/** Messages erased per journalled chunk: each chunk is one audit record, its ids noted before the calls. */
const CHUNK = 100
const DAY = 86_400_000

const gone = (err: unknown): boolean =>
  err instanceof WebexError && (err.statusCode === 404 || err.statusCode === 410)

interface JobRow {
  seq: number
  org_id: string
  kind: 'deleteSpace' | 'deleteMessages'
  room_id: string
  actor_id: string
  policy_id: string | null
  detail: string
  pending: string
  finished: string | null
}

/**
 * The governance actions through Webex, with the compliance officer's token (GOVERNANCE_TOKEN) and the calls
 * Webex gives compliance officers (developer.webex.com, Compliance guide): memberships created and deleted
 * in spaces the officer is not in, any message deleted, a space's classificationId, isAnnouncementOnly and
 * (1:1 spaces) isReadOnly changed. Every call spends the token's rate budget (throttled, 429-aware, in
 * backends/webex/http.ts). The inventory is updated with what Webex answered; the audit names who asked.
 *
 * Webex has no block and does not let an officer delete a space they are not in, so:
 * - block: a 1:1 space becomes read-only (Webex's own isReadOnly); a locked group space goes into
 *   announcement mode (only moderators post); in every group space the events follower deletes what is
 *   posted and removes who is added after the block. Unblocking restores what the block changed.
 * - delete with content: every message is deleted, then every member removed (a 1:1 space is made
 *   read-only instead, its two members cannot be removed); Webex keeps an empty space nobody is in, and the
 *   inventory forgets it.
 * Erasing is journalled per chunk (governance_jobs): the ids of a chunk are written before their calls, so
 * an interrupted deletion (Webex failing, the process killed) resumes exactly where it stopped, a message
 * is never counted twice and the audit adds up.
 */
export function webexActions (ctx: Ctx, backend: WebexHttpBackend, inventory: WebexInventory): SpaceActions {
  const mirror = inventory.mirror
  const officer = (): Promise<Caller> => inventory.officer()

  async function groupRoom (caller: Caller, roomId: string): Promise<RoomRow> {
    const room = await orgRoom(ctx, caller, roomId)
    if (room.type === 'direct') throw new BadRequestError('Members of a 1:1 space cannot be changed.')
    return room
  }

  // --- journalled erasure -----------------------------------------------------------------------------------

  async function openJob (
    orgId: string,
    kind: JobRow['kind'],
    roomId: string,
    actorId: string,
    policyId?: string
  ): Promise<JobRow> {
    const open = await ctx.get<JobRow>('SELECT * FROM governance_jobs WHERE room_id = ? AND finished IS NULL', roomId)
    if (open) return open
    await ctx.tx(async () =>
      await ctx.run(
        'INSERT INTO governance_jobs (org_id, kind, room_id, actor_id, policy_id, detail, created) ' +
          'VALUES (?,?,?,?,?,?,?)',
        orgId,
        kind,
        roomId,
        actorId,
        policyId ?? null,
        JSON.stringify({ messages: 0 }),
        ctx.now()
      )
    )
    return await ctx.get<JobRow>(
      'SELECT * FROM governance_jobs WHERE room_id = ? AND finished IS NULL',
      roomId
    ) as JobRow
  }

  /**
   * Deletes one chunk of messages at Webex: ids journalled first, then the calls, then (one transaction)
   * the index rows, the audit record and the journal cleared. 404/410 mean already gone.
   */
  async function eraseChunk (
    job: JobRow,
    ids: string[],
    record: { action: string; detail: Record<string, unknown> }
  ): Promise<number> {
    const who = await officer()
    await ctx.tx(async () => await ctx.run(
      'UPDATE governance_jobs SET pending = ? WHERE seq = ?',
      JSON.stringify(ids),
      job.seq
    ))
    const alreadyGone: string[] = []
    for (const id of ids) {
      try {
        await backend.deleteMessage(who, encodeId('MESSAGE', id))
      } catch (err) {
        if (!gone(err)) throw err
        alreadyGone.push(encodeId('MESSAGE', id))
      }
    }
    await ctx.tx(async () => {
      await mirror.dropMessages(ids)
      await audit(ctx, {
        orgId: job.org_id,
        actorId: job.actor_id,
        ...(job.policy_id ? { policyId: job.policy_id } : {}),
        roomId: job.room_id,
        action: record.action,
        detail: {
          ...record.detail,
          messages: ids.length,
          messageIds: ids.map(id => encodeId('MESSAGE', id)),
          ...(alreadyGone.length > 0 ? { alreadyGone } : {}),
        },
      })
      const detail = JSON.parse(job.detail) as { messages: number }
      detail.messages += ids.length
      job.detail = JSON.stringify(detail)
      await ctx.run("UPDATE governance_jobs SET pending = '[]', detail = ? WHERE seq = ?", job.detail, job.seq)
    })
    return ids.length
  }

  /** A chunk journalled by a run that did not finish it: its calls are made again. */
  async function resumePending (job: JobRow, action: string, detail: Record<string, unknown>): Promise<number> {
    const pending = JSON.parse(job.pending) as string[]
    return pending.length > 0 ? await eraseChunk(job, pending, { action, detail: { ...detail, resumed: true } }) : 0
  }

  async function finishJob (job: JobRow): Promise<void> {
    await ctx.run('UPDATE governance_jobs SET finished = ? WHERE seq = ?', ctx.now(), job.seq)
  }

  /** Every message, then every member: what "delete with all content" can be at Webex. */
  async function eraseSpace (
    room: RoomRow,
    job: JobRow,
    action: string,
    detail: Record<string, unknown>
  ): Promise<number> {
    const who = await officer()
    let erased = await resumePending(job, 'space.messagesErased', detail)
    for (;;) {
      let page: string[]
      try {
        page = (await backend.listMessages(who, { roomId: encodeId('ROOM', room.id), max: 1000 })).items.map(m =>
          local('MESSAGE', m.id)
        )
      } catch (err) {
        if (!gone(err)) throw err
        page = []
      }
      if (page.length === 0) break
      for (let i = 0; i < page.length; i += CHUNK) {
        erased += await eraseChunk(job, page.slice(i, i + CHUNK), { action: 'space.messagesErased', detail })
      }
    }
    let members: Membership[] = []
    try {
      members = (await backend.listMemberships(who, { roomId: encodeId('ROOM', room.id), max: 1000 })).items
    } catch (err) {
      if (!gone(err)) throw err
    }
    if (room.type === 'direct') {
      await backend.updateRoom(who, encodeId('ROOM', room.id), { isReadOnly: true }).catch((err: unknown) => {
        if (!gone(err)) throw err
      })
    } else {
      for (const m of members) {
        await backend.deleteMembership(who, m.id).catch((err: unknown) => {
          if (!gone(err)) throw err
        })
      }
    }
    const total = (JSON.parse(job.detail) as { messages: number }).messages
    await ctx.tx(async () => {
      await mirror.dropRoom(room.id)
      await audit(ctx, {
        orgId: job.org_id,
        actorId: job.actor_id,
        ...(job.policy_id ? { policyId: job.policy_id } : {}),
        roomId: room.id,
        action,
        detail: {
          ...detail,
          title: room.title,
          messages: total,
          membersRemoved: room.type === 'direct' ? 0 : members.length,
        },
      })
      await finishJob(job)
    })
    return erased
  }

  /** Erases a space's messages older than `before`, from its message index, in journalled chunks. */
  async function eraseOlder (
    room: RoomRow,
    job: JobRow,
    before: string,
    detail: Record<string, unknown>
  ): Promise<number> {
    let erased = await resumePending(job, 'retention.messagesDeleted', detail)
    for (;;) {
      const ids = (
        await ctx.values<[string]>(
          'SELECT id FROM messages WHERE room_id = ? AND created < ? ORDER BY created LIMIT ?',
          room.id,
          before,
          CHUNK
        )
      ).map(r => r[0])
      if (ids.length === 0) break
      erased += await eraseChunk(job, ids, { action: 'retention.messagesDeleted', detail: { ...detail, before } })
    }
    await ctx.tx(async () => finishJob(job))
    return erased
  }

  async function ensureIndexed (orgId: string, roomId?: string): Promise<void> {
    const rooms = (await decide(ctx, orgId, ctx.clock(), roomId)).map(d => d.room.id)
    await inventory.index(rooms)
  }

  return {
    classifications: async caller => {
      const levels = await backend.listClassifications(caller)
      return levels
    },

    addUser: async (caller, roomId, body) => {
      const room = await groupRoom(caller, roomId)
      const m = await backend.createMembership(await officer(), {
        roomId: encodeId('ROOM', room.id),
        ...(body.personId !== undefined ? { personId: body.personId } : {}),
        ...(body.personEmail !== undefined ? { personEmail: body.personEmail } : {}),
        isModerator: body.isModerator === true,
      })
      await ctx.tx(async () => {
        await mirror.membership(m)
        await audit(ctx, {
          orgId: caller.orgId,
          actorId: caller.personId,
          roomId: room.id,
          action: 'space.userAdded',
          detail: { personId: m.personId, email: m.personEmail },
        })
      })
      return m
    },

    removeUser: async (caller, roomId, personId) => {
      const room = await groupRoom(caller, roomId)
      const person = decodeId('PEOPLE', personId)
      if (!person) throw new BadRequestError('personId is not a valid person id.')
      const who = await officer()
      const found = (await backend.listMemberships(who, { roomId: encodeId('ROOM', room.id), personId, max: 1 }))
        .items[0]
      if (!found) throw new NotFoundError('That person is not a member of this space.')
      await backend.deleteMembership(who, found.id)
      await ctx.tx(async () => {
        await mirror.dropMembership(room.id, person)
        await audit(ctx, {
          orgId: caller.orgId,
          actorId: caller.personId,
          roomId: room.id,
          action: 'space.userRemoved',
          detail: { personId, email: found.personEmail },
        })
      })
    },

    setBlocked: async (caller, roomId, blocked): Promise<GovernedSpace> => {
      const room = await orgRoom(ctx, caller, roomId)
      const who = await officer()
      const id = encodeId('ROOM', room.id)
      const was = await ctx.get<{ read_only_before: number; announcement_before: number }>(
        'SELECT * FROM webex_blocks WHERE room_id = ?',
        room.id
      )
      if (blocked === (was !== undefined)) return governed(ctx, caller, room)
      let enforcement: string
      if (blocked) {
        const at = await backend.getRoom(who, id)
        if (room.type === 'direct') {
          await backend.updateRoom(who, id, { isReadOnly: true })
          enforcement = 'isReadOnly'
        } else if (at.isLocked) {
          if (!at.isAnnouncementOnly) await backend.updateRoom(who, id, { isAnnouncementOnly: true })
          enforcement = 'isAnnouncementOnly, and what moderators post is deleted'
        } else {
          enforcement = 'what is posted is deleted and who is added is removed, at the next events poll'
        }
        await ctx.tx(async () => {
          await ctx.run(
            'INSERT INTO webex_blocks (room_id, read_only_before, announcement_before, since) VALUES (?,?,?,?)',
            room.id,
            at.isReadOnly ? 1 : 0,
            at.isAnnouncementOnly ? 1 : 0,
            ctx.now()
          )
          await ctx.run('UPDATE rooms SET is_blocked = 1 WHERE id = ?', room.id)
          await audit(ctx, {
            orgId: caller.orgId,
            actorId: caller.personId,
            roomId: room.id,
            action: 'space.blocked',
            detail: { enforcement },
          })
        })
      } else {
        if (room.type === 'direct' && was!.read_only_before === 0) {
          await backend.updateRoom(who, id, { isReadOnly: false })
        }
        if (room.type === 'group' && room.is_locked === 1 && was!.announcement_before === 0) {
          await backend.updateRoom(who, id, { isAnnouncementOnly: false })
        }
        await ctx.tx(async () => {
          await ctx.run('DELETE FROM webex_blocks WHERE room_id = ?', room.id)
          await ctx.run('UPDATE rooms SET is_blocked = 0 WHERE id = ?', room.id)
          await audit(ctx, {
            orgId: caller.orgId,
            actorId: caller.personId,
            roomId: room.id,
            action: 'space.unblocked',
            detail: {},
          })
        })
      }
      return governed(ctx, caller, room)
    },

    deleteSpace: async (caller, roomId) => {
      const room = await orgRoom(ctx, caller, roomId)
      await assertNotHeld(ctx, caller.orgId, room, 'deleting it')
      const job = await openJob(caller.orgId, 'deleteSpace', room.id, caller.personId)
      await eraseSpace(room, job, 'space.deleted', {})
    },

    classify: async (caller, roomId, classificationId) => {
      const room = await orgRoom(ctx, caller, roomId)
      const at = await backend.updateRoom(await officer(), encodeId('ROOM', room.id), { classificationId })
      await ctx.tx(async () => {
        await ctx.run(
          'UPDATE rooms SET classification_id = ? WHERE id = ?',
          at.classificationId ? local('CLASSIFICATION', at.classificationId) : null,
          room.id
        )
        await audit(ctx, {
          orgId: caller.orgId,
          actorId: caller.personId,
          roomId: room.id,
          action: 'space.classified',
          detail: { classificationId },
        })
      })
      return governed(ctx, caller, room)
    },

    prepare: async (orgId, decided) => {
      if (!decided) return ensureIndexed(orgId)
      const rooms = [...decidedSeqs(decided)].map(seq => (decisionAt(ctx, decided, seq) as Decision).room.id)
      await inventory.index(rooms)
    },

    plan: async (caller, roomId) => {
      await ensureIndexed(caller.orgId, roomId !== undefined ? (await orgRoom(ctx, caller, roomId)).id : undefined)
      return plan(ctx, caller, roomId)
    },

    planItems: async (caller, roomId) => {
      await ensureIndexed(caller.orgId, roomId !== undefined ? (await orgRoom(ctx, caller, roomId)).id : undefined)
      return planItems(ctx, caller, roomId)
    },

    execute: async (orgId, actorId, roomId): Promise<ExecuteResult> => {
      const only = roomId !== undefined ? (await orgRoom(ctx, { orgId }, roomId)).id : undefined
      // Deletions a previous run left unfinished come first, as they were decided.
      const open = await ctx.all<JobRow>(
        `SELECT * FROM governance_jobs WHERE org_id = ? AND finished IS NULL${only ? ' AND room_id = ?' : ''}`,
        ...(only ? [orgId, only] : [orgId])
      )
      let messages = 0
      let spacesDeleted = 0
      for (const job of open) {
        const room = await ctx.room(job.room_id)
        if (!room) {
          await ctx.tx(async () => finishJob(job))
          continue
        }
        if (job.kind === 'deleteSpace') {
          messages += await eraseSpace(room, job, job.policy_id ? 'retention.spaceDeleted' : 'space.deleted', {})
          spacesDeleted++
        } else {
          messages += await resumePending(job, 'retention.messagesDeleted', {})
          await ctx.tx(async () => finishJob(job))
        }
      }
      await ensureIndexed(orgId, only)
      const items: Planned[] = (await planned(ctx, orgId, ctx.clock(), only)).filter(p => !p.hold)
      for (const p of items) {
        const room = await ctx.room(p.room.id)
        // A hold placed while this run went on is respected.
        if (!room || (await heldSpaces(ctx, orgId, room.id)).has(room.seq)) continue
        const job = await openJob(
          orgId,
          p.action === 'deleteSpace' ? 'deleteSpace' : 'deleteMessages',
          room.id,
          actorId ?? p.actorId,
          p.policy?.id
        )
        if (p.action === 'deleteSpace') {
          messages += await eraseSpace(room, job, 'retention.spaceDeleted', { reason: reason(p) })
          spacesDeleted++
        } else {
          messages += await eraseOlder(room, job, p.before ?? new Date(ctx.clock() - p.days * DAY).toISOString(), {
            reason: reason(p),
          })
        }
      }
      return { spaces: items.length, messages, spacesDeleted }
    },

    notify: async (_officerId, personEmail, markdown) => {
      await backend.createMessage(await officer(), { toPersonEmail: personEmail, markdown })
    },
  }
}
