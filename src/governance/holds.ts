import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import { decodeId, encodeId, newUuid } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { decodeCursor, toPage } from '../store/cursor.js'
import type { Hold, HoldBody } from '../schemas/governance.js'
import { orgRoom } from './access.js'
import { audit } from './audit.js'
import { searchIndex } from './search.js'

interface HoldRow {
  seq: number
  id: string
  org_id: string
  kind: 'space' | 'person' | 'tag'
  target_id: string
  name: string
  reason: string | null
  created_by: string
  created: string
  released_by: string | null
  released: string | null
}

/** The hold that keeps a space, as the plan names it. */
export interface HoldRef {
  id: string
  name: string
}

const toHold = (r: HoldRow): Hold => ({
  id: r.id,
  name: r.name,
  ...(r.reason ? { reason: r.reason } : {}),
  ...(r.kind === 'space' ? { roomId: encodeId('ROOM', r.target_id) } : {}),
  ...(r.kind === 'person' ? { personId: encodeId('PEOPLE', r.target_id) } : {}),
  ...(r.kind === 'tag' ? { tagId: r.target_id } : {}),
  kind: r.kind,
  active: r.released === null,
  created: r.created,
  createdBy: encodeId('PEOPLE', r.created_by),
  ...(r.released ? { released: r.released } : {}),
  ...(r.released_by ? { releasedBy: encodeId('PEOPLE', r.released_by) } : {}),
})

/** What a hold is on, resolved in the caller's organisation: an unknown space, person or tag is a 404. */
async function target (
  ctx: Ctx,
  caller: Caller,
  body: HoldBody
): Promise<{ kind: HoldRow['kind']; id: string; label: string }> {
  const given = [body.roomId, body.personId ?? body.personEmail, body.tagId].filter(v => v !== undefined)
  if (given.length !== 1) {
    throw new BadRequestError('A hold is on exactly one of roomId, personId (or personEmail), tagId.')
  }
  if (body.roomId !== undefined) {
    const room = await orgRoom(ctx, caller, body.roomId)
    return { kind: 'space', id: room.id, label: room.title ?? 'a 1:1 space' }
  }
  if (body.tagId !== undefined) {
    const tag = await ctx.get<{ id: string; name: string }>(
      'SELECT id, name FROM tags WHERE id = ? AND org_id = ?',
      body.tagId,
      caller.orgId
    )
    if (!tag) throw new NotFoundError('No tag of your organisation has this id.')
    return { kind: 'tag', id: tag.id, label: `tag ${tag.name}` }
  }
  const local = body.personId !== undefined ? decodeId('PEOPLE', body.personId) : undefined
  if (body.personId !== undefined && !local) throw new BadRequestError('personId is not a valid person id.')
  const person = local ? await ctx.person(local) : await ctx.personByEmail(body.personEmail as string)
  if (!person || person.org_id !== caller.orgId) {
    throw new NotFoundError('No person of your organisation has this id.')
  }
  return { kind: 'person', id: person.id, label: person.email }
}

export async function createHold (ctx: Ctx, caller: Caller, body: HoldBody): Promise<Hold> {
  return await ctx.tx(async () => {
    const t = await target(ctx, caller, body)
    const same = await ctx.get<{ name: string }>(
      'SELECT name FROM legal_holds WHERE org_id = ? AND kind = ? AND target_id = ? AND name = ? AND released IS NULL',
      caller.orgId,
      t.kind,
      t.id,
      body.name
    )
    if (same) throw new ConflictError(`The hold "${same.name}" is already on ${t.label}.`)
    const id = newUuid()
    await ctx.run(
      `INSERT INTO legal_holds (id, org_id, kind, target_id, name, reason, created_by, created)
      VALUES (?,?,?,?,?,?,?,?)`,
      id,
      caller.orgId,
      t.kind,
      t.id,
      body.name,
      body.reason ?? null,
      caller.personId,
      ctx.now()
    )
    const hold = toHold(await holdRow(ctx, caller, id))
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      ...(t.kind === 'space' ? { roomId: t.id } : {}),
      action: 'hold.placed',
      detail: { ...hold },
    })
    return hold
  })
}

async function holdRow (ctx: Ctx, caller: Caller, id: string): Promise<HoldRow> {
  const row = await ctx.get<HoldRow>('SELECT * FROM legal_holds WHERE id = ? AND org_id = ?', id, caller.orgId)
  if (!row) throw new NotFoundError('No legal hold of your organisation has this id.')
  return row
}

export async function getHold (ctx: Ctx, caller: Caller, id: string): Promise<Hold> {
  return toHold(await holdRow(ctx, caller, id))
}

export async function listHolds (ctx: Ctx, caller: Caller, q: { active?: boolean; max: number; cursor?: string }) {
  const after = decodeCursor(q.cursor, ['number'])
  const rows = await ctx.all<HoldRow>(
    `SELECT * FROM legal_holds WHERE org_id = ? AND seq > ?${
      q.active === undefined ? '' : q.active ? ' AND released IS NULL' : ' AND released IS NOT NULL'
    } ORDER BY seq LIMIT ?`,
    caller.orgId,
    after?.[0] ?? 0,
    q.max + 1
  )
  return toPage(rows, q.max, toHold, r => [r.seq])
}

/** Releasing keeps the hold on record (released, by whom); a released hold keeps nothing. */
export async function releaseHold (ctx: Ctx, caller: Caller, id: string, reason?: string): Promise<Hold> {
  return await ctx.tx(async () => {
    const row = await holdRow(ctx, caller, id)
    if (row.released !== null) {
      throw new ConflictError(`The hold "${row.name}" was already released on ${row.released}.`)
    }
    await ctx.run(
      'UPDATE legal_holds SET released = ?, released_by = ? WHERE seq = ?',
      ctx.now(),
      caller.personId,
      row.seq
    )
    const hold = toHold(await holdRow(ctx, caller, id))
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      ...(row.kind === 'space' ? { roomId: row.target_id } : {}),
      action: 'hold.released',
      detail: { ...hold, ...(reason ? { releaseReason: reason } : {}) },
    })
    return hold
  })
}

/** The spaces active holds keep: by room seq, the oldest hold keeping each. */
export interface Held {
  has(seq: number): boolean
  of(seq: number): Promise<HoldRef | undefined>
}

/**
 * Every space of the organisation an active hold keeps, by room seq, with the (oldest) hold that keeps it:
 * the spaces held directly, every space a held person is or was in, every space carrying a held tag. One
 * query per kind, whatever the number of holds, and numbers only (a hold's name is read when asked for).
 */
export async function heldSpaces (ctx: Ctx, orgId: string, onlyRoom?: string): Promise<Held> {
  const only = onlyRoom ? ' AND r.id = ?' : ''
  const args = (...a: unknown[]): unknown[] => (onlyRoom ? [...a, onlyRoom] : a)
  const byTags = onlyRoom === undefined
  const rows = await ctx.values<[number, number]>(
    // CROSS JOIN keeps the join order: from the few holds to their spaces, never from every space.
      `SELECT r.seq, h.seq FROM legal_holds h ${ctx.dialect.orderedJoin} rooms r ON r.id = h.target_id
        WHERE h.org_id = ? AND h.kind = 'space' AND h.released IS NULL AND r.org_id = ?${only}
      UNION ALL
      SELECT r.seq, h.seq FROM legal_holds h ${ctx.dialect.orderedJoin} person_spaces ps ON ps.person_id = h.target_id
        ${ctx.dialect.orderedJoin} rooms r ON r.seq = ps.room_seq
        WHERE h.org_id = ? AND h.kind = 'person' AND h.released IS NULL AND r.org_id = ?${only}
      UNION ALL
      SELECT st.room_seq, h.seq FROM legal_holds h ${ctx.dialect.orderedJoin} space_tags st ON st.tag_id = h.target_id
        ${ctx.dialect.orderedJoin} rooms r ON r.seq = st.room_seq
        WHERE h.org_id = ? AND h.kind = 'tag' AND h.released IS NULL AND r.org_id = ?${only}
        AND ${byTags ? '1 = 0' : '1 = 1'}`,
      ...args(orgId, orgId),
      ...args(orgId, orgId),
      ...args(orgId, orgId)
  )
  const by = new Map<number, number>()
  for (const [seq, hold] of rows) {
    const had = by.get(seq)
    if (had === undefined || hold < had) by.set(seq, hold)
  }
  // The whole organisation: a tag's spaces are the search index's bitset for it, read in place.
  if (byTags) await searchIndex(ctx).refresh()
  const tagHolds = byTags
    ? (await ctx
        .all<{ seq: number; target_id: string }>(
          "SELECT seq, target_id FROM legal_holds WHERE org_id = ? AND kind = 'tag' AND released IS NULL ORDER BY seq",
          orgId
        ))
        .map(h => ({ hold: h.seq, words: searchIndex(ctx).tagged(h.target_id) }))
        .filter((h): h is { hold: number; words: Uint32Array } => h.words !== undefined)
    : []
  const holdOf = (seq: number): number | undefined => {
    let hold = by.get(seq)
    for (const t of tagHolds) {
      if (hold !== undefined && t.hold > hold) break
      if ((t.words[seq >>> 5] >>> (seq & 31)) & 1) {
        hold = t.hold
        break
      }
    }
    return hold
  }
  const refs = new Map<number, HoldRef>()
  return {
    has: seq => holdOf(seq) !== undefined,
    of: async seq => {
      const hold = holdOf(seq)
      if (hold === undefined) return undefined
      let ref = refs.get(hold)
      if (!ref) {
        ref = await ctx.get<HoldRef>('SELECT id, name FROM legal_holds WHERE seq = ?', hold) as HoldRef
        refs.set(hold, ref)
      }
      return ref
    },
  }
}

/** Refuses what a hold forbids (deleting a held space), naming the hold: 409. */
export async function assertNotHeld (
  ctx: Ctx,
  orgId: string,
  room: { id: string; title: string | null },
  what: string
): Promise<void> {
  const held = await heldSpaces(ctx, orgId, room.id)
  const hold = await held.of((await ctx.room(room.id))?.seq ?? -1)
  if (hold) {
    throw new ConflictError(
      `The space "${room.title ?? '1:1'}" is under the legal hold "${hold.name}" (${hold.id}): ${what} is not ` +
        'allowed until the hold is released.'
    )
  }
}
