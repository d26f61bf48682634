import type { FastifyBaseLogger } from 'fastify'
import type { PostgresStore } from '../postgres.js'
import { LeaseKeeper, Leases } from './leases.js'

/** The lease that says an instance is alive: `instance:<its store's instanceId>`. */
export const instanceLease = (instance: string): string => `instance:${instance}`

/**
 * SQL true when the instance named by `column` holds its liveness lease now (by the database's clock): the
 * condition under which its Running runs and its search horizon still count.
 */
export const aliveSql = (column: string): string =>
  `EXISTS (SELECT 1 FROM leases l WHERE l.name = 'instance:' || ${column}
    AND l.expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint)`

export interface PresenceOptions {
  /** How long the lease lasts unrenewed: an instance killed is known dead this long after its last renewal. */
  ttlMs: number
  log?: FastifyBaseLogger
  /** false: no timer (tests call tick()). */
  timers?: boolean
}

/**
 * This instance's liveness in the cluster: a lease renewed every third of its ttl (store/cluster/leases.ts), and
 * the periodic work that depends on who is alive, run after each renewal (flow runs of dead instances, the
 * search index's horizon). Stopping releases the lease, so the others need not wait for it to expire.
 */
export class Presence {
  readonly id: string
  private readonly keeper: LeaseKeeper
  private readonly work: Array<() => Promise<void>> = []
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private held = false

  constructor (
    store: PostgresStore,
    private readonly opts: PresenceOptions
  ) {
    this.id = store.instanceId
    this.keeper = new LeaseKeeper(new Leases(store, this.id, opts.ttlMs), {
      timers: false,
      onAcquired: () => {
        this.held = true
      },
      onLost: () => {
        this.held = false
        opts.log?.warn(
          'This instance lost its liveness lease (the database unreachable?): the others may take its work.'
        )
      },
    })
    this.keeper.want(instanceLease(this.id))
  }

  /** Whether this instance holds its lease (it has renewed it within the ttl). */
  get alive (): boolean {
    return this.held
  }

  /** Work to run after every renewal (failures are logged, the next round runs it again). */
  every (fn: () => Promise<void>): void {
    this.work.push(fn)
  }

  /** Takes the lease (failing if the database cannot be reached), then renews it on a timer. */
  async start (): Promise<void> {
    await this.keeper.tick()
    if (!this.held) throw new Error(`The liveness lease of instance ${this.id} could not be taken.`)
    if (this.opts.timers === false) return
    this.timer = setInterval(() => {
      void this.tick()
    }, Math.max(1, Math.floor(this.opts.ttlMs / 3)))
    this.timer.unref()
  }

  /** One round: renew, then the periodic work. Overlapping calls share one round. */
  tick (): Promise<void> {
    this.ticking ??= this.round().finally(() => {
      this.ticking = undefined
    })
    return this.ticking
  }

  private async round (): Promise<void> {
    await this.keeper.tick()
    for (const fn of this.work) {
      await fn().catch((err: unknown) =>
        this.opts.log?.error({ err }, 'Cluster housekeeping failed; retried next round.')
      )
    }
  }

  /** Stops the timer and releases the lease. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.ticking
    await this.keeper.stop()
    this.held = false
  }
}
