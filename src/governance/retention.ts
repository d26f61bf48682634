import { encodeId } from '../ids.js'
import type { Caller } from '../backends/backend.js'
import type { Ctx } from '../backends/embedded/context.js'
import { eraseRoom } from '../backends/embedded/rooms.js'
import { toMessage, type MessageRow, type PersonRow, type RoomRow } from '../backends/embedded/rows.js'
import { slim } from '../backends/embedded/messages.js'
import type { ExecuteResult, Plan, PlanItem, PolicyConditions } from '../schemas/governance.js'
import { orgRoom } from './access.js'
import { audit } from './audit.js'
import { heldSpaces, type HoldRef } from './holds.js'
import type { PolicyRow } from './policies.js'
import { conditionSql, fromPolicy, governedTitle, indexConditions, searchIndex, type Conditions } from './search.js'

const DAY = 86_400_000

/** What retention decided for one space. */
export interface Decision {
  /** title: read only for the plan items shown (undefined until then); activeMs when known without the index. */
  room: { id: string; seq: number; title?: string | null; type: string; activeMs?: number }
  action: 'deleteMessages' | 'deleteSpace'
  /** The period in effect: the policy's or override's, plus the space's disposition extension. */
  days: number
  extraDays: number
  /** Policy id, or 'override'. */
  by: string
  policy?: PolicyRow
  actorId: string
}

/**
 * Who decides for a space:
 * 0. An active legal hold beats everything: nothing is erased (the plan shows the hold and what it overrules).
 * 1. A manual override beats every policy: `keep` erases nothing; `days` erases messages older than that.
 * 2. Otherwise every enabled policy whose conditions match applies; per action the shortest period wins,
 *    ties broken by lower priority, then the older policy. A space deletion, when due (the space inactive for
 *    its days), is chosen over message deletion, since it erases everything. A disposition extension adds
 *    its days to the policy's period for that space.
 * This function decides 1 and 2; the hold is applied by `planned`, which still counts what it overrules.
 */
export function decide (ctx: Ctx, orgId: string, now: number, onlyRoom?: string): Decision[] {
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
  const extensions = new Map(
    ctx
      .all<{ seq: number; extra_days: number }>(
        `SELECT r.seq, d.extra_days FROM disposition_settings d JOIN rooms r ON r.id = d.room_id
        WHERE r.org_id = ? AND d.extra_days > 0${onlyRoom ? ' AND r.id = ?' : ''}`,
        ...(onlyRoom ? [orgId, onlyRoom] : [orgId])
      )
      .map(e => [e.seq, e.extra_days])
  )
  const room = (seq: number): Decision['room'] => known.get(seq) ?? { ...searchIndex(ctx).space(seq), seq }
  const decision = (seq: number, pi: number): Decision => {
    const p = policies[pi]
    const extraDays = extensions.get(seq) ?? 0
    return {
      room: room(seq),
      action: p.action === 'deleteSpaces' ? 'deleteSpace' : 'deleteMessages',
      days: p.days + extraDays,
      extraDays,
      by: p.id,
      policy: p,
      actorId: p.created_by,
    }
  }
  const out = new Map<number, Decision>()
  for (const [seq, pi] of msgBy) out.set(seq, decision(seq, pi))
  // A due space deletion is chosen over message deletion; an extended space is due only after its extension.
  for (const [seq, pi] of spaceBy) {
    const d = decision(seq, pi)
    if (d.extraDays > 0) {
      const active = d.room.activeMs ?? searchIndex(ctx).activeMs(seq)
      if (active > now - d.days * DAY) continue
    }
    out.set(seq, d)
  }
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
      extraDays: 0,
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
  const rows = ctx.all<{ id: string; seq: number; title: string | null; type: string; last_activity: string }>(
    `SELECT r.id, r.seq, r.title, r.type, r.last_activity FROM rooms r WHERE ${where.join(' AND ')}`,
    ...params
  )
  for (const r of rows) {
    known.set(r.seq, { id: r.id, seq: r.seq, title: r.title, type: r.type, activeMs: Date.parse(r.last_activity) })
  }
  return rows.map(r => r.seq)
}

export interface Planned extends Decision {
  messages: number
  before?: string
  /** Set when a legal hold keeps the space: nothing is erased, `messages` is what would have been. */
  hold?: HoldRef
}

/**
 * The decisions with their message counts, held spaces marked. Many spaces: one pass over the messages'
 * (room, created) index counts every decided space's messages, in total and before its cutoff, instead of a
 * query per space.
 */
export function planned (ctx: Ctx, orgId: string, now: number, onlyRoom?: string): Planned[] {
  const decisions = decide(ctx, orgId, now, onlyRoom) as Planned[]
  const held = heldSpaces(ctx, orgId, onlyRoom)
  const byRoom = new Map<string, Planned>()
  for (const d of decisions) {
    d.messages = 0
    if (d.action === 'deleteMessages') d.before = new Date(now - d.days * DAY).toISOString()
    const hold = held.get(d.room.seq)
    if (hold) d.hold = { id: hold.id, name: hold.name }
    byRoom.set(d.room.id, d)
  }
  if (decisions.length > 50) {
    const rows = ctx.q('SELECT room_id, created FROM messages INDEXED BY messages_room_created').raw()
    for (const [room, created] of rows.iterate() as Iterable<[string, string]>) {
      const d = byRoom.get(room)
      if (d && (d.before === undefined || created < d.before)) d.messages++
    }
  } else {
    for (const d of decisions) {
      d.messages =
        ctx.get<{ n: number }>(
          `SELECT count(*) AS n FROM messages WHERE room_id = ?${d.before ? ' AND created < ?' : ''}`,
          ...(d.before ? [d.room.id, d.before] : [d.room.id])
        )?.n ?? 0
    }
  }
  // Spaces to delete first, then message deletions; a message decision with nothing old enough is no item.
  return [
    ...decisions.filter(d => d.action === 'deleteSpace'),
    ...decisions.filter(d => d.action === 'deleteMessages' && d.messages > 0),
  ]
}

function why (p: Planned): string {
  const who = p.by === 'override' ? "the space's manual retention" : `policy "${p.policy!.name}"`
  const extended = p.extraDays > 0 ? ` (extended by ${p.extraDays} days)` : ''
  return p.action === 'deleteSpace'
    ? `${who}: the space has been inactive for ${p.days} days or more${extended}`
    : `${who}: messages older than ${p.days} days${extended}`
}

export function reason (p: Planned): string {
  if (!p.hold) return why(p)
  const would =
    p.action === 'deleteSpace' ? `delete the space and its ${p.messages} messages` : `erase ${p.messages} messages`
  return `legal hold "${p.hold.name}" keeps the space; without it, ${why(p)} would ${would}`
}

export const toItem = (p: Planned, title: string): PlanItem => ({
  roomId: encodeId('ROOM', p.room.id),
  title,
  action: p.hold ? 'hold' : p.action,
  messages: p.hold ? 0 : p.messages,
  ...(p.before ? { before: p.before } : {}),
  decidedBy: p.hold ? 'hold' : p.by,
  ...(p.hold ? { hold: p.hold, overruled: p.by, wouldErase: p.messages } : {}),
  reason: reason(p),
})

/** The plan items in order, titles read in pages as they are consumed (the export streams all of them). */
export function * planItemsOf (ctx: Ctx, caller: Caller, items: Planned[]): Generator<PlanItem> {
  for (let i = 0; i < items.length; i += 500) {
    const page = items.slice(i, i + 500)
    const missing = page.filter(p => p.room.title === undefined).map(p => p.room.seq)
    const titles = new Map(
      missing.length === 0
        ? []
        : ctx
          .all<{ seq: number; title: string | null }>(
              `SELECT seq, title FROM rooms WHERE seq IN (${missing.map(() => '?').join(',')})`,
              ...missing
          )
          .map(r => [r.seq, r.title])
    )
    for (const p of page) {
      const title = p.room.title !== undefined ? p.room.title : (titles.get(p.room.seq) ?? null)
      yield toItem(
        p,
        governedTitle(ctx, { id: p.room.id, type: p.room.type as 'direct' | 'group', title }, caller.personId)
      )
    }
  }
}

/** The plan's totals and its first `limit` items. */
export function summarise (ctx: Ctx, caller: Caller, items: Planned[], limit = 1000): Plan {
  const acting = items.filter(i => !i.hold)
  const shown: PlanItem[] = []
  for (const item of planItemsOf(ctx, caller, items.slice(0, limit))) shown.push(item)
  return {
    spaces: acting.length,
    messages: acting.reduce((n, i) => n + i.messages, 0),
    spacesToDelete: acting.filter(i => i.action === 'deleteSpace').length,
    held: items.length - acting.length,
    items: shown,
  }
}

/** The dry run: what executing now would erase, and why, and what legal holds keep. Changes nothing. */
export function plan (ctx: Ctx, caller: Caller, roomId?: string): Plan {
  const only = roomId !== undefined ? orgRoom(ctx, caller, roomId).id : undefined
  return summarise(ctx, caller, planned(ctx, caller.orgId, ctx.clock(), only))
}

export function planItems (ctx: Ctx, caller: Caller, roomId?: string): Iterable<PlanItem> {
  const only = roomId !== undefined ? orgRoom(ctx, caller, roomId).id : undefined
  return planItemsOf(ctx, caller, planned(ctx, caller.orgId, ctx.clock(), only))
}

/**
 * Carries out the plan as of now. Each space (and each chunk of 500 messages) is its own transaction with
 * its events and audit record, so an interrupted run leaves finished work done and a re-run finishes the
 * rest; nothing can be erased twice. Held spaces are skipped.
 */
export function execute (ctx: Ctx, orgId: string, actorId: string | undefined, roomLocalId?: string): ExecuteResult {
  const items = planned(ctx, orgId, ctx.clock(), roomLocalId).filter(p => !p.hold)
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
