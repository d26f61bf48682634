import type { FastifyBaseLogger } from 'fastify'
import type { Ctx } from '../backends/embedded/context.js'
import { execute } from './retention.js'

/**
 * The daily retention run: once a day, at the first tick at or after `at` (UTC, HH:MM), every organisation
 * with enabled policies or manual retention is executed. The last run day is kept in memory; a restart on
 * the same day after `at` runs again, which is harmless because a run erases only what is due.
 */
export class RetentionSchedule {
  private lastRunDay: string | undefined
  private timer: NodeJS.Timeout | undefined

  constructor (
    private readonly ctx: Ctx,
    private readonly at: string,
    private readonly log?: FastifyBaseLogger
  ) {}

  /** Runs if due at `now`; returns the organisations it ran for. */
  tick (now: number): string[] {
    const iso = new Date(now).toISOString()
    const day = iso.slice(0, 10)
    if (this.lastRunDay === day || iso.slice(11, 16) < this.at) return []
    this.lastRunDay = day
    const orgs = this.ctx
      .all<{ org_id: string }>(
        `SELECT org_id FROM retention_policies WHERE enabled = 1
      UNION SELECT r.org_id FROM retention_overrides o JOIN rooms r ON r.id = o.room_id`
      )
      .map(r => r.org_id)
    for (const org of orgs) {
      const result = execute(this.ctx, org, undefined)
      this.log?.info({ org, ...result }, 'scheduled retention run')
    }
    return orgs
  }

  start (): void {
    this.timer = setInterval(() => {
      try {
        this.tick(this.ctx.clock())
      } catch (err) {
        this.log?.error({ err }, 'scheduled retention run failed')
      }
    }, 60_000)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer) clearInterval(this.timer)
  }
}
