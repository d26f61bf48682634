import { BadRequestError, ForbiddenError, WebexError } from '../../errors.js'
import { decodeId } from '../../ids.js'
import { assertCanEditSpace, assertNotBlocked, isComplianceOfficer } from '../../auth/rules.js'
import type { CreateMembershipBody, Membership, UpdateMembershipBody } from '../../schemas/membership.js'
import type { Room, UpdateRoomBody } from '../../schemas/room.js'
import type { Caller } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { updateRoom } from './rooms.js'
import { toMembership, type MembershipRow, type MessageRow, type PersonRow, type RoomRow } from '../../domain/rows.js'
import { readableSpace, roomFor, spaceView } from '../../spaces/space.js'
import { addMember, emitMembership, newMember } from '../../spaces/memberships.js'
import { classificationOf, emitRoom } from '../../spaces/rooms.js'
import { removeMessage } from '../../spaces/messages.js'

/**
 * What a compliance officer may do in the spaces their organisation owns without being a member, as Webex's
 * compliance scopes allow (developer.webex.com, Compliance guide): delete any message
 * (spark-compliance:messages_write; deleting one again is 410 Gone), create, update and delete memberships
 * (spark-compliance:memberships_write; not in 1:1 spaces, not into an empty space), and change a space's
 * classificationId, isAnnouncementOnly and, for a 1:1 space, isReadOnly (spark-compliance:rooms_write).
 * A compliance officer still cannot delete a space they are not in, nor change its title or lock.
 * Each function returns undefined when the caller is not acting as an officer here, and the ordinary rules
 * (members and moderators) apply instead.
 */

/** The space, if the caller is a compliance officer of the organisation that owns it. */
async function officerSpace (ctx: Ctx, caller: Caller, roomLocalId: string | undefined): Promise<RoomRow | undefined> {
  const room = roomLocalId ? await ctx.room(roomLocalId) : undefined
  return room && isComplianceOfficer(caller, room.org_id) ? room : undefined
}

export async function officerDeleteMessage (ctx: Ctx, caller: Caller, messageId: string): Promise<true | undefined> {
  const local = decodeId('MESSAGE', messageId)
  // Not an officer of any organisation: the ordinary rules decide, without a savepoint and reads of its own.
  if (!local || !isComplianceOfficer(caller)) return undefined
  return await ctx.txGrouped(async () => {
    const row = await ctx.get<MessageRow>('SELECT * FROM messages WHERE id = ?', local)
    if (!row) {
      const gone = await ctx.get<{ org_id: string | null }>('SELECT org_id FROM message_tombstones WHERE id = ?', local)
      if (gone && gone.org_id && isComplianceOfficer(caller, gone.org_id)) {
        throw new WebexError(410, 'This message was already deleted.')
      }
      return undefined
    }
    const room = await officerSpace(ctx, caller, row.room_id)
    if (!room) return undefined
    await removeMessage(ctx, room, row, caller.personId)
    return true as const
  })
}

/** An officer adds someone to a group space of the organisation, member or not (never to an empty space). */
export async function officerAddMember (
  ctx: Ctx,
  caller: Caller,
  body: CreateMembershipBody
): Promise<Membership | undefined> {
  if (!isComplianceOfficer(caller)) return undefined
  return await ctx.txGrouped(async () => {
    const room = await officerSpace(ctx, caller, decodeId('ROOM', body.roomId))
    if (!room) return undefined
    if (room.type === 'direct') throw new ForbiddenError('Members of a 1:1 space cannot be changed.')
    if (room.member_count === 0) throw new ForbiddenError('Compliance officers cannot add people to an empty space.')
    assertNotBlocked(spaceView(room))
    const person = await newMember(ctx, room, body)
    const m = await addMember(ctx, room, person, body.isModerator === true, caller.personId)
    return toMembership(m, person, room.type)
  })
}

/** The membership, when an officer of its space's organisation asks. */
async function officerMembership (
  ctx: Ctx,
  caller: Caller,
  membershipId: string
): Promise<{ room: RoomRow; m: MembershipRow; person: PersonRow } | undefined> {
  const [personId, roomId] = (decodeId('MEMBERSHIP', membershipId) ?? '').split(':')
  const room = await officerSpace(ctx, caller, roomId)
  const m = room ? await ctx.membership(room.id, personId) : undefined
  if (!room || !m) return undefined
  return { room, m, person: await ctx.person(personId) as PersonRow }
}

export async function officerUpdateMembership (
  ctx: Ctx,
  caller: Caller,
  membershipId: string,
  body: UpdateMembershipBody
): Promise<Membership | undefined> {
  if (!isComplianceOfficer(caller)) return undefined
  return await ctx.txGrouped(async () => {
    const found = await officerMembership(ctx, caller, membershipId)
    if (!found || await ctx.membership(found.room.id, caller.personId)) return undefined
    const { room, m, person } = found
    if (body.isRoomHidden !== undefined && body.isRoomHidden !== (m.is_room_hidden === 1)) {
      throw new ForbiddenError('Only the member can hide a space from their own list.')
    }
    if (body.isModerator === undefined || body.isModerator === (m.is_moderator === 1)) {
      return toMembership(m, person, room.type)
    }
    await ctx.run('UPDATE memberships SET is_moderator = ? WHERE seq = ?', body.isModerator ? 1 : 0, m.seq)
    const after = await ctx.membership(room.id, person.id) as MembershipRow
    await emitMembership(ctx, 'updated', room, after, person, caller.personId)
    return toMembership(after, person, room.type)
  })
}

export async function officerDeleteMembership (
  ctx: Ctx,
  caller: Caller,
  membershipId: string
): Promise<true | undefined> {
  if (!isComplianceOfficer(caller)) return undefined
  return await ctx.txGrouped(async () => {
    const found = await officerMembership(ctx, caller, membershipId)
    if (!found) return undefined
    const { room, m, person } = found
    if (room.type === 'direct') throw new ForbiddenError('Members of a 1:1 space cannot be changed.')
    await ctx.run('DELETE FROM memberships WHERE seq = ?', m.seq)
    await emitMembership(ctx, 'deleted', room, m, person, caller.personId)
    return true as const
  })
}

const OFFICER_FIELDS = 'classificationId, isAnnouncementOnly and, for a 1:1 space, isReadOnly'

/**
 * A room update carrying Webex's compliance fields. Members change the title and lock as before (and may
 * classify and set announcement mode where they may edit the space); an officer who is not a member may
 * change only the compliance fields; isReadOnly is an officer's, for 1:1 spaces.
 */
export async function updateRoomSettings (
  ctx: Ctx,
  caller: Caller,
  roomId: string,
  body: UpdateRoomBody
): Promise<Room> {
  const { classificationId, isAnnouncementOnly, isReadOnly, ...rest } = body
  return await ctx.txGrouped(async () => {
    const { room, member } = await readableSpace(ctx, caller, roomId)
    const officer = isComplianceOfficer(caller, room.org_id)
    if (Object.values(rest).some(v => v !== undefined)) {
      if (!member) {
        throw new ForbiddenError(`A compliance officer who is not a member can change only ${OFFICER_FIELDS}.`)
      }
      await updateRoom(ctx, caller, roomId, rest)
    }
    let current = await ctx.room(room.id) as RoomRow
    if (!officer) {
      if (!member) {
        throw new ForbiddenError(`A compliance officer who is not a member can change only ${OFFICER_FIELDS}.`)
      }
      assertCanEditSpace(
        { isLocked: current.is_locked === 1, type: current.type, orgId: current.org_id },
        {
          isModerator: member.is_moderator === 1,
        }
      )
    }
    const set: Record<string, unknown> = {}
    if (classificationId !== undefined) {
      const local = await classificationOf(ctx, current.org_id, classificationId)
      if (local !== current.classification_id) set.classification_id = local
    }
    if (isAnnouncementOnly !== undefined && isAnnouncementOnly !== (current.is_announcement_only === 1)) {
      if (isAnnouncementOnly && current.is_locked !== 1) {
        throw new BadRequestError('A space can only be put into announcement mode when it is locked.')
      }
      set.is_announcement_only = isAnnouncementOnly ? 1 : 0
    }
    if (isReadOnly !== undefined && isReadOnly !== (current.is_blocked === 1)) {
      if (!officer) throw new ForbiddenError('Only a compliance officer can make a space read-only.')
      if (current.type !== 'direct') throw new BadRequestError('isReadOnly applies to 1:1 spaces only.')
      set.is_blocked = isReadOnly ? 1 : 0
    }
    const columns = Object.keys(set)
    if (columns.length > 0) {
      await ctx.run(
        `UPDATE rooms SET ${columns.map(c => `${c} = ?`).join(', ')} WHERE id = ?`,
        ...Object.values(set),
        current.id
      )
      current = await ctx.room(current.id) as RoomRow
      await emitRoom(ctx, 'updated', current, caller.personId)
    }
    return roomFor(ctx, current, caller.personId)
  })
}

/** Whether an update carries the compliance fields this module decides. */
export const hasRoomSettings = (body: UpdateRoomBody): boolean =>
  body.classificationId !== undefined || body.isAnnouncementOnly !== undefined || body.isReadOnly !== undefined
