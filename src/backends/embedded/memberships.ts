import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js'
import { decodeId } from '../../ids.js'
import { assertCanManageMembers, assertMember, isComplianceOfficer } from '../../auth/rules.js'
import type {
  CreateMembershipBody,
  ListMembershipsQuery,
  Membership,
  UpdateMembershipBody,
} from '../../schemas/membership.js'
import type { Caller, Page, Paged } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { decodeCursor, toPage } from '../../store/cursor.js'
import { toMembership, type MembershipRow, type PersonRow, type RoomRow } from '../../domain/rows.js'
import { memberView, readableSpace, spaceView } from '../../spaces/space.js'
import { addMember, emitMembership, newMember } from '../../spaces/memberships.js'
import { syncLock } from '../../spaces/rooms.js'

type Joined = MembershipRow & { p_seq: number; room_type: 'direct' | 'group' } & Omit<
    PersonRow,
    'seq' | 'id' | 'created'
  > & { p_created: string }

const SELECT = `SELECT m.*, r.type AS room_type, p.seq AS p_seq, p.org_id, p.email, p.display_name, p.first_name,
  p.last_name,
  p.nick_name, p.avatar, p.phone_numbers, p.roles, p.status, p.type, p.created AS p_created, p.last_activity
  FROM memberships m JOIN people p ON p.id = m.person_id JOIN rooms r ON r.id = m.room_id`

function fromJoined (j: Joined): Membership {
  const person: PersonRow = { ...j, seq: j.p_seq, id: j.person_id, created: j.p_created }
  return toMembership(j, person, j.room_type)
}

export async function listMemberships (
  ctx: Ctx,
  caller: Caller,
  q: Paged<ListMembershipsQuery>
): Promise<Page<Membership>> {
  const where: string[] = []
  const params: unknown[] = []
  if (q.roomId !== undefined) {
    const { room } = await readableSpace(ctx, caller, q.roomId)
    where.push('m.room_id = ?')
    params.push(room.id)
  }
  const filtersPerson = q.personId !== undefined || q.personEmail !== undefined
  if (filtersPerson) {
    const person =
      q.personId !== undefined ? decodeId('PEOPLE', q.personId) : (await ctx.personByEmail(q.personEmail as string))?.id
    if (q.roomId === undefined) {
      // Only compliance officers may list another person's memberships across spaces.
      if (!isComplianceOfficer(caller) && person !== caller.personId) {
        throw new BadRequestError('roomId is required when filtering by person.')
      }
      where.push('r.org_id = ?')
      params.push(caller.orgId)
    }
    where.push('m.person_id = ?')
    params.push(person ?? '')
  } else if (q.roomId === undefined) {
    where.push('m.person_id = ?')
    params.push(caller.personId)
  }
  const after = decodeCursor(q.cursor, ['number'])
  if (after) {
    where.push('m.seq > ?')
    params.push(after[0])
  }
  const rows = await ctx.all<Joined>(
    `${SELECT} WHERE ${where.join(' AND ')} ORDER BY m.seq LIMIT ?`,
    ...params,
    q.max + 1
  )
  return toPage(rows, q.max, fromJoined, r => [r.seq])
}

export async function createMembership (ctx: Ctx, caller: Caller, body: CreateMembershipBody): Promise<Membership> {
  // By personId every check (rights, the person, 409 for a member already) comes before the first write: no
  // savepoint (GroupedOptions.unguarded). An unknown personEmail creates its external person before the
  // moderator check, which may still refuse: that keeps its savepoint.
  const unguarded = body.personId !== undefined
  return await ctx.txGrouped(async () => {
    const { room, member } = await readableSpace(ctx, caller, body.roomId)
    assertMember(spaceView(room), memberView(member))
    assertCanManageMembers(spaceView(room), memberView(member) ?? { isModerator: false })
    const person = await newMember(ctx, room, body)
    if (body.isModerator === true && room.is_locked === 1 && member?.is_moderator !== 1) {
      throw new ForbiddenError('Only moderators can add moderators.')
    }
    const m = await addMember(ctx, room, person, body.isModerator === true, caller.personId)
    // A space is locked exactly when it has moderators: only a new moderator can change that.
    if (m.is_moderator === 1) await syncLock(ctx, room.id, caller.personId)
    return toMembership(m, person, room.type)
  }, { unguarded })
}

/** A membership the caller can see, by id (a person:space pair). */
async function findMembership (
  ctx: Ctx,
  caller: Caller,
  membershipId: string
): Promise<{ room: RoomRow; m: MembershipRow; person: PersonRow; mine?: MembershipRow }> {
  const local = decodeId('MEMBERSHIP', membershipId)
  if (!local) throw new BadRequestError('membershipId is not a valid membership id.')
  const [personId, roomId] = local.split(':')
  const room = await ctx.room(roomId)
  const m = room ? await ctx.membership(roomId, personId) : undefined
  if (!room || !m) throw new NotFoundError()
  const mine = await ctx.membership(roomId, caller.personId)
  if (!mine && !isComplianceOfficer(caller, room.org_id)) throw new NotFoundError()
  return { room, m, person: await ctx.person(personId) as PersonRow, ...(mine ? { mine } : {}) }
}

export async function getMembership (ctx: Ctx, caller: Caller, membershipId: string): Promise<Membership> {
  const { room, m, person } = await findMembership(ctx, caller, membershipId)
  return toMembership(m, person, room.type)
}

export async function updateMembership (
  ctx: Ctx,
  caller: Caller,
  membershipId: string,
  body: UpdateMembershipBody
): Promise<Membership> {
  return await ctx.txGrouped(async () => {
    const { room, m, person, mine } = await findMembership(ctx, caller, membershipId)
    assertMember(spaceView(room), memberView(mine))
    const own = m.person_id === caller.personId
    // The whole membership may come back (memberships.update(membership)): an unchanged field is no change.
    if (body.isRoomHidden !== undefined && body.isRoomHidden !== (m.is_room_hidden === 1) && !own) {
      throw new ForbiddenError('Only the member can hide a space from their own list.')
    }
    if (body.isModerator !== undefined && body.isModerator !== (m.is_moderator === 1)) {
      assertCanManageMembers(spaceView(room), memberView(mine) ?? { isModerator: false })
    }
    const isModerator = body.isModerator ?? m.is_moderator === 1
    const hidden = body.isRoomHidden ?? m.is_room_hidden === 1
    if (isModerator === (m.is_moderator === 1) && hidden === (m.is_room_hidden === 1)) {
      return toMembership(m, person, room.type)
    }
    const after = await ctx.get<MembershipRow>(
      'UPDATE memberships SET is_moderator = ?, is_room_hidden = ? WHERE seq = ? RETURNING *',
      isModerator ? 1 : 0,
      hidden ? 1 : 0,
      m.seq
    ) as MembershipRow
    await emitMembership(ctx, 'updated', room, after, person, caller.personId)
    // Hiding a space changes no moderator, so not the lock (locked exactly when it has moderators).
    if (after.is_moderator !== m.is_moderator) await syncLock(ctx, room.id, caller.personId)
    return toMembership(after, person, room.type)
  })
}

/** Removing someone else needs the member-management rules; leaving needs only membership. */
export async function deleteMembership (ctx: Ctx, caller: Caller, membershipId: string): Promise<void> {
  await ctx.txGrouped(async () => {
    const { room, m, person, mine } = await findMembership(ctx, caller, membershipId)
    assertMember(spaceView(room), memberView(mine))
    if (room.type === 'direct') throw new ForbiddenError('Members of a 1:1 space cannot be changed.')
    if (m.person_id !== caller.personId) {
      assertCanManageMembers(spaceView(room), memberView(mine) ?? { isModerator: false })
    }
    await ctx.run('DELETE FROM memberships WHERE seq = ?', m.seq)
    await emitMembership(ctx, 'deleted', room, m, person, caller.personId)
    if (m.is_moderator === 1) await syncLock(ctx, room.id, caller.personId)
  })
}
