import type { FastifyBaseLogger } from 'fastify'
import type { Ctx } from '../store/ctx.js'
import type { SpaceActions } from './actions.js'
import type { Dispositions } from './dispositions.js'
import type { ScheduleSlots } from '../store/cluster/slots.js'

export interface ScheduleOptions {
  log?: FastifyBaseLogger
  /** Several instances on PostgreSQL: the day's run is the one instance's that takes its slot. */
  slots?: ScheduleSlots
  /** How often the timer looks at the clock (default a minute). */
  tickMs?: number
}

/**
 * The daily retention run: once a day, at the first tick at or after `at` (UTC, HH:MM), every organisation
 * with enabled policies or manual retention is executed, then its disposition notices are sent. The last run
 * day is kept in memory; a restart on the same day after `at` runs again, which is harmless because a run
 * erases only what is due and a notice is sent once. With several instances each has the timer, and the day's
 * slot (cluster/slots.ts) decides which one runs; a run that fails gives the slot back for the next tick.
 */
export class RetentionSchedule {
  private lastRunDay: string | undefined
  /** The last day another instance had the run (logged once a day). */
  private yieldedDay: string | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined

  constructor (
    private readonly ctx: Ctx,
    private readonly actions: SpaceActions,
    private readonly dispositions: Dispositions,
    private readonly at: string,
    private readonly opts: ScheduleOptions = {}
  ) {}

  private get log (): FastifyBaseLogger | undefined {
    return this.opts.log
  }

  /** Runs if due at `now`; returns the organisations it ran for. */
  async tick (now: number): Promise<string[]> {
    const iso = new Date(now).toISOString()
    const day = iso.slice(0, 10)
    if (this.lastRunDay === day || iso.slice(11, 16) < this.at) return []
    const slots = this.opts.slots
    // Another instance took today's run: this one asks again next tick, in case that run fails and gives it back.
    if (slots && !(await slots.take('retention', day, now))) {
      if (this.yieldedDay !== day) this.log?.info({ day }, "today's retention run is another instance's")
      this.yieldedDay = day
      return []
    }
    this.lastRunDay = day
    try {
      return await this.runAll()
    } catch (err) {
      await slots?.release('retention', day)
      throw err
    }
  }

  private async runAll (): Promise<string[]> {
    const orgs = (await this.ctx
      .all<{ org_id: string }>(
        `SELECT org_id FROM retention_policies WHERE enabled = 1
      UNION SELECT r.org_id FROM retention_overrides o ${this.ctx.dialect.orderedJoin} rooms r ON r.id = o.room_id`
      ))
      .map(r => r.org_id)
    for (const org of orgs) {
      const result = await this.actions.execute(org, undefined)
      const notices = await this.dispositions.notify(org)
      this.log?.info({ org, ...result, ...notices }, 'scheduled retention run')
    }
    return orgs
  }

  start (): void {
    this.timer = setInterval(() => {
      // One run at a time: a run through Webex can outlast the minute.
      this.running ??= this.tick(this.ctx.clock())
        .catch((err: unknown) => this.log?.error({ err }, 'scheduled retention run failed'))
        .finally(() => {
          this.running = undefined
        })
    }, this.opts.tickMs ?? 60_000)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer) clearInterval(this.timer)
  }
}
