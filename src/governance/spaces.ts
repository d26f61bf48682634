import { BadRequestError, NotFoundError } from '../errors.js'
import { decodeId, encodeId, stableUuid } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { spaceView } from '../spaces/space.js'
import { addMember, emitMembership, newMember } from '../spaces/memberships.js'
import { assertNotBlocked } from '../auth/rules.js'
import { classificationOf, emitRoom, eraseRoom } from '../spaces/rooms.js'
import { toMembership, type RoomRow } from '../domain/rows.js'
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
export async function classifications (ctx: Ctx, orgId: string) {
  let rows = await ctx.all<{
    id: string
    rank: number
    title: string
    description: string
    enabled: number
    last_modified: string
  }>('SELECT * FROM classifications WHERE org_id = ? ORDER BY rank', orgId)
  if (rows.length === 0) {
    await ctx.tx(async () => {
      for (const [rank, [title, description]] of LEVELS.entries()) {
        await ctx.run(
          'INSERT INTO classifications (id, org_id, rank, title, description, enabled, last_modified) ' +
            'VALUES (?,?,?,?,?,1,?) ON CONFLICT DO NOTHING',
          stableUuid(`classification:${orgId}:${rank}`),
          orgId,
          rank,
          title,
          description,
          ctx.now()
        )
      }
    })
    rows = await ctx.all('SELECT * FROM classifications WHERE org_id = ? ORDER BY rank', orgId)
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

export async function governed (ctx: Ctx, caller: Caller, room: RoomRow): Promise<GovernedSpace> {
  return toGoverned(ctx, await ctx.room(room.id) as GovernedRow, caller.personId)
}

export async function setClassification (
  ctx: Ctx,
  caller: Caller,
  roomId: string,
  classificationId: string
): Promise<GovernedSpace> {
  await classifications(ctx, caller.orgId)
  return await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    const local = await classificationOf(ctx, caller.orgId, classificationId)
    await ctx.run('UPDATE rooms SET classification_id = ? WHERE id = ?', local, room.id)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'space.classified',
      detail: { classificationId },
    })
    await emitRoom(ctx, 'updated', await ctx.room(room.id) as RoomRow, caller.personId)
    return governed(ctx, caller, room)
  })
}

/**
 * Adds someone to any space of the organisation without being a member of it. Not to a blocked space: a block
 * stops new members for everyone, officers included; an officer who must add someone unblocks, adds and blocks
 * again, each step in the audit.
 */
export async function addUser (
  ctx: Ctx,
  caller: Caller,
  roomId: string,
  body: { personId?: string; personEmail?: string; isModerator?: boolean }
): Promise<Membership> {
  return await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    if (room.type === 'direct') throw new BadRequestError('Members of a 1:1 space cannot be changed.')
    assertNotBlocked(spaceView(room))
    const person = await newMember(ctx, room, body)
    const m = await addMember(ctx, room, person, body.isModerator === true, caller.personId)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'space.userAdded',
      detail: { personId: encodeId('PEOPLE', person.id), email: person.email },
    })
    return toMembership(m, person, room.type)
  })
}

export async function removeUser (ctx: Ctx, caller: Caller, roomId: string, personId: string): Promise<void> {
  await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    if (room.type === 'direct') throw new BadRequestError('Members of a 1:1 space cannot be changed.')
    const local = decodeId('PEOPLE', personId)
    if (!local) throw new BadRequestError('personId is not a valid person id.')
    const m = await ctx.membership(room.id, local)
    if (!m) throw new NotFoundError('That person is not a member of this space.')
    await ctx.run('DELETE FROM memberships WHERE seq = ?', m.seq)
    const person = (await ctx.person(local))!
    await emitMembership(ctx, 'deleted', room, m, person, caller.personId)
    await audit(ctx, {
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
export async function setBlocked (ctx: Ctx, caller: Caller, roomId: string, blocked: boolean): Promise<GovernedSpace> {
  return await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    await ctx.run('UPDATE rooms SET is_blocked = ? WHERE id = ?', blocked ? 1 : 0, room.id)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: blocked ? 'space.blocked' : 'space.unblocked',
      detail: {},
    })
    return governed(ctx, caller, room)
  })
}

export async function deleteSpace (ctx: Ctx, caller: Caller, roomId: string): Promise<void> {
  await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    await assertNotHeld(ctx, caller.orgId, room, 'deleting it')
    const messages = await (await ctx.get<{ n: number }>(
      'SELECT count(*) AS n FROM messages WHERE room_id = ?',
      room.id
    ))?.n ?? 0
    await eraseRoom(ctx, room, caller.personId)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'space.deleted',
      detail: { title: room.title, messages },
    })
  })
}
