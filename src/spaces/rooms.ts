/*
 * Writes to a space as a whole: its events, its lock following its moderators, its classification, its erasure.
 * Shared by the embedded backend and governance, so both keep the same rules and record the same events.
 */
import { BadRequestError } from '../errors.js'
import { decodeId } from '../ids.js'
import type { Ctx } from '../store/ctx.js'
import type { PersonRow, RoomRow } from '../domain/rows.js'
import { roomFor } from './space.js'
import { emitMembership } from './memberships.js'

export async function touchRoom (ctx: Ctx, roomId: string, at: string): Promise<void> {
  await ctx.run('UPDATE rooms SET last_activity = ? WHERE id = ?', at, roomId)
}

export async function emitRoom (ctx: Ctx, event: 'created' | 'updated', room: RoomRow, actorId: string): Promise<void> {
  await ctx.emit({
    resource: 'rooms',
    event,
    actorId,
    roomId: room.id,
    orgId: room.org_id,
    data: await roomFor(ctx, room, actorId),
    ...(room.type === 'direct' ? { viewData: (viewerId: string) => roomFor(ctx, room, viewerId) } : {}),
  })
}

/**
 * Webex's moderation model: a group space is moderated (locked) exactly when it has a moderator. The first
 * moderator locks it; the last one leaving or stepping down unlocks it; either way a `rooms updated` event
 * tells subscribers, as "When a space is updated" promises for lock changes. A team's General space follows
 * the team's moderators instead and is left as it is.
 */
export async function syncLock (ctx: Ctx, roomId: string, actorId: string): Promise<void> {
  const room = await ctx.room(roomId)
  if (!room || room.type !== 'group') return
  const general = room.team_id
    ? await ctx.get<{ id: string }>('SELECT id FROM rooms WHERE team_id = ? ORDER BY seq LIMIT 1', room.team_id)
    : undefined
  if (general?.id === room.id) return
  const sql = 'SELECT count(*) AS n FROM memberships WHERE room_id = ? AND is_moderator = 1'
  const moderators = await (await ctx.get<{ n: number }>(sql, room.id))?.n ?? 0
  const locked = moderators > 0
  if (locked === (room.is_locked === 1)) return
  // Announcement mode needs the lock: it goes with it.
  await ctx.run(
    'UPDATE rooms SET is_locked = ?, is_announcement_only = is_announcement_only * ? WHERE id = ?',
    locked ? 1 : 0,
    locked ? 1 : 0,
    room.id
  )
  await emitRoom(ctx, 'updated', await ctx.room(room.id) as RoomRow, actorId)
}

/** Removes a space and everything in it, recording a membership deletion per member of a group space. */
export async function eraseRoom (ctx: Ctx, room: RoomRow, actorId: string): Promise<void> {
  const members = await ctx.all<{ seq: number; person_id: string }>(
    'SELECT seq, person_id FROM memberships WHERE room_id = ?',
    room.id
  )
  for (const mm of members) {
    const m = await ctx.membership(room.id, mm.person_id)
    if (m && room.type === 'group') {
      await emitMembership(ctx, 'deleted', room, m, await ctx.person(mm.person_id) as PersonRow, actorId)
    }
  }
  await ctx.run('DELETE FROM message_mentions WHERE room_id = ?', room.id)
  await ctx.run('DELETE FROM messages WHERE room_id = ?', room.id)
  await ctx.run('DELETE FROM memberships WHERE room_id = ?', room.id)
  await ctx.run('DELETE FROM rooms WHERE id = ?', room.id)
}

/** A classification of the organisation, as its local id: 400 if the id names none, or a disabled one. */
export async function classificationOf (ctx: Ctx, orgId: string, classificationId: string): Promise<string> {
  const local = decodeId('CLASSIFICATION', classificationId)
  const level = local
    ? await ctx.get<{ enabled: number }>(
      'SELECT enabled FROM classifications WHERE id = ? AND org_id = ?',
      local,
      orgId
    )
    : undefined
  if (!level) throw new BadRequestError('classificationId names no classification of the organisation.')
  if (level.enabled !== 1) throw new BadRequestError('That classification is disabled.')
  return local as string
}
