import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js'
import { decodeId, newOrderedUuid } from '../../ids.js'
import { assertCanEditSpace, assertMember } from '../../auth/rules.js'
import type { CreateRoomBody, ListRoomsQuery, Room, UpdateRoomBody } from '../../schemas/room.js'
import type { Caller, Page, Paged } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { decodeCursor, toPage } from '../../store/cursor.js'
import { toRoom, type MembershipRow, type PersonRow, type RoomRow } from '../../domain/rows.js'
import { memberView, readableSpace, roomFor, spaceView, titlesFor } from '../../spaces/space.js'
import { addMember, emitMembership } from '../../spaces/memberships.js'
import { emitRoom, eraseRoom, syncLock } from '../../spaces/rooms.js'

const ANNOUNCE_NEEDS_LOCK = 'A space can only be put into announcement mode when it is locked.'

/*
 * Each sort has a unique tiebreaker so a keyset cursor resumes exactly. By creation (the default) and by id a page
 * is read in order from an index of the caller's memberships (memberships.room_created is its space's creation
 * time, kept by triggers), so a page costs its own rows, not a sort of every space the caller is in; by last
 * activity, which every message changes, the caller's spaces are sorted.
 */
const SORTS = {
  id: { order: 'm.room_id ASC', after: 'm.room_id > ?', shape: ['string'] as const, key: (r: RoomRow) => [r.id] },
  created: {
    order: 'm.room_created DESC, m.room_id DESC',
    after: '(m.room_created, m.room_id) < (?, ?)',
    shape: ['string', 'string'] as const,
    key: (r: RoomRow) => [r.created, r.id],
  },
  lastactivity: {
    order: 'r.last_activity DESC, r.id DESC',
    after: '(r.last_activity, r.id) < (?, ?)',
    shape: ['string', 'string'] as const,
    key: (r: RoomRow) => [r.last_activity, r.id],
  },
}

export async function listRooms (ctx: Ctx, caller: Caller, q: Paged<ListRoomsQuery>): Promise<Page<Room>> {
  const sort = SORTS[(q.sortBy ?? 'created') as keyof typeof SORTS]
  const where = ['m.person_id = ?']
  const params: unknown[] = [caller.personId]
  if (q.type) {
    where.push('r.type = ?')
    params.push(q.type)
  }
  if (q.teamId !== undefined) {
    const team = decodeId('TEAM', q.teamId)
    if (!team) throw new BadRequestError('teamId is not a valid team id.')
    where.push('r.team_id = ?')
    params.push(team)
  }
  const after = decodeCursor(q.cursor, [...sort.shape])
  if (after) {
    where.push(sort.after)
    params.push(...after)
  }
  const rows = await ctx.all<RoomRow>(
    `SELECT r.* FROM memberships m JOIN rooms r ON r.id = m.room_id
    WHERE ${where.join(' AND ')} ORDER BY ${sort.order} LIMIT ?`,
    ...params,
    q.max + 1
  )
  const titles = await titlesFor(ctx, rows.slice(0, q.max), caller.personId)
  return toPage(rows, q.max, r => toRoom(r, titles.get(r.id) ?? ''), sort.key)
}

export async function createRoom (ctx: Ctx, caller: Caller, body: CreateRoomBody): Promise<Room> {
  // Every check (the team, announcement mode) comes before the first write: no savepoint (GroupedOptions).
  return await ctx.txGrouped(async () => {
    let teamId: string | null = null
    if (body.teamId !== undefined) {
      teamId = decodeId('TEAM', body.teamId) ?? null
      if (!teamId) throw new BadRequestError('teamId is not a valid team id.')
      if (!await ctx.team(teamId)) throw new NotFoundError('No team has this id.')
      if (!await ctx.teamMembership(teamId, caller.personId)) {
        throw new ForbiddenError('Only members of the team can create spaces in it.')
      }
    }
    if (body.isAnnouncementOnly === true && body.isLocked !== true) throw new BadRequestError(ANNOUNCE_NEEDS_LOCK)
    const now = ctx.now()
    const id = newOrderedUuid()
    const room = await ctx.get<RoomRow>(
      `INSERT INTO rooms (id, title, type, is_locked, team_id, creator_id, org_id, created, last_activity,
        is_announcement_only)
      VALUES (?,?,'group',?,?,?,?,?,?,?) RETURNING *`,
      id,
      body.title,
      body.isLocked ? 1 : 0,
      teamId,
      caller.personId,
      caller.orgId,
      now,
      now,
      body.isAnnouncementOnly ? 1 : 0
    ) as RoomRow
    await addMember(ctx, room, await ctx.person(caller.personId) as PersonRow, body.isLocked === true, caller.personId)
    // After the creator joined, so subscribers who see the space (its members) hear about it.
    await emitRoom(ctx, 'created', room, caller.personId)
    return roomFor(ctx, room, caller.personId)
  }, { unguarded: true })
}

export async function getRoom (ctx: Ctx, caller: Caller, roomId: string): Promise<Room> {
  const { room } = await readableSpace(ctx, caller, roomId)
  return roomFor(ctx, room, caller.personId)
}

export async function updateRoom (ctx: Ctx, caller: Caller, roomId: string, body: UpdateRoomBody): Promise<Room> {
  return await ctx.txGrouped(async () => {
    const { room, member } = await readableSpace(ctx, caller, roomId)
    assertMember(spaceView(room), memberView(member))
    const space = spaceView(room)
    if (body.title !== undefined && body.title !== room.title && room.type === 'direct') {
      throw new ForbiddenError('The title of a 1:1 space cannot be changed.')
    }
    if (body.isLocked !== undefined && room.type === 'direct') {
      throw new ForbiddenError('A 1:1 space cannot be locked.')
    }
    const isModerator = member?.is_moderator === 1
    assertCanEditSpace(space, { isModerator })
    // Locking an unmoderated space makes the caller its first moderator, as in the Webex client.
    let promote = false
    if (body.isLocked === true && !space.isLocked && !isModerator) {
      const moderators =
        await (await ctx.get<{ n: number }>(
          'SELECT count(*) AS n FROM memberships WHERE room_id = ? AND is_moderator = 1',
          room.id
        ))?.n ?? 0
      if (moderators > 0) throw new ForbiddenError('Only a moderator can lock this space.')
      promote = true
    }
    const title = body.title ?? room.title
    const locked = body.isLocked ?? space.isLocked
    // Unlocking ends announcement mode; announcement mode needs the lock.
    const announce = locked && (body.isAnnouncementOnly ?? space.isAnnouncementOnly === true)
    if (body.isAnnouncementOnly === true && !locked) throw new BadRequestError(ANNOUNCE_NEEDS_LOCK)
    if (title === room.title && locked === space.isLocked && announce === (space.isAnnouncementOnly === true)) {
      return roomFor(ctx, room, caller.personId)
    }
    await ctx.run(
      'UPDATE rooms SET title = ?, is_locked = ?, is_announcement_only = ? WHERE id = ?',
      title,
      locked ? 1 : 0,
      announce ? 1 : 0,
      room.id
    )
    if (promote && member) {
      await ctx.run('UPDATE memberships SET is_moderator = 1 WHERE seq = ?', member.seq)
      const updated = await ctx.membership(room.id, caller.personId)
      if (updated) {
        await emitMembership(
          ctx,
          'updated',
          room,
          updated,
          await ctx.person(caller.personId) as PersonRow,
          caller.personId
        )
      }
    }
    if (!locked && space.isLocked) {
      // Unmoderating a space: nobody moderates it any more (a space is locked exactly when it has moderators).
      for (const mod of await ctx.all<MembershipRow>(
        'SELECT * FROM memberships WHERE room_id = ? AND is_moderator = 1',
        room.id
      )) {
        await ctx.run('UPDATE memberships SET is_moderator = 0 WHERE seq = ?', mod.seq)
        const now = await ctx.membership(room.id, mod.person_id) as MembershipRow
        await emitMembership(ctx, 'updated', room, now, await ctx.person(mod.person_id) as PersonRow, caller.personId)
      }
    }
    const after = await ctx.room(room.id) as RoomRow
    await emitRoom(ctx, 'updated', after, caller.personId)
    return roomFor(ctx, after, caller.personId)
  })
}

/**
 * A moderator (or, in an unmoderated space, its creator) deletes the space for everyone. Anyone else is
 * removed from it instead, locked or not: Webex's "when a non moderator deletes the room they are removed from
 * the room instead".
 */
export async function deleteRoom (ctx: Ctx, caller: Caller, roomId: string): Promise<void> {
  await ctx.txGrouped(async () => {
    const { room, member } = await readableSpace(ctx, caller, roomId)
    assertMember(spaceView(room), memberView(member))
    const m = member as NonNullable<typeof member>
    const mayDelete =
      room.type === 'direct' || m.is_moderator === 1 || (room.is_locked === 0 && room.creator_id === caller.personId)
    if (!mayDelete) {
      await ctx.run('DELETE FROM memberships WHERE seq = ?', m.seq)
      await emitMembership(ctx, 'deleted', room, m, await ctx.person(caller.personId) as PersonRow, caller.personId)
      await syncLock(ctx, room.id, caller.personId)
      return
    }
    await eraseRoom(ctx, room, caller.personId)
  })
}
