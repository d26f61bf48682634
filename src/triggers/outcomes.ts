import type { AsyncStore } from '../store/db.js'
import type { TriggerRegistry } from './registry.js'
import type { Failure, Outbox, Position } from './outbox.js'
import type { Subscriptions } from './subscriptions.js'

/**
 * Where the lanes' outcomes are written. In-process that is the store itself; from the delivery thread the
 * outcomes travel to the main thread, which writes them, so only one thread ever writes the SQLite file.
 * `through` is [subscription, tx, seq]: the position of the last row a lane delivered or gave up.
 */
export interface OutboxWriter {
  delivered(through: Array<[string, number, number]>, resetStreak: string[]): Promise<void>
  failed(f: Failure): Promise<void>
  deactivate(subscriptionId: string, reason: string): Promise<void>
}

/**
 * Inside the transaction of an outcome: may this instance still write for the subscription's lane? Several
 * instances on PostgreSQL: only the holder of the lane's lease, checked against its fence (cluster.ts), so an
 * instance that lost the lane (paused, cut off) never moves a watermark its successor owns.
 */
export type LaneFence = (subscriptionId: string) => Promise<boolean>

/** Delivered rows are purged at most this often: one bounded statement pair for a second of deliveries. */
const PURGE_EVERY_MS = 1000

export class LocalOutboxWriter implements OutboxWriter {
  private readonly outbox: Outbox
  private readonly subscriptions: Subscriptions
  private purgedAt = 0
  private purgeFrom: Position | undefined
  private purging = false

  constructor (
    private readonly store: AsyncStore,
    registry: TriggerRegistry,
    private readonly fence?: LaneFence,
    private readonly log?: { error(obj: object, msg: string): void }
  ) {
    this.outbox = registry.outbox
    this.subscriptions = registry.subscriptions
  }

  private async held (subscriptionId: string): Promise<boolean> {
    return !this.fence || await this.fence(subscriptionId)
  }

  async delivered (through: Array<[string, number, number]>, resetStreak: string[]): Promise<void> {
    // Watermarks ride along with the turn's other writes; a reset streak changes what the subscriptions' cache
    // holds, and another thread re-reads that at once, so it commits first.
    const write = resetStreak.length > 0 ? this.store.tx.bind(this.store) : this.store.txGrouped.bind(this.store)
    await write(async () => {
      const mine: Array<[string, number, number]> = []
      for (const t of through) if (await this.held(t[0])) mine.push(t)
      const reset: string[] = []
      for (const id of resetStreak) if (await this.held(id)) reset.push(id)
      await this.outbox.delivered(mine, reset)
    })
    if (resetStreak.length > 0) this.subscriptions.invalidate()
    this.purge()
  }

  async failed (f: Failure): Promise<void> {
    await this.store.tx(async () => {
      if (await this.held(f.subscriptionId)) await this.outbox.failed(f)
    })
    this.subscriptions.invalidate()
  }

  async deactivate (subscriptionId: string, reason: string): Promise<void> {
    await this.store.tx(async () => {
      if (!await this.held(subscriptionId)) return
      await this.outbox.deactivate(subscriptionId, reason)
      await this.subscriptions.changed()
    })
    this.subscriptions.invalidate()
  }

  /** Deletes delivered rows now and then, a chunk at a time, after the watermarks that allow it are written. */
  private purge (): void {
    const now = this.store.clock()
    if (this.purging || now - this.purgedAt < PURGE_EVERY_MS) return
    this.purging = true
    this.purgedAt = now
    this.store
      .txGrouped(() => this.outbox.purge(this.purgeFrom))
      .then(
        next => {
          this.purgeFrom = next
        },
        (err: unknown) => this.log?.error({ err }, 'delivered outbox rows not purged')
      )
      .finally(() => {
        this.purging = false
      })
  }
}
