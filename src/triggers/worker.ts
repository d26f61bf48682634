import type { FastifyBaseLogger } from 'fastify'
import type { AsyncStore } from '../store/db.js'
import {
  DELIVERY_SELECT,
  deliveryId,
  type DeliveryRow,
  type TriggerRegistry,
  type SubscriptionRow,
} from './registry.js'
import { sign } from './signature.js'
import { HttpSender, type SendResult } from './sender.js'
import { StoreUnavailableError } from '../errors.js'

/** The store away (PostgreSQL stopped): how long until the outbox is scanned again. */
const UNAVAILABLE_RESCAN_MS = 1000

export interface DeliveryOptions {
  /** Attempts before a delivery is dead-lettered. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  timeoutMs: number
  /** Lanes (so deliveries) in flight at once; each subscription has at most one delivery in flight. */
  concurrency: number
  /** Consecutive failed attempts after which a subscription is marked inactive. */
  inactiveAfterFailures: number
  allowPrivateTargets: boolean
}

/** A failed attempt, as the outbox must record it. */
export interface Failure {
  subscriptionId: string
  seq: number
  attempts: number
  status: number | null
  error: string
  dead: boolean
  nextAttemptAt: number
  failures: number
  at: string
}

/**
 * Where the worker's outcomes are written. In-process that is the store itself; from the delivery thread the
 * outcomes travel to the main thread, which writes them, so only one thread ever writes the SQLite file.
 */
export interface OutboxWriter {
  delivered(through: Array<[string, number]>, resetStreak: string[]): Promise<void>
  failed(f: Failure): Promise<void>
  deactivate(subscriptionId: string, reason: string): Promise<void>
}

export class LocalOutboxWriter implements OutboxWriter {
  constructor (
    private readonly store: AsyncStore,
    private readonly registry: TriggerRegistry
  ) {}

  async delivered (through: Array<[string, number]>, resetStreak: string[]): Promise<void> {
    // Watermarks ride along with the turn's other writes; a reset streak changes what the registry caches,
    // and another thread re-reads that at once, so it commits first.
    const write = resetStreak.length > 0 ? this.store.tx.bind(this.store) : this.store.txGrouped.bind(this.store)
    await write(async () => {
      for (const [id, seq] of through) {
        await this.store.run(
          `UPDATE subscriptions SET delivered_through = ${this.store.dialect.greatest('delivered_through', '?')}
          WHERE id = ?`,
          seq,
          id
        )
        // Delivered rows go at once, by index range: a purge of all subscriptions at once scanned every pending row.
        await this.store.run(
          "DELETE FROM deliveries WHERE subscription_id = ? AND status = 'pending' AND seq <= ?",
          id,
          seq
        )
      }
      for (const id of resetStreak) {
        await this.store.run('UPDATE subscriptions SET consecutive_failures = 0 WHERE id = ?', id)
      }
    })
    if (resetStreak.length > 0) this.registry.invalidate()
  }

  async failed (f: Failure): Promise<void> {
    await this.store.tx(async () => {
      await this.store.run(
        'UPDATE subscriptions SET consecutive_failures = ? WHERE id = ?',
        f.failures,
        f.subscriptionId
      )
      if (f.dead) {
        await this.store.run(
          "UPDATE deliveries SET status = 'dead', attempts = ?, last_status = ?, last_error = ?, finished = ? WHERE " +
            'seq = ?',
          f.attempts,
          f.status,
          f.error,
          f.at,
          f.seq
        )
      } else {
        await this.store.run(
          'UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ? WHERE seq = ?',
          f.attempts,
          f.status,
          f.error,
          f.nextAttemptAt,
          f.seq
        )
      }
    })
    this.registry.invalidate()
  }

  async deactivate (subscriptionId: string, reason: string): Promise<void> {
    await this.registry.deactivate(subscriptionId, reason)
  }
}

/** Outbox rows a lane reads at a time. */
const BATCH = 100

/**
 * Drains the outbox. Each subscription is a lane that sends its deliveries one at a time in order, so a
 * slow or failing receiver holds up only its own lane; lanes run side by side under a global concurrency
 * cap. A failed attempt is rescheduled with capped exponential backoff and jitter (or the receiver's
 * Retry-After), and the lane waits for it: order is never traded for throughput.
 *
 * Wakes on commits that queued deliveries and on a timer for the next retry. `timers: false` leaves the
 * timer out, so tests drive retries with an injected clock and `kick()`.
 */
export class DeliveryWorker {
  private readonly lanes = new Set<string>()
  /** Running lanes that were woken (new work committed) since their last read of the outbox. */
  private readonly rewoken = new Set<string>()
  /** Lanes with work that wait for one of the `concurrency` slots, in arrival order. */
  private readonly waiting = new Set<string>()
  private readonly sender: HttpSender
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private idleWaiters: Array<() => void> = []
  /** Subscriptions whose watermark moved since the last flush, and those of them with a success. */
  private readonly dirty = new Set<string>()
  private readonly succeeded = new Set<string>()
  /** Per subscription, the last outbox seq delivered or given up (ahead of the stored watermark until a flush). */
  private readonly handled = new Map<string, number>()
  /** What this worker knows before the store does (outcomes may still be on their way to the writer). */
  private readonly retries = new Map<string, { seq: number; attempts: number; due: number }>()
  private readonly failures = new Map<string, number>()
  private readonly inactive = new Set<string>()
  private readonly writer: OutboxWriter
  private flushScheduled = false
  private stopped = false

  constructor (
    private readonly store: AsyncStore,
    private readonly registry: TriggerRegistry,
    private readonly opts: DeliveryOptions & {
      random?: () => number
      timers?: boolean
      log?: FastifyBaseLogger
      /** false when commits happen in another thread, which calls `wake` itself. */
      wakeOnCommit?: boolean
      /**
       * How long delivered watermarks may wait to be written (0: the end of this event-loop turn). The delivery
       * thread waits a little: each flush is a message to the main thread and a write there, and a crash within
       * the wait only means those deliveries go out again, which at-least-once allows.
       */
      flushDelayMs?: number
      writer?: OutboxWriter
    }
  ) {
    this.sender = new HttpSender({ timeoutMs: opts.timeoutMs, allowPrivateTargets: opts.allowPrivateTargets })
    this.writer = opts.writer ?? new LocalOutboxWriter(store, registry)
    registry.onRefresh(() => {
      this.refreshed().catch((err: unknown) => this.opts.log?.error({ err }, 'subscriptions not re-read'))
    })
    if (opts.wakeOnCommit !== false) store.onCommit(() => this.wake(this.registry.takeQueued()))
  }

  /** Starts the lanes of subscriptions that just got work: cheap, unlike a full scan, so it runs per commit. */
  wake (subscriptionIds: string[]): void {
    if (this.stopped) return
    for (const id of subscriptionIds) {
      if (this.lanes.has(id)) this.rewoken.add(id)
      else if (!this.waiting.has(id)) this.runLane(id)
    }
  }

  /**
   * Starts a lane for every subscription with pending deliveries; a lane whose next delivery is not due yet
   * arms the timer for it. A scan of the outbox: on start, on the retry timer, and by hand in tests.
   */
  async kick (): Promise<void> {
    if (this.stopped) return
    const subs = await this.store.all<{ subscription_id: string }>(
      "SELECT DISTINCT subscription_id FROM deliveries WHERE status = 'pending'"
    )
    this.wake(subs.map(s => s.subscription_id))
    this.settle()
  }

  /** Subscription rows were re-read: trust the store again, except where it has not caught up with us. */
  private async refreshed (): Promise<void> {
    this.failures.clear()
    for (const id of this.inactive) if ((await this.registry.current(id))?.status !== 'active') this.inactive.delete(id)
  }

  private async active (subscriptionId: string): Promise<SubscriptionRow | undefined> {
    const sub = await this.registry.current(subscriptionId)
    return sub && sub.status === 'active' && !this.inactive.has(subscriptionId) ? sub : undefined
  }

  /** A row as this worker knows it: a retry it scheduled may not be written yet. */
  private known (
    subscriptionId: string,
    d: { seq: number; attempts: number; next_attempt_at: number }
  ): { attempts: number; due: number } {
    const r = this.retries.get(subscriptionId)
    return r && r.seq === d.seq
      ? { attempts: r.attempts, due: r.due }
      : { attempts: d.attempts, due: d.next_attempt_at }
  }

  /** Resolves when no lane is running: every due delivery has been attempted. */
  idle (): Promise<void> {
    if (this.lanes.size === 0 && this.waiting.size === 0) return Promise.resolve()
    return new Promise(resolve => this.idleWaiters.push(resolve))
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.idle()
    await this.flushDelivered()
    await this.sender.close()
  }

  private arm (at: number, now: number): void {
    if (this.opts.timers === false || at === Infinity || at >= this.timerAt) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(
      async () => {
        this.timer = undefined
        this.timerAt = Infinity
        await this.kick().catch((err: unknown) => this.storeFailed(err, 'outbox scan failed'))
      },
      Math.max(0, at - now)
    )
    this.timer.unref()
  }

  /**
   * A lane or a scan failed. With the store away its work is still in the outbox, and no commit may come to wake
   * it: the timer scans the outbox again shortly (and again, while the store stays away).
   */
  private storeFailed (err: unknown, what: string, subscriptionId?: string): void {
    if (err instanceof StoreUnavailableError) {
      this.opts.log?.warn({ err, subscriptionId }, `${what}: the store is unavailable; the outbox is scanned again`)
      const now = this.store.clock()
      this.arm(now + UNAVAILABLE_RESCAN_MS, now)
    } else {
      this.opts.log?.error({ err, subscriptionId }, what)
    }
  }

  private settle (): void {
    if (this.lanes.size > 0 || this.waiting.size > 0) return
    const flushed =
      !this.opts.flushDelayMs || this.idleWaiters.length > 0 ? this.flushDelivered() : Promise.resolve()
    const waiters = this.idleWaiters
    this.idleWaiters = []
    // Idle means recorded too: whoever waits reads the outbox next.
    void flushed.then(() => {
      for (const w of waiters) w()
    })
  }

  private runLane (subscriptionId: string): void {
    if (this.lanes.size >= this.opts.concurrency) {
      this.waiting.add(subscriptionId)
      return
    }
    this.waiting.delete(subscriptionId)
    this.lanes.add(subscriptionId)
    let exhausted = false
    this.drain(subscriptionId)
      .then(
        e => {
          exhausted = e
        },
        err => this.storeFailed(err, 'delivery lane failed', subscriptionId)
      )
      .finally(async () => {
        this.lanes.delete(subscriptionId)
        // A lane that read its queue to the end and got no new work since has nothing to look at.
        if (!exhausted || this.rewoken.has(subscriptionId)) {
          // The store away (PostgreSQL): the lane resumes on the next wake or kick.
          await this.afterLane(subscriptionId).catch((err: unknown) =>
            this.storeFailed(err, 'delivery lane not resumed', subscriptionId)
          )
        }
        const next = this.waiting.values().next()
        if (!next.done && !this.stopped) this.runLane(next.value)
        this.settle()
      })
  }

  /** A lane stopped: go on if its next delivery is due after all, else wake up when it will be. */
  private async afterLane (subscriptionId: string): Promise<void> {
    this.rewoken.delete(subscriptionId)
    if (this.stopped) return
    const head = await this.store.get<{ seq: number; attempts: number; next_attempt_at: number }>(
      `SELECT seq, attempts, next_attempt_at FROM deliveries
      WHERE subscription_id = ? AND status = 'pending' AND seq > ? ORDER BY seq LIMIT 1`,
      subscriptionId,
      await this.through(subscriptionId)
    )
    if (!head || !await this.active(subscriptionId)) return
    const now = this.store.clock()
    const due = this.known(subscriptionId, head).due
    if (due <= now) this.runLane(subscriptionId)
    else this.arm(due, now)
  }

  /**
   * Sends the lane's deliveries in order. True when it read its queue to the end: a short batch needs no
   * second query unless work came in meanwhile (`rewoken`), which per commit saves two queries a lane.
   */
  private async drain (subscriptionId: string): Promise<boolean> {
    while (!this.stopped) {
      this.rewoken.delete(subscriptionId)
      const batch = await this.store.all<DeliveryRow>(
        `${DELIVERY_SELECT} WHERE d.subscription_id = ? AND d.status = 'pending' AND d.seq > ?
        ORDER BY d.seq LIMIT ${BATCH}`,
        subscriptionId,
        await this.through(subscriptionId)
      )
      if (batch.length === 0) return true
      for (const d of batch) {
        const known = this.known(subscriptionId, d)
        if (known.due > this.store.clock()) return false
        const sub = await this.active(subscriptionId)
        if (!sub) return false
        const result = await this.send(sub, d)
        if (result.outcome === 'delivered') {
          this.markDelivered(subscriptionId, d.seq)
          continue
        }
        await this.flushDelivered()
        if (!await this.recordFailure(sub, d, known.attempts, result)) return false
      }
      if (batch.length < BATCH && !this.rewoken.has(subscriptionId)) return true
    }
    return false
  }

  private send (sub: SubscriptionRow, d: DeliveryRow): Promise<SendResult> {
    const body = this.registry.envelope(sub, d)
    const headers: Record<string, string> = { 'user-agent': 'webex-spaces-connector' }
    if (sub.secret) headers['x-spark-signature'] = sign(body, sub.secret)
    return this.sender.post(sub.target_url, body, headers, this.store.clock())
  }

  private async through (subscriptionId: string): Promise<number> {
    let seq = this.handled.get(subscriptionId)
    if (seq === undefined) {
      seq = (await this.registry.current(subscriptionId))?.delivered_through ?? 0
      this.handled.set(subscriptionId, seq)
    }
    return seq
  }

  /**
   * A delivery is recorded by moving its subscription's watermark, once per turn of the event loop (or per
   * `flushDelayMs`) for all lanes: one small transaction for many deliveries. A crash before that redelivers
   * them, which at-least-once delivery allows. Delivered rows are deleted with it.
   */
  private markDelivered (subscriptionId: string, seq: number): void {
    this.retries.delete(subscriptionId)
    this.handled.set(subscriptionId, seq)
    this.dirty.add(subscriptionId)
    this.succeeded.add(subscriptionId)
    if (this.flushScheduled) return
    this.flushScheduled = true
    const delay = this.opts.flushDelayMs ?? 0
    const flush = (): void => {
      void this.flushDelivered()
    }
    if (delay > 0) setTimeout(flush, delay).unref()
    else setImmediate(flush)
  }

  /**
   * Writes the watermarks that moved. A write that fails (PostgreSQL away) is logged and not retried: those
   * deliveries go out again after a restart or a takeover, which at-least-once delivery allows.
   */
  private async flushDelivered (): Promise<void> {
    this.flushScheduled = false
    if (this.dirty.size === 0) return
    const ids = [...this.dirty]
    this.dirty.clear()
    const through = ids.map((id): [string, number] => [id, this.handled.get(id) ?? 0])
    // A success ends a failure streak; a dead letter moves the watermark but does not.
    const succeeded = [...this.succeeded]
    this.succeeded.clear()
    const streaks: string[] = []
    for (const id of succeeded) if ((await this.streak(id)) > 0) streaks.push(id)
    for (const id of streaks) this.failures.set(id, 0)
    await this.writer.delivered(through, streaks).catch((err: unknown) => {
      this.opts.log?.error({ err }, 'delivered watermarks not written')
    })
  }

  private async streak (subscriptionId: string): Promise<number> {
    return this.failures.get(subscriptionId) ?? (await this.registry.current(subscriptionId))?.consecutive_failures ?? 0
  }

  /** Records a failed attempt; true when the lane may go on to the next delivery. */
  private async recordFailure (
    sub: SubscriptionRow,
    d: DeliveryRow,
    previousAttempts: number,
    r: Exclude<SendResult, { outcome: 'delivered' }>
  ): Promise<boolean> {
    const now = this.store.clock()
    const attempts = previousAttempts + 1
    // A throttled receiver is not failing, and a refused target was never the receiver's doing.
    const counts = !(r.outcome === 'retry' && r.throttled) && r.outcome !== 'refused'
    const failures = (await this.streak(sub.id)) + (counts ? 1 : 0)
    this.failures.set(sub.id, failures)
    const dead = r.outcome === 'reject' || r.outcome === 'refused' || attempts >= this.opts.maxAttempts
    const wait = r.outcome === 'retry' && r.retryAfterMs !== undefined ? r.retryAfterMs : this.backoff(attempts)
    if (dead) this.retries.delete(sub.id)
    else this.retries.set(sub.id, { seq: d.seq, attempts, due: now + wait })
    await this.writer.failed({
      subscriptionId: sub.id,
      seq: d.seq,
      attempts,
      status: r.outcome === 'refused' ? null : (r.status ?? null),
      error: r.error,
      dead,
      nextAttemptAt: now + wait,
      failures,
      at: new Date(now).toISOString(),
    })
    this.opts.log?.warn(
      { subscriptionId: sub.id, delivery: deliveryId(d.seq), attempts, error: r.error, dead },
      'delivery failed'
    )
    if (failures >= this.opts.inactiveAfterFailures) {
      this.inactive.add(sub.id)
      await this.writer.deactivate(
        sub.id,
        `The webhook was marked inactive after ${failures} consecutive failed deliveries.`
      )
      this.opts.log?.warn({ subscriptionId: sub.id, failures }, 'webhook marked inactive')
      return false
    }
    // A dead-lettered delivery no longer holds up the ones behind it; a retry does.
    if (dead) {
      this.handled.set(sub.id, d.seq)
      this.dirty.add(sub.id)
    }
    return dead
  }

  /** Capped exponential backoff with equal jitter: half fixed, half random. */
  backoff (attempt: number): number {
    const ceiling = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1))
    return Math.round(ceiling / 2 + ((this.opts.random ?? Math.random)() * ceiling) / 2)
  }
}
