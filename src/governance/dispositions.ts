import type { FastifyBaseLogger } from 'fastify'
import { BadRequestError } from '../errors.js'
import { encodeId } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import type { Disposition, DispositionSettings } from '../schemas/governance.js'
import type { SpaceActions } from './actions.js'
import { orgRoom } from './access.js'
import { audit } from './audit.js'
import { heldSpaces } from './holds.js'
import { decideAll, decidedSeqs, decisionAt, type Decision } from './retention.js'
import { governedTitle, searchIndex } from './search.js'

const DAY = 86_400_000

interface Upcoming {
  decision: Decision
  due: number
  title: string
  excluded: boolean
}

/**
 * Disposition notices: N days before a space (or, the first time, its messages) falls due under a policy,
 * for each N of the policy's noticeDays, the space's moderators (or its members, when it has none) get a
 * direct message from the officer who made the policy, and the "When a space is due for deletion" trigger
 * fires. A notice is sent once per space, policy, tier and due date: a space that becomes active again is
 * due later, and is told again when that date comes near. Officers extend a space's deadline or exclude it
 * from notices; held spaces fall due for nothing.
 */
export class Dispositions {
  constructor (
    private readonly ctx: Ctx,
    private readonly actions: SpaceActions,
    private readonly log?: FastifyBaseLogger
  ) {}

  /**
   * Every decision that falls due within `horizonDays` of now, held spaces left out: the decisions as they
   * would be at the horizon if nothing changed, each with the moment it falls due. A space's message
   * deletion falls due when its oldest message becomes older than the period.
   */
  private async upcoming (
    orgId: string,
    viewerId: string,
    now: number,
    horizonDays: number,
    onlyRoom?: string
  ): Promise<Upcoming[]> {
    const ctx = this.ctx
    const horizon = now + horizonDays * DAY
    const held = await heldSpaces(ctx, orgId, onlyRoom)
    // With the Webex backend, the message index of the spaces decided is read first (once per space).
    await this.actions.prepare(orgId, await decideAll(ctx, orgId, horizon, onlyRoom))
    const d = await decideAll(ctx, orgId, horizon, onlyRoom)
    const excluded = new Set(
      (await ctx
        .all<{ room_id: string }>('SELECT room_id FROM disposition_settings WHERE notices_excluded = 1'))
        .map(r => r.room_id)
    )
    const out: Upcoming[] = []
    for (const seq of decidedSeqs(d)) {
      if (held.has(seq)) continue
      const deletion = d.space[seq] >= 0 && !d.overrides.has(seq)
      const roomId = d.known.get(seq)?.id ?? d.only?.id ?? searchIndex(ctx).space(seq).id
      // A space falls due from its last activity; its messages from the oldest of them.
      const from = deletion
        ? (d.known.get(seq)?.activeMs ?? searchIndex(ctx).activeMs(seq))
        : d.only
          ? Date.parse(
            await (await ctx.get<{ c: string | null }>(
              'SELECT min(created) AS c FROM messages WHERE room_id = ?',
              roomId
            ))?.c ??
                'none'
          )
          : searchIndex(ctx).oldestMessageMs(seq)
      if (from === undefined || Number.isNaN(from)) continue
      const o = d.overrides.get(seq)
      const days = o
        ? (o.days ?? 0)
        : d.policies[deletion ? d.space[seq] : d.msg[seq]].days + (d.extensions.get(seq) ?? 0)
      const due = from + days * DAY
      if (due <= now || due > horizon) continue
      out.push({ decision: decisionAt(ctx, d, seq) as Decision, due, title: '', excluded: excluded.has(roomId) })
    }
    for (const u of out) {
      const r = await ctx.get<{ title: string | null }>('SELECT title FROM rooms WHERE id = ?', u.decision.room.id)
      u.title = await governedTitle(
        ctx,
        { id: u.decision.room.id, type: u.decision.room.type as 'direct' | 'group', title: r?.title ?? null },
        viewerId
      )
    }
    return out.sort((a, b) => a.due - b.due)
  }

  private toDisposition (u: Upcoming, now: number): Disposition {
    const d = u.decision
    return {
      roomId: encodeId('ROOM', d.room.id),
      title: u.title,
      action: d.action,
      due: new Date(u.due).toISOString(),
      daysLeft: Math.ceil((u.due - now) / DAY),
      decidedBy: d.by,
      ...(d.policy ? { policyName: d.policy.name } : {}),
      extraDays: d.extraDays,
      noticesExcluded: u.excluded,
    }
  }

  /** What falls due within `withinDays`, soonest first. */
  async list (caller: Caller, withinDays: number, roomId?: string): Promise<Disposition[]> {
    const now = this.ctx.clock()
    const only = roomId !== undefined ? (await orgRoom(this.ctx, caller, roomId)).id : undefined
    return (await this.upcoming(caller.orgId, caller.personId, now, withinDays, only))
      .slice(0, 1000)
      .map(u => this.toDisposition(u, now))
  }

  /**
   * Sends the notices due now for one organisation: per space, the most urgent tier reached and not yet
   * sent. Each notice is recorded (with its trigger event and audit record) after its messages went out; a
   * failed send is logged and tried again at the next run.
   */
  async notify (orgId: string): Promise<{ notices: number; recipients: number }> {
    const ctx = this.ctx
    const now = ctx.clock()
    const policies = await ctx.all<{ notice_days: string }>(
      "SELECT notice_days FROM retention_policies WHERE org_id = ? AND enabled = 1 AND notice_days <> '[]'",
      orgId
    )
    const horizon = Math.max(0, ...policies.flatMap(p => JSON.parse(p.notice_days) as number[]))
    if (horizon === 0) return { notices: 0, recipients: 0 }
    let notices = 0
    let recipients = 0
    for (const u of await this.upcoming(orgId, '', now, horizon)) {
      const d = u.decision
      if (u.excluded || !d.policy) continue
      const tiers = (JSON.parse(d.policy.notice_days) as number[]).filter(n => u.due - now <= n * DAY)
      if (tiers.length === 0) continue
      const tier = Math.min(...tiers)
      // A space deletion is told once per due date; a message deletion once per policy and period.
      const key = d.action === 'deleteSpace' ? new Date(u.due).toISOString().slice(0, 10) : `first:${d.days}`
      if (
        await ctx.get(
          'SELECT 1 FROM disposition_notices WHERE room_id = ? AND decided_by = ? AND tier = ? AND due = ?',
          d.room.id,
          d.by,
          tier,
          key
        )
      ) {
        continue
      }
      const to = await this.recipients(orgId, d.room.id)
      const item = this.toDisposition(u, now)
      const text =
        d.action === 'deleteSpace'
          ? `The space **${u.title}** will be deleted with all its content on ${item.due.slice(0, 10)} (in ` +
            `${item.daysLeft} days) under the retention policy "${d.policy.name}", unless it becomes active again.`
          : `Messages in the space **${u.title}** older than ${d.days} days will start being deleted on ` +
            `${item.due.slice(0, 10)} (in ${item.daysLeft} days) under the retention policy "${d.policy.name}".`
      let sent = 0
      for (const email of to) {
        try {
          await this.actions.notify(d.policy.created_by, email, text)
          sent++
        } catch (err) {
          this.log?.warn({ err, room: d.room.id, email }, 'a disposition notice could not be sent')
        }
      }
      if (sent < to.length) continue
      await ctx.tx(async () => {
        await ctx.run(
          'INSERT INTO disposition_notices (room_id, decided_by, tier, due, sent, recipients) ' +
            'VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING',
          d.room.id,
          d.by,
          tier,
          key,
          ctx.now(),
          sent
        )
        await ctx.emit({
          resource: 'dispositions',
          event: 'due',
          actorId: d.policy!.created_by,
          roomId: d.room.id,
          orgId,
          data: { ...item, tier, recipients: sent, policyId: d.by },
        })
        await audit(ctx, {
          orgId,
          actorId: d.policy!.created_by,
          policyId: d.by,
          roomId: d.room.id,
          action: 'disposition.noticed',
          detail: { ...item, tier, recipients: to },
        })
      })
      notices++
      recipients += sent
    }
    return { notices, recipients }
  }

  /** The space's moderators of the organisation, or its members of the organisation when it has no moderator. */
  private async recipients (orgId: string, roomId: string): Promise<string[]> {
    const rows = await this.ctx.all<{ email: string; is_moderator: number }>(
      `SELECT p.email, m.is_moderator FROM memberships m JOIN people p ON p.id = m.person_id
      WHERE m.room_id = ? AND p.org_id = ? ORDER BY p.email`,
      roomId,
      orgId
    )
    const moderators = rows.filter(r => r.is_moderator === 1)
    return (moderators.length > 0 ? moderators : rows).map(r => r.email)
  }

  async settings (caller: Caller, roomId: string): Promise<DispositionSettings> {
    const room = await orgRoom(this.ctx, caller, roomId)
    const row = await this.ctx.get<{ extra_days: number; notices_excluded: number; updated: string }>(
      'SELECT * FROM disposition_settings WHERE room_id = ?',
      room.id
    )
    return {
      roomId: encodeId('ROOM', room.id),
      extraDays: row?.extra_days ?? 0,
      noticesExcluded: row?.notices_excluded === 1,
      ...(row ? { updated: row.updated } : {}),
    }
  }

  /** Moves the space's deadline under its policies back by `days` (cumulative); audited. */
  extend (caller: Caller, roomId: string, days: number, reason?: string): Promise<DispositionSettings> {
    return this.change(
      caller,
      roomId,
      'disposition.extended',
      { days, ...(reason ? { reason } : {}) },
      (extra, ex) => [extra + days, ex]
    )
  }

  /** Excludes the space from notices (true) or includes it again (false); its deadline is unchanged. */
  exclude (caller: Caller, roomId: string, excluded: boolean, reason?: string): Promise<DispositionSettings> {
    return this.change(
      caller,
      roomId,
      excluded ? 'disposition.excluded' : 'disposition.included',
      reason ? { reason } : {},
      extra => [extra, excluded ? 1 : 0]
    )
  }

  private async change (
    caller: Caller,
    roomId: string,
    action: string,
    detail: Record<string, unknown>,
    next: (extraDays: number, excluded: number) => [number, number]
  ): Promise<DispositionSettings> {
    const ctx = this.ctx
    return await ctx.tx(async () => {
      const room = await orgRoom(ctx, caller, roomId)
      const row = await ctx.get<{ extra_days: number; notices_excluded: number }>(
        'SELECT * FROM disposition_settings WHERE room_id = ?',
        room.id
      )
      const [extra, excluded] = next(row?.extra_days ?? 0, row?.notices_excluded ?? 0)
      if (extra > 36500) throw new BadRequestError('A space can be extended by at most 36500 days in all.')
      await ctx.run(
        `INSERT INTO disposition_settings (room_id, extra_days, notices_excluded, updated_by, updated)
        VALUES (?,?,?,?,?)
        ON CONFLICT (room_id) DO UPDATE SET extra_days = excluded.extra_days,
        notices_excluded = excluded.notices_excluded,
        updated_by = excluded.updated_by, updated = excluded.updated`,
        room.id,
        extra,
        excluded,
        caller.personId,
        ctx.now()
      )
      await audit(ctx, { orgId: caller.orgId, actorId: caller.personId, roomId: room.id, action, detail })
      return this.settings(caller, roomId)
    })
  }
}
