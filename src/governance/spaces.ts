import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import { decodeId, encodeId, stableUuid } from '../ids.js'
import type { Caller } from '../backends/backend.js'
import type { Ctx } from '../backends/embedded/context.js'
import { resolvePerson } from '../backends/embedded/people.js'
import { addMember, emitMembership, emitRoom, spaceView } from '../backends/embedded/spaces.js'
import { assertNotBlocked } from '../auth/rules.js'
import { eraseRoom } from '../backends/embedded/rooms.js'
import { classificationOf } from '../backends/embedded/compliance.js'
import { toMembership, type RoomRow } from '../backends/embedded/rows.js'
import type { Membership } from '../schemas/membership.js'
import type { GovernedSpace } from '../schemas/governance.js'
import { orgRoom } from './access.js'
import { audit } from './audit.js'
import { assertNotHeld } from './holds.js'
import { toGoverned, type GovernedRow } from './search.js'

const LEVELS = [
  ['Public', 'Content anyone may see.'],
  ['Internal', 'For people of the organisation.'],
  ['Confidential', 'For the people who need it.'],
  ['Highly Confidential', 'Named people only; leaks cause serious harm.'],
  ['Restricted', 'The most sensitive content; handled under the strictest rules.'],
]

/** The organisation's five classification levels (rank 0 to 4), created on first use as Webex has them. */
export function classifications (ctx: Ctx, orgId: string) {
  let rows = ctx.all<{
    id: string
    rank: number
    title: string
    description: string
    enabled: number
    last_modified: string
  }>('SELECT * FROM classifications WHERE org_id = ? ORDER BY rank', orgId)
  if (rows.length === 0) {
    ctx.tx(() => {
      LEVELS.forEach(([title, description], rank) =>
        ctx.run(
          'INSERT OR IGNORE INTO classifications (id, org_id, rank, title, description, enabled, last_modified) ' +
            'VALUES (?,?,?,?,?,1,?)',
          stableUuid(`classification:${orgId}:${rank}`),
          orgId,
          rank,
          title,
          description,
          ctx.now()
        )
      )
    })
    rows = ctx.all('SELECT * FROM classifications WHERE org_id = ? ORDER BY rank', orgId)
  }
  return rows.map(r => ({
    id: encodeId('CLASSIFICATION', r.id),
    rank: r.rank,
    title: r.title,
    description: r.description,
    enabled: r.enabled === 1,
    lastModified: r.last_modified,
    orgId: encodeId('ORGANIZATION', orgId),
  }))
}

export function governed (ctx: Ctx, caller: Caller, room: RoomRow): GovernedSpace {
  return toGoverned(ctx, ctx.room(room.id) as GovernedRow, caller.personId)
}

export function setClassification (ctx: Ctx, caller: Caller, roomId: string, classificationId: string): GovernedSpace {
  classifications(ctx, caller.orgId)
  return ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    const local = classificationOf(ctx, caller.orgId, classificationId)
    ctx.run('UPDATE rooms SET classification_id = ? WHERE id = ?', local, room.id)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'space.classified',
      detail: { classificationId },
    })
    emitRoom(ctx, 'updated', ctx.room(room.id) as RoomRow, caller.personId)
    return governed(ctx, caller, room)
  })
}

/**
 * Adds someone to any space of the organisation without being a member of it. Not to a blocked space: a block
 * stops new members for everyone, officers included; an officer who must add someone unblocks, adds and blocks
 * again, each step in the audit.
 */
export function addUser (
  ctx: Ctx,
  caller: Caller,
  roomId: string,
  body: { personId?: string; personEmail?: string; isModerator?: boolean }
): Membership {
  return ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    if (room.type === 'direct') throw new BadRequestError('Members of a 1:1 space cannot be changed.')
    assertNotBlocked(spaceView(room))
    const person = resolvePerson(ctx, body)
    if (ctx.membership(room.id, person.id)) throw new ConflictError('The person is already a member of this space.')
    const m = addMember(ctx, room, person, body.isModerator === true, caller.personId)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'space.userAdded',
      detail: { personId: encodeId('PEOPLE', person.id), email: person.email },
    })
    return toMembership(m, person, room.type)
  })
}

export function removeUser (ctx: Ctx, caller: Caller, roomId: string, personId: string): void {
  ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    if (room.type === 'direct') throw new BadRequestError('Members of a 1:1 space cannot be changed.')
    const local = decodeId('PEOPLE', personId)
    if (!local) throw new BadRequestError('personId is not a valid person id.')
    const m = ctx.membership(room.id, local)
    if (!m) throw new NotFoundError('That person is not a member of this space.')
    ctx.run('DELETE FROM memberships WHERE seq = ?', m.seq)
    const person = ctx.person(local)!
    emitMembership(ctx, 'deleted', room, m, person, caller.personId)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'space.userRemoved',
      detail: { personId, email: person.email },
    })
  })
}

/**
 * Blocking stops new messages and members (for moderators too) and leaves the content readable. It is
 * separate from Webex's lock: a locked space stays locked while blocked, and unblocking restores exactly
 * the lock state it had.
 */
export function setBlocked (ctx: Ctx, caller: Caller, roomId: string, blocked: boolean): GovernedSpace {
  return ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    ctx.run('UPDATE rooms SET is_blocked = ? WHERE id = ?', blocked ? 1 : 0, room.id)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: blocked ? 'space.blocked' : 'space.unblocked',
      detail: {},
    })
    return governed(ctx, caller, room)
  })
}

export function deleteSpace (ctx: Ctx, caller: Caller, roomId: string): void {
  ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    assertNotHeld(ctx, caller.orgId, room, 'deleting it')
    const messages = ctx.get<{ n: number }>('SELECT count(*) AS n FROM messages WHERE room_id = ?', room.id)?.n ?? 0
    eraseRoom(ctx, room, caller.personId)
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'space.deleted',
      detail: { title: room.title, messages },
    })
  })
}
