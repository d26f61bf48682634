import { createHash } from 'node:crypto'
import { encodeId } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { decodeCursor, toPage } from '../store/cursor.js'
import { roomLocal } from '../spaces/space.js'
import type { AuditRecord, AuditVerification } from '../schemas/governance.js'

/** The prev_hash of an organisation's first record. */
export const GENESIS = '0'.repeat(64)

export interface AuditRow {
  seq: number
  org_id: string
  at: string
  actor_id: string | null
  policy_id: string | null
  room_id: string | null
  action: string
  detail: string
  prev_hash: string | null
  hash: string | null
}

/**
 * A record's hash: SHA-256 over the previous record's hash and every stored field of this one, exactly as
 * stored (detail as its JSON text), so changing any byte of a record, or its number, changes its hash.
 */
function recordHash (prev: string, r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  return createHash('sha256')
    .update(prev)
    .update(JSON.stringify([r.seq, r.org_id, r.at, r.actor_id, r.policy_id, r.room_id, r.action, r.detail]))
    .digest('hex')
}

async function head (ctx: Ctx, orgId: string): Promise<string> {
  return (
    await (await ctx.get<{ hash: string | null }>(
      'SELECT hash FROM audit WHERE org_id = ? ORDER BY seq DESC LIMIT 1',
      orgId
    ))
      ?.hash ?? GENESIS
  )
}

/** One audit record, chained to the organisation's previous one; written inside the transaction of what it records. */
export async function audit (
  ctx: Ctx,
  e: {
    orgId: string
    actorId?: string
    policyId?: string
    roomId?: string
    action: string
    detail: Record<string, unknown>
  }
): Promise<void> {
  const prev = await head(ctx, e.orgId)
  const row = {
    org_id: e.orgId,
    at: ctx.now(),
    actor_id: e.actorId ?? null,
    policy_id: e.policyId ?? null,
    room_id: e.roomId ?? null,
    action: e.action,
    detail: JSON.stringify(e.detail),
  }
  const { seq } = (await ctx.get<{ seq: number }>(
    'INSERT INTO audit (org_id, at, actor_id, policy_id, room_id, action, detail, prev_hash) ' +
      'VALUES (?,?,?,?,?,?,?,?) RETURNING seq',
    row.org_id,
    row.at,
    row.actor_id,
    row.policy_id,
    row.room_id,
    row.action,
    row.detail,
    prev
  ))!
  await ctx.run('UPDATE audit SET hash = ? WHERE seq = ?', recordHash(prev, { seq, ...row }), seq)
}

/**
 * Seals records written before the chain existed (a store from an older release), in order, per
 * organisation. Runs once at start; a store whose records are all sealed costs one indexed query.
 */
export async function sealAudit (ctx: Ctx): Promise<number> {
  const open = await ctx.all<AuditRow>('SELECT * FROM audit WHERE hash IS NULL ORDER BY seq')
  if (open.length === 0) return 0
  await ctx.tx(async () => {
    const last = new Map<string, string>()
    for (const r of open) {
      const prev =
        last.get(r.org_id) ??
        await (await ctx.get<{ hash: string }>(
          'SELECT hash FROM audit WHERE org_id = ? AND seq < ? AND hash IS NOT NULL ORDER BY seq DESC LIMIT 1',
          r.org_id,
          r.seq
        ))?.hash ??
        GENESIS
      const hash = recordHash(prev, r)
      await ctx.run('UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?', prev, hash, r.seq)
      last.set(r.org_id, hash)
    }
  })
  return open.length
}

export const toAuditRecord = (r: AuditRow): AuditRecord => ({
  id: r.seq,
  at: r.at,
  ...(r.actor_id ? { actorId: encodeId('PEOPLE', r.actor_id) } : {}),
  ...(r.policy_id ? { policyId: r.policy_id } : {}),
  ...(r.room_id ? { roomId: encodeId('ROOM', r.room_id) } : {}),
  action: r.action,
  detail: JSON.parse(r.detail) as unknown,
  prevHash: r.prev_hash ?? '',
  hash: r.hash ?? '',
})

export interface AuditFilter {
  roomId?: string
  policyId?: string
  from?: string
  to?: string
}

/** The WHERE clause of an audit range, shared by the list and the export. */
export function auditWhere (caller: Caller, q: AuditFilter): { where: string[]; params: unknown[] } {
  const where = ['org_id = ?']
  const params: unknown[] = [caller.orgId]
  if (q.roomId !== undefined) {
    where.push('room_id = ?')
    params.push(roomLocal(q.roomId))
  }
  if (q.policyId !== undefined) {
    where.push('policy_id = ?')
    params.push(q.policyId)
  }
  if (q.from !== undefined) {
    where.push('at >= ?')
    params.push(new Date(q.from).toISOString())
  }
  if (q.to !== undefined) {
    where.push('at < ?')
    params.push(new Date(q.to).toISOString())
  }
  return { where, params }
}

export async function listAudit (ctx: Ctx, caller: Caller, q: AuditFilter & { max: number; cursor?: string }) {
  const { where, params } = auditWhere(caller, q)
  const after = decodeCursor(q.cursor, ['number'])
  if (after) {
    where.push('seq > ?')
    params.push(after[0])
  }
  const rows = await ctx.all<AuditRow>(
    `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
    ...params,
    q.max + 1
  )
  return toPage(rows, q.max, toAuditRecord, r => [r.seq])
}

/**
 * Walks the organisation's chain from its first record: each record must link to the hash of the one before
 * it, and its own hash must be the hash of what it holds. The first record that fails either is the broken
 * link; a record changed in place fails the second test, a record removed or inserted before it the first.
 */
export async function verifyAudit (ctx: Ctx, caller: Caller): Promise<AuditVerification> {
  let prev = GENESIS
  let records = 0
  let last: AuditRow | undefined
  // In pages by seq: the chain of a large organisation never sits in memory at once.
  for (let after = 0, page: AuditRow[] = []; ; after = page[page.length - 1].seq) {
    page = await ctx.all<AuditRow>(
      'SELECT * FROM audit WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT 1000',
      caller.orgId,
      after
    )
    if (page.length === 0) break
    for (const r of page) {
      records++
      const problem =
      r.hash === null
        ? 'the record is not sealed (it has no hash)'
        : r.prev_hash !== prev
          ? last
            ? `it does not follow record ${last.seq}: a record between them was removed or added, or record ` +
              `${last.seq} was rewritten with a new hash`
            : 'it does not start the chain: an earlier record was removed'
          : recordHash(prev, r) !== r.hash
            ? 'its contents do not match its hash: the record was changed after it was written'
            : undefined
      if (problem) {
        return {
          verified: false,
          records,
          firstBroken: { id: r.seq, at: r.at, action: r.action, problem },
          ...(last ? { lastGood: { id: last.seq, hash: last.hash ?? '' } } : {}),
        }
      }
      prev = r.hash as string
      last = r
    }
  }
  return { verified: true, records, ...(last ? { head: { id: last.seq, at: last.at, hash: prev } } : {}) }
}
