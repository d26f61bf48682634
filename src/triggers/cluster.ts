import type { PostgresStore, StoreLog } from '../store/postgres.js'
import { LeaseKeeper, Leases } from '../store/cluster/leases.js'
import { Listener, notify } from '../store/cluster/notify.js'
import type { DeliveryLanes, LaneOwner } from './lanes.js'
import type { LaneFence } from './outcomes.js'
import type { TriggerRegistry } from './registry.js'

/** Notified, with the change's COMMIT, with the subscriptions an event was queued for. */
const OUTBOX_CHANNEL = 'webex_outbox'
/** PostgreSQL's limit on a payload is 8000 bytes: beyond it, every owner looks at every lane it holds. */
const PAYLOAD_MAX = 7900
const ALL = '*'

const laneName = (subscriptionId: string): string => `lane:${subscriptionId}`

export interface LaneLeaseOptions {
  /** How long a lane stays with an instance that stopped renewing it: a dead instance's lanes move after it. */
  ttlMs: number
  /** The connection LISTEN uses (DATABASE_URL). */
  connectionString: string
  log?: StoreLog & { info(obj: object, msg: string): void }
}

/**
 * Several instances on one PostgreSQL database: each subscription's lane is worked by one instance at a time,
 * the holder of its lease (`lane:<id>`, store/cluster/leases.ts). Every instance wants every lane; the first
 * to ask gets it and renews it every third of the ttl; when it dies (or stops), another takes it over within
 * ttl + a third and resumes from the watermark it left, so a delivery in flight at the death goes out again
 * (at least once) and order is kept. Outcomes are written only under the lease's fence (`fence`). A change on
 * any instance wakes the owner of its lanes through LISTEN/NOTIFY.
 */
export class LaneLeases implements LaneOwner {
  private readonly leases: Leases
  private readonly keeper: LeaseKeeper
  private readonly listener: Listener
  private lanes: DeliveryLanes | undefined
  private timer: NodeJS.Timeout | undefined
  private round: Promise<void> | undefined
  /** The lane leases asked for in the last round. */
  private wanting = new Set<string>()
  /** The lane leases asked for in the last round. */
  constructor (
    private readonly store: PostgresStore,
    private readonly registry: TriggerRegistry,
    private readonly opts: LaneLeaseOptions
  ) {
    this.leases = new Leases(store, store.instanceId, opts.ttlMs)
    this.keeper = new LeaseKeeper(this.leases, {
      timers: false,
      onAcquired: lease => {
        const id = lease.name.slice('lane:'.length)
        // Taken over: start from where the previous owner left the lane in the store.
        this.lanes?.forget(id)
        this.lanes?.wake([id])
      },
      onLost: name => this.lanes?.forget(name.slice('lane:'.length)),
    })
    this.listener = new Listener(
      { connectionString: opts.connectionString },
      opts.log ? { log: opts.log } : {}
    )
    // Each event's subscriptions are told to their lanes' owners when (and only if) the change commits.
    registry.fanOut.onQueued(ids => this.announce(ids))
  }

  /** The lanes this instance runs, which from now on work only the lanes it holds. */
  attach (lanes: DeliveryLanes): void {
    this.lanes = lanes
    lanes.ownedBy(this)
  }

  owns (subscriptionId: string): boolean {
    return this.keeper.lease(laneName(subscriptionId)) !== undefined
  }

  /**
   * Lanes with work that this instance does not hold: a round at once when one of them is new here (a
   * subscription just made), so its lane starts now rather than at the next renewal; lanes another instance
   * holds are its to work.
   */
  async claim (subscriptionIds: string[]): Promise<void> {
    const unknown = (): boolean => subscriptionIds.some(id => !this.wanting.has(laneName(id)))
    if (!unknown()) return
    await this.tick()
    // The round joined may have read the subscriptions before this one was committed: one more, read after.
    if (unknown()) await this.tick()
  }

  /** Inside an outcome's transaction: the lease still ours, its row locked until the transaction ends. */
  readonly fence: LaneFence = async subscriptionId => {
    const lease = this.keeper.lease(laneName(subscriptionId))
    return lease !== undefined && await this.leases.holds(lease)
  }

  private async announce (ids: string[]): Promise<void> {
    const payload = ids.join(',')
    await notify(this.store, OUTBOX_CHANNEL, payload.length > PAYLOAD_MAX ? ALL : payload)
  }

  async start (): Promise<void> {
    await this.listener.listen(OUTBOX_CHANNEL, payload => {
      if (payload === ALL) void this.kick()
      else this.lanes?.wake(payload.split(','))
    })
    // Notifications sent while the connection was away are lost: look at every lane held.
    this.listener.onReconnect(() => {
      void this.kick()
    })
    await this.listener.start()
    // Which instance a lease's holder is: the leases table names holders by this id.
    this.opts.log?.info({ instance: this.store.instanceId }, 'delivery lanes leased by this instance')
    await this.tick()
    this.timer = setInterval(() => {
      void this.tick()
    }, Math.max(1, Math.floor(this.opts.ttlMs / 3)))
    this.timer.unref()
  }

  private async kick (): Promise<void> {
    await this.lanes?.kick().catch((err: unknown) => this.opts.log?.warn({ err }, 'delivery lanes not scanned'))
  }

  /** One round: want the lease of every subscription sent over HTTP (and no other), renew, take what is free. */
  tick (): Promise<void> {
    this.round ??= this.wantAndKeep().finally(() => {
      this.round = undefined
    })
    return this.round
  }

  private async wantAndKeep (): Promise<void> {
    try {
      const subs = this.registry.subscriptions
      await subs.revalidate()
      const wanted = new Set<string>()
      for (const { row } of await subs.matchers()) {
        if (row.status === 'active' && !subs.isLocal(row.source)) wanted.add(laneName(row.id))
      }
      for (const name of wanted) this.keeper.want(name)
      for (const name of this.wanting) if (!wanted.has(name)) await this.keeper.drop(name)
      this.wanting = wanted
      await this.keeper.tick()
    } catch (err) {
      // The database away: the keeper gives up leases it cannot renew in time, and the next round tries again.
      this.opts.log?.warn({ err }, 'delivery lane leases not renewed')
    }
  }

  /** Releases every lane held, so the other instances take them over at once; call after the lanes stopped. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.round
    await this.keeper.stop()
    await this.listener.close()
  }
}
