import PQueue from 'p-queue'
import type { FastifyBaseLogger } from 'fastify'
import type { Store } from '../store/store.js'
import type { TriggerRegistry, SubscriptionRow } from './registry.js'
import { sign } from './signature.js'
import { HttpSender, type SendResult } from './sender.js'

export interface DeliveryOptions {
  /** Attempts before a delivery is dead-lettered. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  timeoutMs: number
  /** Deliveries in flight at once, across subscriptions (each subscription has at most one). */
  concurrency: number
  /** Consecutive failed attempts after which a subscription is marked inactive. */
  inactiveAfterFailures: number
  allowPrivateTargets: boolean
}

interface PendingRow { seq: number, id: string, subscription_id: string, body: string, attempts: number, next_attempt_at: number }

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
  private readonly queue: PQueue
  private readonly sender: HttpSender
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private idleWaiters: Array<() => void> = []
  private stopped = false

  constructor (
    private readonly store: Store,
    private readonly registry: TriggerRegistry,
    private readonly opts: DeliveryOptions & { random?: () => number, timers?: boolean, log?: FastifyBaseLogger }
  ) {
    this.queue = new PQueue({ concurrency: opts.concurrency })
    this.sender = new HttpSender({ timeoutMs: opts.timeoutMs, allowPrivateTargets: opts.allowPrivateTargets })
    store.onCommit(() => this.kick())
  }

  /** Starts a lane for every subscription whose next delivery is due; arms the timer for the earliest later one. */
  kick (): void {
    if (this.stopped) return
    const now = this.store.clock()
    const heads = this.store.all<{ subscription_id: string, due: number }>(
      `SELECT d.subscription_id, d.next_attempt_at AS due FROM deliveries d
       WHERE d.status = 'pending' AND d.seq = (SELECT min(seq) FROM deliveries WHERE subscription_id = d.subscription_id AND status = 'pending')`)
    let next = Infinity
    for (const h of heads) {
      if (this.lanes.has(h.subscription_id)) continue
      if (h.due <= now) this.runLane(h.subscription_id)
      else next = Math.min(next, h.due)
    }
    this.arm(next, now)
    this.settle()
  }

  /** Resolves when no lane is running: every due delivery has been attempted. */
  idle (): Promise<void> {
    if (this.lanes.size === 0) return Promise.resolve()
    return new Promise(resolve => this.idleWaiters.push(resolve))
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.idle()
    this.sender.close()
  }

  private arm (at: number, now: number): void {
    if (this.opts.timers === false || at === Infinity || at >= this.timerAt) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => { this.timer = undefined; this.timerAt = Infinity; this.kick() }, Math.max(0, at - now))
    this.timer.unref()
  }

  private settle (): void {
    if (this.lanes.size > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private runLane (subscriptionId: string): void {
    this.lanes.add(subscriptionId)
    this.drain(subscriptionId)
      .catch(err => this.opts.log?.error({ err, subscriptionId }, 'delivery lane failed'))
      .finally(() => {
        this.lanes.delete(subscriptionId)
        // Work may have arrived for this lane while it was finishing.
        if (!this.stopped) this.kick()
        this.settle()
      })
  }

  private async drain (subscriptionId: string): Promise<void> {
    while (!this.stopped) {
      const batch = this.store.all<PendingRow>(`SELECT seq, id, subscription_id, body, attempts, next_attempt_at FROM deliveries
        WHERE subscription_id = ? AND status = 'pending' ORDER BY seq LIMIT 100`, subscriptionId)
      if (batch.length === 0) return
      for (const d of batch) {
        if (d.next_attempt_at > this.store.clock()) return
        const sub = this.registry.row(subscriptionId)
        if (!sub || sub.status !== 'active') return
        const result = await this.queue.add(() => this.send(sub, d))
        if (result === undefined || !this.record(sub, d, result)) return
      }
    }
  }

  private send (sub: SubscriptionRow, d: PendingRow): Promise<SendResult> {
    const headers: Record<string, string> = { 'user-agent': 'webex-spaces-connector' }
    if (sub.secret) headers['x-spark-signature'] = sign(d.body, sub.secret)
    return this.sender.post(sub.target_url, d.body, headers, this.store.clock())
  }

  /** Stores the outcome; true when the lane may go on to the next delivery. */
  private record (sub: SubscriptionRow, d: PendingRow, r: SendResult): boolean {
    const now = this.store.clock()
    if (r.outcome === 'delivered') {
      this.store.tx(() => {
        this.store.run('DELETE FROM deliveries WHERE seq = ?', d.seq)
        if (sub.consecutive_failures > 0) this.store.run('UPDATE subscriptions SET consecutive_failures = 0 WHERE id = ?', sub.id)
      })
      return true
    }
    const attempts = d.attempts + 1
    const failures = r.outcome === 'retry' && r.throttled ? sub.consecutive_failures : sub.consecutive_failures + 1
    const dead = r.outcome === 'reject' || attempts >= this.opts.maxAttempts
    this.store.tx(() => {
      this.store.run('UPDATE subscriptions SET consecutive_failures = ? WHERE id = ?', failures, sub.id)
      if (dead) {
        this.store.run(`UPDATE deliveries SET status = 'dead', attempts = ?, last_status = ?, last_error = ?, finished = ? WHERE seq = ?`,
          attempts, r.status ?? null, r.error, new Date(now).toISOString(), d.seq)
      } else {
        const wait = r.outcome === 'retry' && r.retryAfterMs !== undefined ? r.retryAfterMs : this.backoff(attempts)
        this.store.run('UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ? WHERE seq = ?',
          attempts, r.status ?? null, r.error, now + wait, d.seq)
      }
    })
    this.opts.log?.warn({ subscriptionId: sub.id, delivery: d.id, attempts, error: r.error, dead }, 'delivery failed')
    if (failures >= this.opts.inactiveAfterFailures) {
      this.registry.deactivate(sub.id, `The webhook was marked inactive after ${failures} consecutive failed deliveries.`)
      this.opts.log?.warn({ subscriptionId: sub.id, failures }, 'webhook marked inactive')
      return false
    }
    // A dead-lettered delivery no longer holds up the ones behind it; a retry does.
    return dead
  }

  /** Capped exponential backoff with equal jitter: half fixed, half random. */
  backoff (attempt: number): number {
    const ceiling = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1))
    return Math.round(ceiling / 2 + (this.opts.random ?? Math.random)() * ceiling / 2)
  }
}
