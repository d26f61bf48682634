import type { PostgresStore } from '../postgres.js'

/** A lease held: `fence` grows with every change of holder, so writes can be refused to an earlier one. */
export interface Lease {
  name: string
  fence: number
}

/** Now in ms: the given clock's (tests), else the database's, the same for every instance. */
const NOW = 'coalesce(CAST(? AS bigint), (extract(epoch FROM clock_timestamp()) * 1000)::bigint)'

/**
 * Leases with expiry on PostgreSQL (table `leases`): one holder per name until it stops renewing, then any
 * other instance may take it. For the delivery lanes: an instance works a subscription's lane only while it
 * holds `lane:<subscription>`, and guards its writes with `holds()` so a holder that lost the lease (paused,
 * partitioned) cannot write over its successor.
 */
export class Leases {
  constructor (
    private readonly store: PostgresStore,
    /** This instance, as lease holder. */
    readonly holder: string,
    readonly ttlMs: number,
    private readonly now?: () => number
  ) {}

  private t (): number | null {
    return this.now?.() ?? null
  }

  /** Takes `name` if it is free, expired or already ours (then renews it); undefined while another holds it. */
  async acquire (name: string): Promise<Lease | undefined> {
    const row = await this.store.get<{ fence: number }>(
      `INSERT INTO leases (name, holder, fence, expires_at) VALUES (?, ?, 1, ${NOW} + ?)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
        fence = CASE WHEN leases.holder = excluded.holder THEN leases.fence ELSE leases.fence + 1 END
      WHERE leases.holder = excluded.holder OR leases.expires_at <= excluded.expires_at - ?
      RETURNING fence`,
      name,
      this.holder,
      this.t(),
      this.ttlMs,
      this.ttlMs
    )
    return row ? { name, fence: row.fence } : undefined
  }

  /** Extends a lease held; false once another holder has taken it. */
  async renew (lease: Lease): Promise<boolean> {
    const changed = await this.store.run(
      `UPDATE leases SET expires_at = ${NOW} + ? WHERE name = ? AND holder = ? AND fence = ?`,
      this.t(),
      this.ttlMs,
      lease.name,
      this.holder,
      lease.fence
    )
    return changed === 1
  }

  /** Gives a lease up at once (its fence stays, so the next holder's is higher). */
  async release (lease: Lease): Promise<void> {
    await this.store.run(
      'UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND fence = ?',
      lease.name,
      this.holder,
      lease.fence
    )
  }

  async holderOf (name: string): Promise<{ holder: string; fence: number; expiresAt: number } | undefined> {
    const row = await this.store.get<{ holder: string; fence: number; expires_at: number }>(
      `SELECT holder, fence, expires_at FROM leases WHERE name = ? AND expires_at > ${NOW}`,
      name,
      this.t()
    )
    return row ? { holder: row.holder, fence: row.fence, expiresAt: row.expires_at } : undefined
  }

  /**
   * Inside a transaction: is `lease` still ours? The lease's row stays locked (FOR SHARE) until the transaction
   * ends, so a takeover waits for it and the next holder sees what it wrote. A write guarded by this never
   * lands after a takeover. Expiry is not checked: until someone takes it over, the work is still ours.
   */
  async holds (lease: Lease): Promise<boolean> {
    if (!this.store.inTransaction()) throw new Error('Leases.holds() guards a transaction: call it inside one.')
    const row = await this.store.get(
      'SELECT 1 AS held FROM leases WHERE name = ? AND holder = ? AND fence = ? FOR SHARE',
      lease.name,
      this.holder,
      lease.fence
    )
    return row !== undefined
  }
}

export interface KeeperOptions {
  onAcquired(lease: Lease): void
  onLost(name: string): void
  /** How often to renew and to try the leases wanted; default a third of the ttl. */
  intervalMs?: number
  /** false: no timer, tests call tick(). */
  timers?: boolean
  /** The local clock deciding when a lease that could not be renewed counts as lost. */
  clock?: () => number
}

/**
 * Keeps the leases an instance wants: renews those it holds, takes over those whose holder stopped renewing
 * (a dead instance's lanes are taken within ttl + interval), and gives up, before its expiry, a lease it could
 * not renew (the database unreachable): nobody works a lane twice.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, { lease: Lease; until: number }>()
  private readonly wanted = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private readonly clock: () => number

  constructor (
    private readonly leases: Leases,
    private readonly opts: KeeperOptions
  ) {
    this.clock = opts.clock ?? Date.now
  }

  want (name: string): void {
    this.wanted.add(name)
  }

  /** Stops wanting `name`, releasing it if held. */
  async drop (name: string): Promise<void> {
    this.wanted.delete(name)
    const h = this.held.get(name)
    if (!h) return
    this.held.delete(name)
    await this.leases.release(h.lease).catch(() => undefined)
  }

  /** The lease on `name`, while held and not past the time its last renewal vouches for. */
  lease (name: string): Lease | undefined {
    const h = this.held.get(name)
    return h && this.clock() < h.until ? h.lease : undefined
  }

  start (): void {
    if (this.opts.timers === false || this.timer) return
    this.timer = setInterval(
      () => {
        void this.tick()
      },
      this.opts.intervalMs ?? Math.max(1, this.leases.ttlMs / 3)
    )
    this.timer.unref()
  }

  /** One round: renew what is held, try what is wanted. Overlapping calls share one round. */
  tick (): Promise<void> {
    this.ticking ??= this.round().finally(() => {
      this.ticking = undefined
    })
    return this.ticking
  }

  private async round (): Promise<void> {
    for (const [name, h] of [...this.held]) {
      const started = this.clock()
      const renewed = await this.leases.renew(h.lease).catch(() => undefined)
      if (renewed === true) {
        h.until = started + this.leases.ttlMs
      } else if (renewed === false || this.clock() >= h.until) {
        this.held.delete(name)
        this.opts.onLost(name)
      }
    }
    for (const name of this.wanted) {
      if (this.held.has(name)) continue
      const started = this.clock()
      const lease = await this.leases.acquire(name).catch(() => undefined)
      if (!lease) continue
      this.held.set(name, { lease, until: started + this.leases.ttlMs })
      this.opts.onAcquired(lease)
    }
  }

  /** Stops the timer and releases every lease held, so others take them over at once. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.ticking
    for (const name of [...this.held.keys()]) await this.drop(name)
  }
}
