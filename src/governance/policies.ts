import { BadRequestError, ConflictError, NotFoundError } from '../errors.js'
import { encodeId, newUuid } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import type { Override, Policy, PolicyBody, PolicyConditions } from '../schemas/governance.js'
import { orgRoom } from './access.js'
import { audit } from './audit.js'
import { assertOverrideExtension, assertPolicyDeletable, assertPolicyExtension } from './locks.js'

export interface PolicyRow {
  id: string
  org_id: string
  name: string
  conditions: string
  action: 'deleteMessages' | 'deleteSpaces'
  days: number
  enabled: number
  priority: number
  created_by: string
  created: string
  seq: number
  locked: string | null
  locked_by: string | null
  notice_days: string
}

const toPolicy = (r: PolicyRow): Policy => ({
  id: r.id,
  name: r.name,
  conditions: JSON.parse(r.conditions) as PolicyConditions,
  action: r.action,
  days: r.days,
  enabled: r.enabled === 1,
  priority: r.priority,
  noticeDays: JSON.parse(r.notice_days) as number[],
  locked: r.locked !== null,
  ...(r.locked ? { lockedAt: r.locked } : {}),
  ...(r.locked_by ? { lockedBy: encodeId('PEOPLE', r.locked_by) } : {}),
  created: r.created,
})

export async function listPolicies (ctx: Ctx, caller: Caller): Promise<Policy[]> {
  return (await ctx
    .all<PolicyRow>('SELECT * FROM retention_policies WHERE org_id = ? ORDER BY priority, seq', caller.orgId))
    .map(toPolicy)
}

async function policyRow (ctx: Ctx, caller: Caller, id: string): Promise<PolicyRow> {
  const row = await ctx.get<PolicyRow>('SELECT * FROM retention_policies WHERE id = ? AND org_id = ?', id, caller.orgId)
  if (!row) throw new NotFoundError('No retention policy of your organisation has this id.')
  return row
}

/** Notice tiers: distinct, longest first, each shorter than the period (a notice after the due date is none). */
function noticeDays (body: PolicyBody): number[] {
  const days = [...new Set(body.noticeDays ?? [])].sort((a, b) => b - a)
  if (days.some(d => d >= body.days)) {
    throw new BadRequestError(`noticeDays must each be shorter than the policy's ${body.days} days.`)
  }
  return days
}

function settings (body: PolicyBody) {
  return {
    conditions: body.conditions ?? {},
    enabled: body.enabled !== false,
    priority: body.priority ?? 100,
    noticeDays: noticeDays(body),
  }
}

/** A policy's settings in column order: name, conditions, action, days, enabled, priority, notice_days. */
const columns = (body: PolicyBody, s: ReturnType<typeof settings>): unknown[] => [
  body.name,
  JSON.stringify(s.conditions),
  body.action,
  body.days,
  s.enabled ? 1 : 0,
  s.priority,
  JSON.stringify(s.noticeDays),
]

export async function createPolicy (ctx: Ctx, caller: Caller, body: PolicyBody): Promise<Policy> {
  const s = settings(body)
  return await ctx.tx(async () => {
    const id = newUuid()
    await ctx.run(
      `INSERT INTO retention_policies (id, org_id, name, conditions, action, days, enabled, priority, notice_days,
        created_by, created)
      VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
      id,
      caller.orgId,
      ...columns(body, s),
      caller.personId,
      ctx.now()
    )
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      policyId: id,
      action: 'policy.created',
      detail: { ...body },
    })
    return toPolicy(await policyRow(ctx, caller, id))
  })
}

export async function updatePolicy (ctx: Ctx, caller: Caller, id: string, body: PolicyBody): Promise<Policy> {
  const s = settings(body)
  return await ctx.tx(async () => {
    const old = await policyRow(ctx, caller, id)
    if (old.locked) {
      assertPolicyExtension(
        { ...toPolicy(old), locked: old.locked },
        { action: body.action, days: body.days, enabled: s.enabled, conditions: s.conditions }
      )
    }
    await ctx.run(
      `UPDATE retention_policies SET name = ?, conditions = ?, action = ?, days = ?, enabled = ?, priority = ?,
        notice_days = ? WHERE id = ?`,
      ...columns(body, s),
      id
    )
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      policyId: id,
      action: 'policy.updated',
      detail: { ...body },
    })
    return toPolicy(await policyRow(ctx, caller, id))
  })
}

export async function deletePolicy (ctx: Ctx, caller: Caller, id: string): Promise<void> {
  await ctx.tx(async () => {
    const old = await policyRow(ctx, caller, id)
    if (old.locked) assertPolicyDeletable({ ...toPolicy(old), locked: old.locked })
    await ctx.run('DELETE FROM retention_policies WHERE id = ?', id)
    await audit(
      ctx,
      { orgId: caller.orgId, actorId: caller.personId, policyId: id, action: 'policy.deleted', detail: {} }
    )
  })
}

/** Locks a policy for good: from now on it can only be extended. */
export async function lockPolicy (ctx: Ctx, caller: Caller, id: string): Promise<Policy> {
  return await ctx.tx(async () => {
    const old = await policyRow(ctx, caller, id)
    if (old.locked) {
      throw new ConflictError(`The retention policy "${old.name}" is already locked (since ${old.locked}).`)
    }
    if (old.enabled !== 1) {
      throw new ConflictError(`The retention policy "${old.name}" is disabled: enable it before locking it.`)
    }
    await ctx.run(
      'UPDATE retention_policies SET locked = ?, locked_by = ? WHERE id = ?',
      ctx.now(),
      caller.personId,
      id
    )
    const policy = toPolicy(await policyRow(ctx, caller, id))
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      policyId: id,
      action: 'policy.locked',
      detail: { ...policy },
    })
    return policy
  })
}

interface OverrideRow {
  room_id: string
  mode: 'keep' | 'days'
  days: number | null
  set_by: string
  created: string
  locked: string | null
  locked_by: string | null
}

const toOverride = (r: OverrideRow): Override => ({
  roomId: encodeId('ROOM', r.room_id),
  mode: r.mode,
  ...(r.mode === 'days' && r.days !== null ? { days: r.days } : {}),
  locked: r.locked !== null,
  ...(r.locked ? { lockedAt: r.locked } : {}),
  ...(r.locked_by ? { lockedBy: encodeId('PEOPLE', r.locked_by) } : {}),
  created: r.created,
})

const overrideRow = async (ctx: Ctx, roomId: string): Promise<OverrideRow | undefined> =>
  await ctx.get<OverrideRow>('SELECT * FROM retention_overrides WHERE room_id = ?', roomId)

export async function setOverride (
  ctx: Ctx,
  caller: Caller,
  roomId: string,
  body: { mode: string; days?: number }
): Promise<Override> {
  if (body.mode === 'days' && body.days === undefined) throw new BadRequestError("mode 'days' needs days.")
  return await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    const old = await overrideRow(ctx, room.id)
    if (old?.locked) assertOverrideExtension({ ...old, locked: old.locked }, body)
    await ctx.run(
      `INSERT INTO retention_overrides (room_id, mode, days, set_by, created) VALUES (?,?,?,?,?)
      ON CONFLICT (room_id) DO UPDATE SET mode = excluded.mode, days = excluded.days, set_by = excluded.set_by,
      created = excluded.created`,
      room.id,
      body.mode,
      body.mode === 'days' ? body.days : null,
      caller.personId,
      ctx.now()
    )
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'override.set',
      detail: { ...body },
    })
    return toOverride(await overrideRow(ctx, room.id) as OverrideRow)
  })
}

export async function getOverride (ctx: Ctx, caller: Caller, roomId: string): Promise<Override> {
  const room = await orgRoom(ctx, caller, roomId)
  const row = await overrideRow(ctx, room.id)
  if (!row) throw new NotFoundError('This space has no manual retention.')
  return toOverride(row)
}

export async function deleteOverride (ctx: Ctx, caller: Caller, roomId: string): Promise<void> {
  await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    const old = await overrideRow(ctx, room.id)
    if (!old) throw new NotFoundError('This space has no manual retention.')
    if (old.locked) assertOverrideExtension({ ...old, locked: old.locked }, undefined)
    await ctx.run('DELETE FROM retention_overrides WHERE room_id = ?', room.id)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'override.deleted',
      detail: {},
    })
  })
}

export async function lockOverride (ctx: Ctx, caller: Caller, roomId: string): Promise<Override> {
  return await ctx.tx(async () => {
    const room = await orgRoom(ctx, caller, roomId)
    const old = await overrideRow(ctx, room.id)
    if (!old) throw new NotFoundError('This space has no manual retention to lock.')
    if (old.locked) throw new ConflictError(`The space's manual retention is already locked (since ${old.locked}).`)
    await ctx.run(
      'UPDATE retention_overrides SET locked = ?, locked_by = ? WHERE room_id = ?',
      ctx.now(),
      caller.personId,
      room.id
    )
    const override = toOverride(await overrideRow(ctx, room.id) as OverrideRow)
    await audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'override.locked',
      detail: { ...override },
    })
    return override
  })
}
