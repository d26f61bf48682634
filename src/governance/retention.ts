import { BadRequestError, NotFoundError } from '../errors.js'
import { encodeId, newUuid } from '../ids.js'
import { decodeCursor, toPage } from '../backends/embedded/cursor.js'
import { roomLocal } from '../backends/embedded/spaces.js'
import type { Caller } from '../backends/backend.js'
import type { Ctx } from '../backends/embedded/context.js'
import { eraseRoom } from '../backends/embedded/rooms.js'
import { toMessage, type MessageRow, type PersonRow, type RoomRow } from '../backends/embedded/rows.js'
import { slim } from '../backends/embedded/messages.js'
import type { Plan, PlanItem, Policy, PolicyBody, PolicyConditions } from '../schemas/governance.js'
import { audit, orgRoom } from './access.js'
import { conditionSql, fromPolicy, governedTitle, indexConditions, searchIndex, type Conditions } from './search.js'

const DAY = 86_400_000

interface PolicyRow {
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
}
const toPolicy = (r: PolicyRow): Policy => ({
  id: r.id,
  name: r.name,
  conditions: JSON.parse(r.conditions) as PolicyConditions,
  action: r.action,
  days: r.days,
  enabled: r.enabled === 1,
  priority: r.priority,
  created: r.created,
})

export function listPolicies (ctx: Ctx, caller: Caller): Policy[] {
  return ctx
    .all<PolicyRow>('SELECT * FROM retention_policies WHERE org_id = ? ORDER BY priority, seq', caller.orgId)
    .map(toPolicy)
}

function policyRow (ctx: Ctx, caller: Caller, id: string): PolicyRow {
  const row = ctx.get<PolicyRow>('SELECT * FROM retention_policies WHERE id = ? AND org_id = ?', id, caller.orgId)
  if (!row) throw new NotFoundError('No retention policy of your organisation has this id.')
  return row
}

export function createPolicy (ctx: Ctx, caller: Caller, body: PolicyBody): Policy {
  return ctx.tx(() => {
    const id = newUuid()
    ctx.run(
      `INSERT INTO retention_policies (id, org_id, name, conditions, action, days, enabled, priority, created_by,
        created)
      VALUES (?,?,?,?,?,?,?,?,?,?)`,
      id,
      caller.orgId,
      body.name,
      JSON.stringify(body.conditions ?? {}),
      body.action,
      body.days,
      body.enabled === false ? 0 : 1,
      body.priority ?? 100,
      caller.personId,
      ctx.now()
    )
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      policyId: id,
      action: 'policy.created',
      detail: { ...body },
    })
    return toPolicy(policyRow(ctx, caller, id))
  })
}

export function updatePolicy (ctx: Ctx, caller: Caller, id: string, body: PolicyBody): Policy {
  return ctx.tx(() => {
    policyRow(ctx, caller, id)
    ctx.run(
      'UPDATE retention_policies SET name = ?, conditions = ?, action = ?, days = ?, enabled = ?, priority = ? WHERE ' +
        'id = ?',
      body.name,
      JSON.stringify(body.conditions ?? {}),
      body.action,
      body.days,
      body.enabled === false ? 0 : 1,
      body.priority ?? 100,
      id
    )
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      policyId: id,
      action: 'policy.updated',
      detail: { ...body },
    })
    return toPolicy(policyRow(ctx, caller, id))
  })
}

export function deletePolicy (ctx: Ctx, caller: Caller, id: string): void {
  ctx.tx(() => {
    policyRow(ctx, caller, id)
    ctx.run('DELETE FROM retention_policies WHERE id = ?', id)
    audit(ctx, { orgId: caller.orgId, actorId: caller.personId, policyId: id, action: 'policy.deleted', detail: {} })
  })
}

export function setOverride (ctx: Ctx, caller: Caller, roomId: string, body: { mode: string; days?: number }) {
  if (body.mode === 'days' && body.days === undefined) throw new BadRequestError("mode 'days' needs days.")
  return ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    ctx.run(
      `INSERT INTO retention_overrides (room_id, mode, days, set_by, created) VALUES (?,?,?,?,?)
      ON CONFLICT (room_id) DO UPDATE SET mode = excluded.mode, days = excluded.days, set_by = excluded.set_by,
      created = excluded.created`,
      room.id,
      body.mode,
      body.mode === 'days' ? body.days : null,
      caller.personId,
      ctx.now()
    )
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'override.set',
      detail: { ...body },
    })
    return {
      roomId: encodeId('ROOM', room.id),
      mode: body.mode,
      ...(body.mode === 'days' ? { days: body.days } : {}),
      created: ctx.now(),
    }
  })
}

export function deleteOverride (ctx: Ctx, caller: Caller, roomId: string): void {
  ctx.tx(() => {
    const room = orgRoom(ctx, caller, roomId)
    if (ctx.run('DELETE FROM retention_overrides WHERE room_id = ?', room.id) === 0) {
      throw new NotFoundError('This space has no manual retention.')
    }
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      roomId: room.id,
      action: 'override.deleted',
      detail: {},
    })
  })
}

/** What retention decided for one space. */
interface Decision {
  /** title: read only for the plan items shown (undefined until then). */
  room: { id: string; seq: number; title?: string | null; type: string }
  action: 'deleteMessages' | 'deleteSpace'
  days: number
  /** Policy id, or 'override'. */
  by: string
  policy?: PolicyRow
  actorId: string
}

/**
 * Who decides for a space:
 * 1. A manual override beats every policy: `keep` erases nothing; `days` erases messages older than that.
 * 2. Otherwise every enabled policy whose conditions match applies; per action the shortest period wins,
 *    ties broken by lower priority, then the older policy. A space deletion, when due (the space inactive for
 *    its days), is chosen over message deletion, since it erases everything.
 */
function decide (ctx: Ctx, orgId: string, now: number, onlyRoom?: string): Decision[] {
  const policies = ctx.all<PolicyRow>(
    'SELECT * FROM retention_policies WHERE org_id = ? AND enabled = 1 ORDER BY priority, seq',
    orgId
  )
  // The winning policy per space and action, as an index into `policies`: at a million spaces, one small
  // number per match instead of an object per match.
  const msgBy = new Map<number, number>()
  const spaceBy = new Map<number, number>()
  const better = (cur: number | undefined, next: number): boolean => {
    if (cur === undefined) return true
    const a = policies[cur]
    const b = policies[next]
    return (
      b.days < a.days ||
      (b.days === a.days && (b.priority < a.priority || (b.priority === a.priority && b.seq < a.seq)))
    )
  }
  const known = new Map<number, Decision['room']>()
  policies.forEach((p, pi) => {
    const conditions = fromPolicy(JSON.parse(p.conditions) as PolicyConditions)
    // A space deletion policy's period is an inactivity period: fold it into the conditions.
    if (p.action === 'deleteSpaces') conditions.inactiveDays = Math.max(conditions.inactiveDays ?? 0, p.days)
    const into = p.action === 'deleteSpaces' ? spaceBy : msgBy
    for (const seq of matching(ctx, orgId, conditions, now, known, onlyRoom)) {
      if (better(into.get(seq), pi)) into.set(seq, pi)
    }
  })
  const room = (seq: number): Decision['room'] => known.get(seq) ?? { ...searchIndex(ctx).space(seq), seq }
  const decision = (seq: number, pi: number): Decision => {
    const p = policies[pi]
    return {
      room: room(seq),
      action: p.action === 'deleteSpaces' ? 'deleteSpace' : 'deleteMessages',
      days: p.days,
      by: p.id,
      policy: p,
      actorId: p.created_by,
    }
  }
  const out = new Map<number, Decision>()
  for (const [seq, pi] of msgBy) out.set(seq, decision(seq, pi))
  // A due space deletion is chosen over message deletion.
  for (const [seq, pi] of spaceBy) out.set(seq, decision(seq, pi))
  const overrides = ctx.all<{
    room_id: string
    mode: string
    days: number | null
    set_by: string
    seq: number
    title: string | null
    type: string
  }>(
    `SELECT o.*, r.seq, r.title, r.type FROM retention_overrides o JOIN rooms r ON r.id = o.room_id WHERE r.org_id =
      ?${onlyRoom ? ' AND r.id = ?' : ''}`,
    ...(onlyRoom ? [orgId, onlyRoom] : [orgId])
  )
  for (const o of overrides) {
    if (o.mode === 'keep') {
      out.delete(o.seq)
      continue
    }
    out.set(o.seq, {
      room: { id: o.room_id, seq: o.seq, title: o.title, type: o.type },
      action: 'deleteMessages',
      days: o.days ?? 0,
      by: 'override',
      actorId: o.set_by,
    })
  }
  return [...out.values()]
}

/**
 * The seqs of the spaces a policy's conditions match: from the search index (the whole organisation in one
 * pass, as search sees it), or by SQL for one space or a title only SQL can fold (those rows go into `known`,
 * so nothing needs the index for them). Titles are read later, for the plan items shown.
 */
function matching (
  ctx: Ctx,
  orgId: string,
  c: Conditions,
  now: number,
  known: Map<number, Decision['room']>,
  onlyRoom?: string
): number[] {
  const indexed = onlyRoom === undefined ? indexConditions(ctx, orgId, c, now) : undefined
  if (indexed) return searchIndex(ctx).matches(indexed)
  const { where, params } = conditionSql(ctx, orgId, c, now)
  if (onlyRoom) {
    where.push('r.id = ?')
    params.push(onlyRoom)
  }
  const rows = ctx.all<{ id: string; seq: number; title: string | null; type: string }>(
    `SELECT r.id, r.seq, r.title, r.type FROM rooms r WHERE ${where.join(' AND ')}`,
    ...params
  )
  for (const r of rows) known.set(r.seq, r)
  return rows.map(r => r.seq)
}

interface Planned extends Decision {
  messages: number
  before?: string
}

function planned (ctx: Ctx, orgId: string, now: number, onlyRoom?: string): Planned[] {
  const decisions = decide(ctx, orgId, now, onlyRoom)
  const out: Planned[] = []
  const byDays = new Map<number, Decision[]>()
  for (const d of decisions) {
    if (d.action === 'deleteSpace') continue
    const list = byDays.get(d.days) ?? []
    list.push(d)
    byDays.set(d.days, list)
  }
  const cutoffs = [...byDays.keys()].map(days => new Date(now - days * DAY).toISOString())
  // Many spaces: one pass over the (room, created) index counts every space's messages, in total and
  // before each cutoff, instead of a query per space or per cutoff. Rows as arrays (raw), straight into the map.
  const counts =
    decisions.length > 50
      ? new Map(
        (
          ctx
            .q(
                `SELECT room_id, count(*)${cutoffs.map(() => ', sum(created < ?)').join('')} FROM messages GROUP BY
                  room_id`
            )
            .raw()
            .all(...cutoffs) as Array<[string, ...number[]]>
        ).map(([room, ...n]) => [room, n])
      )
      : undefined
  const total = (d: Decision): number =>
    counts
      ? (counts.get(d.room.id)?.[0] ?? 0)
      : (ctx.get<{ n: number }>('SELECT count(*) AS n FROM messages WHERE room_id = ?', d.room.id)?.n ?? 0)
  const older = (d: Decision, k: number): number =>
    counts
      ? (counts.get(d.room.id)?.[1 + k] ?? 0)
      : (ctx.get<{ n: number }>(
          'SELECT count(*) AS n FROM messages WHERE room_id = ? AND created < ?',
          d.room.id,
          cutoffs[k]
        )?.n ?? 0)
  for (const d of decisions) {
    if (d.action !== 'deleteSpace') continue
    const p = d as Planned
    p.messages = total(d)
    out.push(p)
  }
  ;[...byDays.values()].forEach((list, k) => {
    for (const d of list) {
      const n = older(d, k)
      if (n > 0) {
        const p = d as Planned
        p.messages = n
        p.before = cutoffs[k]
        out.push(p)
      }
    }
  })
  return out
}

function reason (p: Planned): string {
  const who = p.by === 'override' ? "the space's manual retention" : `policy "${p.policy!.name}"`
  return p.action === 'deleteSpace'
    ? `${who}: the space has been inactive for ${p.days} days or more`
    : `${who}: messages older than ${p.days} days`
}

const toItem = (p: Planned, title: string): PlanItem => ({
  roomId: encodeId('ROOM', p.room.id),
  title,
  action: p.action,
  messages: p.messages,
  ...(p.before ? { before: p.before } : {}),
  decidedBy: p.by,
  reason: reason(p),
})

/** The dry run: what executing now would erase, and why. Changes nothing. */
export function plan (ctx: Ctx, caller: Caller, roomId?: string): Plan {
  const only = roomId !== undefined ? orgRoom(ctx, caller, roomId).id : undefined
  const items = planned(ctx, caller.orgId, ctx.clock(), only)
  return {
    spaces: items.length,
    messages: items.reduce((n, i) => n + i.messages, 0),
    spacesToDelete: items.filter(i => i.action === 'deleteSpace').length,
    items: items.slice(0, 1000).map(i => {
      const title =
        i.room.title !== undefined
          ? i.room.title
          : (ctx.get<{ title: string | null }>('SELECT title FROM rooms WHERE seq = ?', i.room.seq)?.title ?? null)
      return toItem(
        i,
        governedTitle(ctx, { id: i.room.id, type: i.room.type as 'direct' | 'group', title }, caller.personId)
      )
    }),
  }
}

/**
 * Carries out the plan as of now. Each space (and each chunk of 500 messages) is its own transaction with
 * its events and audit record, so an interrupted run leaves finished work done and a re-run finishes the
 * rest; nothing can be erased twice.
 */
export function execute (
  ctx: Ctx,
  orgId: string,
  actorId: string | undefined,
  roomLocalId?: string
): { spaces: number; messages: number; spacesDeleted: number } {
  const items = planned(ctx, orgId, ctx.clock(), roomLocalId)
  let messages = 0
  let spacesDeleted = 0
  for (const p of items) {
    const actor = actorId ?? p.actorId
    if (p.action === 'deleteSpace') {
      ctx.tx(() => {
        const room = ctx.room(p.room.id)
        if (!room) return
        const n = ctx.get<{ n: number }>('SELECT count(*) AS n FROM messages WHERE room_id = ?', room.id)?.n ?? 0
        eraseRoom(ctx, room, actor)
        audit(ctx, {
          orgId,
          actorId: actor,
          ...(p.policy ? { policyId: p.policy.id } : {}),
          roomId: room.id,
          action: 'retention.spaceDeleted',
          detail: { title: room.title, messages: n, reason: reason(p) },
        })
        messages += n
        spacesDeleted++
      })
      continue
    }
    for (;;) {
      const n = ctx.tx(() => {
        const room = ctx.room(p.room.id) as RoomRow | undefined
        if (!room) return 0
        const rows = ctx.all<MessageRow>(
          'SELECT * FROM messages WHERE room_id = ? AND created < ? ORDER BY seq LIMIT 500',
          room.id,
          p.before
        )
        for (const m of rows) {
          const message = toMessage(m, ctx.person(m.person_id) as PersonRow, room.type)
          ctx.run('DELETE FROM messages WHERE seq = ?', m.seq)
          ctx.emit({
            resource: 'messages',
            event: 'deleted',
            actorId: actor,
            roomId: room.id,
            orgId: room.org_id,
            data: slim(message),
          })
        }
        if (rows.length > 0) {
          audit(ctx, {
            orgId,
            actorId: actor,
            ...(p.policy ? { policyId: p.policy.id } : {}),
            roomId: room.id,
            action: 'retention.messagesDeleted',
            detail: {
              messages: rows.length,
              before: p.before,
              messageIds: rows.map(r => encodeId('MESSAGE', r.id)),
              reason: reason(p),
            },
          })
        }
        return rows.length
      })
      messages += n
      if (n < 500) break
    }
  }
  return { spaces: items.length, messages, spacesDeleted }
}

export function listAudit (
  ctx: Ctx,
  caller: Caller,
  q: { roomId?: string; policyId?: string; from?: string; to?: string; max: number; cursor?: string }
) {
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
  const after = decodeCursor(q.cursor, ['number'])
  if (after) {
    where.push('seq > ?')
    params.push(after[0])
  }
  const rows = ctx.all<{
    seq: number
    at: string
    actor_id: string | null
    policy_id: string | null
    room_id: string | null
    action: string
    detail: string
  }>(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, ...params, q.max + 1)
  return toPage(
    rows,
    q.max,
    r => ({
      id: r.seq,
      at: r.at,
      ...(r.actor_id ? { actorId: encodeId('PEOPLE', r.actor_id) } : {}),
      ...(r.policy_id ? { policyId: r.policy_id } : {}),
      ...(r.room_id ? { roomId: encodeId('ROOM', r.room_id) } : {}),
      action: r.action,
      detail: JSON.parse(r.detail) as unknown,
    }),
    r => [r.seq]
  )
}
