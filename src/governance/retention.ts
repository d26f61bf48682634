import { encodeId } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { eraseRoom } from '../spaces/rooms.js'
import { removeMessage } from '../spaces/messages.js'
import type { MessageRow, RoomRow } from '../domain/rows.js'
import type { ExecuteResult, Plan, PlanItem, PolicyConditions } from '../schemas/governance.js'
import { orgRoom } from './access.js'
import { audit } from './audit.js'
import { heldSpaces, type Held, type HoldRef } from './holds.js'
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

interface OverrideRow {
  room_id: string
  mode: string
  days: number | null
  set_by: string
  seq: number
  title: string | null
  type: string
}

/**
 * Every space's decision, as numbers: per seq, the winning policy of each action (an index into `policies`,
 * or -1), the spaces' overrides and extensions. At a million spaces this is a few typed arrays, not an
 * object per space; `decisionAt` makes the object for one space when it is needed.
 */
export interface Decided {
  now: number
  policies: PolicyRow[]
  /** Seqs below this (whole organisation: the index's capacity; one space: its seq + 1). */
  cap: number
  /** One space (SQL), or the whole organisation (the search index). */
  only?: { id: string; seq: number }
  msg: Int32Array
  space: Int32Array
  overrides: Map<number, OverrideRow>
  extensions: Map<number, number>
  /** Rooms read by SQL (one space), so nothing needs the index for them. */
  known: Map<number, Decision['room']>
}

/** Which of two policies of an action wins a space both match: shortest period, lower priority, older. */
const precedence = (a: PolicyRow, b: PolicyRow): number => a.days - b.days || a.priority - b.priority || a.seq - b.seq

/**
 * Who decides for a space:
 * 0. An active legal hold beats everything: nothing is erased (the plan shows the hold and what it overrules).
 * 1. A manual override beats every policy: `keep` erases nothing; `days` erases messages older than that.
 * 2. Otherwise every enabled policy whose conditions match applies; per action the shortest period wins,
 *    ties broken by lower priority, then the older policy. A space deletion, when due (the space inactive for
 *    its days), is chosen over message deletion, since it erases everything. A disposition extension adds
 *    its days to the policy's period for that space.
 * This decides 1 and 2; the hold is applied by `planned`, which still counts what it overrules. Policies are
 * matched in precedence order, each over the spaces no earlier one of its action took (a bitset), so the
 * first match is the winner and a hundred policies cost little more than their own matches.
 */
export async function decideAll (ctx: Ctx, orgId: string, now: number, onlyRoom?: string): Promise<Decided> {
  const policies = (await ctx
    .all<PolicyRow>('SELECT * FROM retention_policies WHERE org_id = ? AND enabled = 1', orgId))
    .sort(precedence)
  const known = new Map<number, Decision['room']>()
  let cap: number
  let only: Decided['only']
  if (onlyRoom !== undefined) {
    const r = await ctx.get<{ seq: number; title: string | null; type: string; last_activity: string }>(
      'SELECT seq, title, type, last_activity FROM rooms WHERE id = ?',
      onlyRoom
    )
    cap = (r?.seq ?? 0) + 1
    only = { id: onlyRoom, seq: r?.seq ?? 0 }
  } else {
    await searchIndex(ctx).refresh()
    cap = searchIndex(ctx).capacity
  }
  const msg = new Int32Array(cap).fill(-1)
  const space = new Int32Array(cap).fill(-1)
  const index = only ? undefined : searchIndex(ctx)
  const taken = { msg: index?.emptySet(), space: index?.emptySet() }
  for (const [pi, p] of policies.entries()) {
    const conditions = fromPolicy(JSON.parse(p.conditions) as PolicyConditions)
    // A space deletion policy's period is an inactivity period: fold it into the conditions.
    if (p.action === 'deleteSpaces') conditions.inactiveDays = Math.max(conditions.inactiveDays ?? 0, p.days)
    const into = p.action === 'deleteSpaces' ? space : msg
    if (index) {
      const set = (p.action === 'deleteSpaces' ? taken.space : taken.msg) as Uint32Array
      index.forEachMatch((await indexConditions(ctx, orgId, conditions, now))!, set, seq => {
        into[seq] = pi
        set[seq >>> 5] |= 1 << (seq & 31)
      })
      continue
    }
    for (const seq of await matchingSql(ctx, orgId, conditions, now, known, onlyRoom as string)) {
      if (into[seq] < 0) into[seq] = pi
    }
  }
  // CROSS JOIN: from the few overrides and extensions to their spaces, never from every space.
  const where = onlyRoom ? ' AND r.id = ?' : ''
  const args = onlyRoom ? [orgId, onlyRoom] : [orgId]
  const extensions = new Map(
    (await ctx
      .all<{ seq: number; extra_days: number }>(
        `SELECT r.seq, d.extra_days FROM disposition_settings d ${ctx.dialect.orderedJoin} rooms r ON r.id = d.room_id
        WHERE r.org_id = ? AND d.extra_days > 0${where}`,
        ...args
      ))
      .map(e => [e.seq, e.extra_days])
  )
  // An extended space is due for deletion only after its extension (then under no space policy at all: the
  // same extension lengthens every one).
  for (const [seq, extra] of extensions) {
    const pi = space[seq]
    if (pi < 0) continue
    const active = known.get(seq)?.activeMs ?? searchIndex(ctx).activeMs(seq)
    if (active > now - (policies[pi].days + extra) * DAY) space[seq] = -1
  }
  const overrides = new Map<number, OverrideRow>()
  for (const o of await ctx.all<OverrideRow>(
    `SELECT o.*, r.seq, r.title, r.type FROM retention_overrides o ${ctx.dialect.orderedJoin} rooms r
    ON r.id = o.room_id WHERE r.org_id = ?${where}`,
    ...args
  )) {
    msg[o.seq] = -1
    space[o.seq] = -1
    if (o.mode === 'days') overrides.set(o.seq, o)
  }
  return { now, policies, cap, ...(only ? { only } : {}), msg, space, overrides, extensions, known }
}

/** The decision for one space, if there is one (a due space deletion wins over message deletion). */
export function decisionAt (ctx: Ctx, d: Decided, seq: number): Decision | undefined {
  const o = d.overrides.get(seq)
  if (o) {
    return {
      room: { id: o.room_id, seq, title: o.title, type: o.type },
      action: 'deleteMessages',
      days: o.days ?? 0,
      extraDays: 0,
      by: 'override',
      actorId: o.set_by,
    }
  }
  const pi = d.space[seq] >= 0 ? d.space[seq] : d.msg[seq]
  if (pi < 0) return undefined
  const p = d.policies[pi]
  const extraDays = d.extensions.get(seq) ?? 0
  return {
    room: d.known.get(seq) ?? { ...searchIndex(ctx).space(seq), seq },
    action: d.space[seq] >= 0 ? 'deleteSpace' : 'deleteMessages',
    days: p.days + extraDays,
    extraDays,
    by: p.id,
    policy: p,
    actorId: p.created_by,
  }
}

/** The seqs with a decision, in seq order. */
export function * decidedSeqs (d: Decided): Generator<number> {
  for (let seq = d.only ? d.only.seq : 0; seq < d.cap; seq++) {
    if (d.space[seq] >= 0 || d.msg[seq] >= 0 || d.overrides.has(seq)) yield seq
  }
}

/** Every decision as an object: for callers whose organisations are small (the Webex inventory, one space). */
export async function decide (ctx: Ctx, orgId: string, now: number, onlyRoom?: string): Promise<Decision[]> {
  const d = await decideAll(ctx, orgId, now, onlyRoom)
  return [...decidedSeqs(d)].map(seq => decisionAt(ctx, d, seq) as Decision)
}

/** A space's messages, and those created before `beforeMs`: from the index, or by SQL for one space. */
async function messageCount (ctx: Ctx, d: Decided, seq: number, roomId: string, beforeMs?: number): Promise<number> {
  if (!d.only) return searchIndex(ctx).messages(seq, beforeMs)
  const before = beforeMs === undefined ? undefined : new Date(beforeMs).toISOString()
  return (
    await (await ctx.get<{ n: number }>(
      `SELECT count(*) AS n FROM messages WHERE room_id = ?${before ? ' AND created < ?' : ''}`,
      ...(before ? [roomId, before] : [roomId])
    ))?.n ?? 0
  )
}

/**
 * The seqs of the spaces a policy's conditions match in one space, by SQL (its row goes into `known`, so
 * nothing needs the index for it).
 */
async function matchingSql (
  ctx: Ctx,
  orgId: string,
  c: Conditions,
  now: number,
  known: Map<number, Decision['room']>,
  onlyRoom: string
): Promise<number[]> {
  const { where, params } = await conditionSql(ctx, orgId, c, now)
  where.push('r.id = ?')
  params.push(onlyRoom)
  const rows = await ctx.all<{ id: string; seq: number; title: string | null; type: string; last_activity: string }>(
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

/** A space with something to erase, as numbers: what `planned` makes an object of. */
interface Erasing {
  seq: number
  deletion: boolean
  messages: number
  beforeMs?: number
}

/**
 * Each space with something to erase now (spaces to delete first, then message deletions; a message
 * decision with nothing old enough is none), counted from the index's message times (a binary search per
 * space), without making an object of it.
 */
async function * erasing (ctx: Ctx, d: Decided): AsyncGenerator<Erasing> {
  const roomId = (seq: number): string => d.known.get(seq)?.id ?? d.only?.id ?? searchIndex(ctx).space(seq).id
  for (const deletions of [true, false]) {
    for (const seq of decidedSeqs(d)) {
      const o = d.overrides.get(seq)
      const deletion = !o && d.space[seq] >= 0
      if (deletion !== deletions) continue
      if (deletion) {
        yield { seq, deletion, messages: await messageCount(ctx, d, seq, roomId(seq)) }
        continue
      }
      const days = o ? (o.days ?? 0) : d.policies[d.msg[seq]].days + (d.extensions.get(seq) ?? 0)
      const beforeMs = d.now - days * DAY
      const messages = await messageCount(ctx, d, seq, roomId(seq), beforeMs)
      if (messages > 0) yield { seq, deletion, messages, beforeMs }
    }
  }
}

async function toPlanned (ctx: Ctx, d: Decided, held: Held, e: Erasing): Promise<Planned> {
  const p = decisionAt(ctx, d, e.seq) as Planned
  p.messages = e.messages
  if (e.beforeMs !== undefined) p.before = new Date(e.beforeMs).toISOString()
  const hold = await held.of(e.seq)
  if (hold) p.hold = hold
  return p
}

/** Every space with something to erase now, or kept by a hold from it, as objects (held spaces marked). */
export async function planned (ctx: Ctx, orgId: string, now: number, onlyRoom?: string): Promise<Planned[]> {
  const d = await decideAll(ctx, orgId, now, onlyRoom)
  const held = await heldSpaces(ctx, orgId, onlyRoom)
  const out: Planned[] = []
  for await (const e of erasing(ctx, d)) out.push(await toPlanned(ctx, d, held, e))
  return out
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

const toItem = (p: Planned, title: string): PlanItem => ({
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
async function * planItemsOf (ctx: Ctx, caller: Caller, items: Planned[]): AsyncGenerator<PlanItem> {
  for (let i = 0; i < items.length; i += 500) {
    const page = items.slice(i, i + 500)
    const missing = page.filter(p => p.room.title === undefined).map(p => p.room.seq)
    const titles = new Map(
      missing.length === 0
        ? []
        : (await ctx
            .all<{ seq: number; title: string | null }>(
              `SELECT seq, title FROM rooms WHERE seq IN (${missing.map(() => '?').join(',')})`,
              ...missing
            ))
            .map(r => [r.seq, r.title])
    )
    for (const p of page) {
      const title = p.room.title !== undefined ? p.room.title : (titles.get(p.room.seq) ?? null)
      yield toItem(
        p,
        await governedTitle(ctx, { id: p.room.id, type: p.room.type as 'direct' | 'group', title }, caller.personId)
      )
    }
  }
}

/**
 * The dry run: what executing now would erase, and why, and what legal holds keep. Changes nothing. The
 * totals are counted over the numbers; only the first 1000 items become objects.
 */
export async function plan (ctx: Ctx, caller: Caller, roomId?: string): Promise<Plan> {
  const only = roomId !== undefined ? (await orgRoom(ctx, caller, roomId)).id : undefined
  const d = await decideAll(ctx, caller.orgId, ctx.clock(), only)
  const held = await heldSpaces(ctx, caller.orgId, only)
  const shown: Planned[] = []
  let spaces = 0
  let messages = 0
  let spacesToDelete = 0
  let kept = 0
  for await (const e of erasing(ctx, d)) {
    if (shown.length < 1000) shown.push(await toPlanned(ctx, d, held, e))
    if (held.has(e.seq)) {
      kept++
      continue
    }
    spaces++
    messages += e.messages
    if (e.deletion) spacesToDelete++
  }
  const items: PlanItem[] = []
  for await (const item of planItemsOf(ctx, caller, shown)) items.push(item)
  return { spaces, messages, spacesToDelete, held: kept, items }
}

export async function planItems (ctx: Ctx, caller: Caller, roomId?: string): Promise<AsyncIterable<PlanItem>> {
  const only = roomId !== undefined ? (await orgRoom(ctx, caller, roomId)).id : undefined
  return planItemsOf(ctx, caller, await planned(ctx, caller.orgId, ctx.clock(), only))
}

/**
 * Carries out the plan as of now. Each space (and each chunk of 500 messages) is its own transaction with
 * its events and audit record, so an interrupted run leaves finished work done and a re-run finishes the
 * rest; nothing can be erased twice. Held spaces are skipped.
 */
export async function execute (
  ctx: Ctx,
  orgId: string,
  actorId: string | undefined,
  roomLocalId?: string
): Promise<ExecuteResult> {
  const items = (await planned(ctx, orgId, ctx.clock(), roomLocalId)).filter(p => !p.hold)
  let messages = 0
  let spacesDeleted = 0
  for (const p of items) {
    const actor = actorId ?? p.actorId
    if (p.action === 'deleteSpace') {
      await ctx.tx(async () => {
        const room = await ctx.room(p.room.id)
        if (!room) return
        const n = await (await ctx.get<{ n: number }>(
          'SELECT count(*) AS n FROM messages WHERE room_id = ?',
          room.id
        ))?.n ?? 0
        await eraseRoom(ctx, room, actor)
        await audit(ctx, {
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
      const n = await ctx.tx(async () => {
        const room = await ctx.room(p.room.id) as RoomRow | undefined
        if (!room) return 0
        const rows = await ctx.all<MessageRow>(
          'SELECT * FROM messages WHERE room_id = ? AND created < ? ORDER BY seq LIMIT 500',
          room.id,
          p.before
        )
        for (const m of rows) await removeMessage(ctx, room, m, actor)
        if (rows.length > 0) {
          await audit(ctx, {
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
