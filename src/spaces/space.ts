/*
 * Reading a space: its id, what the rules see of it and of the caller's membership, its title as a viewer sees it.
 * Shared by the embedded backend and governance, so both keep the same rules and record the same events.
 */
import { BadRequestError } from '../errors.js'
import { decodeId } from '../ids.js'
import { assertCanRead, type MemberView, type SpaceView } from '../auth/rules.js'
import type { Room } from '../schemas/room.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { toRoom, type MembershipRow, type RoomRow } from '../domain/rows.js'

/** Shared lookups for everything that happens inside a space. */
export function spaceView (r: RoomRow): SpaceView {
  return {
    isLocked: r.is_locked === 1,
    isBlocked: r.is_blocked === 1,
    isAnnouncementOnly: r.is_announcement_only === 1 && r.is_locked === 1,
    type: r.type,
    orgId: r.org_id,
  }
}
export function memberView (m: MembershipRow | undefined): MemberView | undefined {
  return m ? { isModerator: m.is_moderator === 1 } : undefined
}

export function roomLocal (roomId: string, field = 'roomId'): string {
  const local = decodeId('ROOM', roomId)
  if (!local) throw new BadRequestError(`${field} is not a valid space id.`)
  return local
}

/** The space and the caller's membership in it, if the caller may read it at all (else 404). */
export async function readableSpace (
  ctx: Ctx,
  caller: Caller,
  roomId: string,
  field = 'roomId'
): Promise<{ room: RoomRow; member?: MembershipRow }> {
  // One statement for both: the space, and the caller's membership of it (m_* columns, null when none).
  const row = await ctx.get<RoomRow & MemberColumns>(
    `SELECT r.*, m.seq AS m_seq, m.is_moderator AS m_is_moderator, m.is_room_hidden AS m_is_room_hidden,
      m.created AS m_created
    FROM rooms r LEFT JOIN memberships m ON m.room_id = r.id AND m.person_id = ? WHERE r.id = ?`,
    caller.personId,
    roomLocal(roomId, field)
  )
  let room: RoomRow | undefined
  let member: MembershipRow | undefined
  if (row) {
    const { m_seq: seq, m_is_moderator: isModerator, m_is_room_hidden: hidden, m_created: created, ...rest } = row
    room = rest
    if (seq !== null) {
      member = {
        seq,
        room_id: rest.id,
        person_id: caller.personId,
        is_moderator: isModerator as number,
        is_room_hidden: hidden as number,
        created: created as string,
      }
    }
  }
  assertCanRead(caller, room ? spaceView(room) : undefined, memberView(member))
  return { room: room as RoomRow, ...(member ? { member } : {}) }
}

interface MemberColumns {
  m_seq: number | null
  m_is_moderator: number | null
  m_is_room_hidden: number | null
  m_created: string | null
}

/** A 1:1 space is titled with the other person's name, seen from `viewerId`. */
export async function titleFor (ctx: Ctx, room: RoomRow, viewerId: string): Promise<string> {
  if (room.type === 'group') return room.title ?? ''
  const other = await ctx.get<{ display_name: string }>(
    'SELECT p.display_name FROM memberships m JOIN people p ON p.id = m.person_id ' +
      'WHERE m.room_id = ? AND m.person_id <> ? LIMIT 1',
    room.id,
    viewerId
  )
  return other?.display_name ?? room.title ?? ''
}

/**
 * The titles of a page of spaces as `viewerId` sees them, in one statement for all its 1:1 spaces (titleFor would
 * be one per space).
 */
export async function titlesFor (ctx: Ctx, rooms: RoomRow[], viewerId: string): Promise<Map<string, string>> {
  const titles = new Map<string, string>()
  const direct: string[] = []
  for (const r of rooms) {
    if (r.type === 'group') titles.set(r.id, r.title ?? '')
    else direct.push(r.id)
  }
  if (direct.length > 0) {
    const others = await ctx.all<{ room_id: string; display_name: string }>(
      'SELECT m.room_id, p.display_name FROM memberships m JOIN people p ON p.id = m.person_id ' +
        `WHERE m.room_id IN (${direct.map(() => '?').join(',')}) AND m.person_id <> ? ORDER BY m.seq`,
      ...direct,
      viewerId
    )
    for (const o of others) if (!titles.has(o.room_id)) titles.set(o.room_id, o.display_name)
    for (const r of rooms) if (!titles.has(r.id)) titles.set(r.id, r.title ?? '')
  }
  return titles
}

export async function roomFor (ctx: Ctx, room: RoomRow, viewerId: string): Promise<Room> {
  return toRoom(room, await titleFor(ctx, room, viewerId))
}
