import type { FastifyBaseLogger } from 'fastify'
import type { AsyncStore } from '../store/db.js'
import type { TriggerRegistry } from './registry.js'
import type { SubscriptionRow } from './subscriptions.js'
import { deliveryId } from './envelope.js'
import type { OutboxRow, Position, Retry } from './outbox.js'
import { LocalOutboxWriter, type OutboxWriter } from './outcomes.js'
import { OutboxWindow } from './outbox-window.js'
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

/** Several instances: which lanes this one may work now (the holder of each lane's lease, cluster.ts). */
export interface LaneOwner {
  owns(subscriptionId: string): boolean
  /** Lanes that got work but are not held here: resolves once this instance has tried to take them. */
  claim(subscriptionIds: string[]): Promise<void>
}

/** Outbox rows a lane reads at a time. */
const BATCH = 100
/** How soon a lane looks again for rows whose transaction sorts after one still running (PostgreSQL). */
const RECHECK_MS = 5

/**
 * Drains the outbox. Each subscription is a lane that sends its deliveries one at a time in order, so a
 * slow or failing receiver holds up only its own lane; lanes run side by side under a global concurrency
 * cap. A lane reads the outbox rows naming its subscription forward from its watermark. A failed attempt is
 * rescheduled with capped exponential backoff and jitter (or the receiver's Retry-After), and the lane waits
 * for it: order is never traded for throughput.
 *
 * Wakes on commits that queued deliveries and on a timer for the next retry. `timers: false` leaves the
 * timer out, so tests drive retries with an injected clock and `kick()`.
 */
export class DeliveryLanes {
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
  /** Per lane, the last row delivered or given up (ahead of the stored watermark until a flush). */
  private readonly handled = new Map<string, Position>()
  /** What this instance knows before the store does (outcomes may still be on their way to the writer). */
  private readonly retries = new Map<string, Retry>()
  private readonly failures = new Map<string, number>()
  private readonly inactive = new Set<string>()
  private readonly writer: OutboxWriter
  private owner: LaneOwner | undefined
  /** Claims of lanes under way: the lanes they take may run, so nobody is idle until they are settled. */
  private claiming = 0
  /** Lanes to look at again in a moment, for rows of transactions that could not be read yet (PostgreSQL). */
  private readonly later = new Set<string>()
  private flushScheduled = false
  /** The watermark writes under way: a stop waits for them, so the next owner starts where this one ended. */
  private flushing: Promise<void> = Promise.resolve()
  private stopped = false
  /** Per lane, how many times this instance forgot it (a lease lost or taken): a drain's batch is of one era. */
  private readonly eras = new Map<string, number>()
  /** SQLite: the newest rows, read once for all lanes. */
  private readonly window: OutboxWindow | undefined
  /**
   * Per lane behind the window: the window's end when the lane last read the outbox itself to its end. No row of
   * the lane lies between its watermark and there, so from there on the window serves it.
   */
  private readonly scanned = new Map<string, number>()

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
    this.writer = opts.writer ?? new LocalOutboxWriter(store, registry, undefined, opts.log)
    if (store.dialect.name === 'sqlite') this.window = new OutboxWindow(registry.outbox)
    registry.subscriptions.onRefresh(() => {
      this.refreshed().catch((err: unknown) => this.opts.log?.error({ err }, 'subscriptions not re-read'))
    })
    if (opts.wakeOnCommit !== false) store.onCommit(() => this.wake(this.registry.fanOut.takeQueued()))
  }

  /** From now on only the lanes `owner` owns run (several instances on PostgreSQL). */
  ownedBy (owner: LaneOwner): void {
    this.owner = owner
  }

  private owns (subscriptionId: string): boolean {
    return !this.owner || this.owner.owns(subscriptionId)
  }

  /** Starts the lanes of subscriptions that just got work: cheap, unlike a full scan, so it runs per commit. */
  wake (subscriptionIds: string[]): void {
    if (this.stopped) return
    this.window?.stale()
    const unowned: string[] = []
    for (const id of subscriptionIds) {
      if (!this.owns(id)) unowned.push(id)
      else if (this.lanes.has(id)) this.rewoken.add(id)
      else if (!this.waiting.has(id)) this.runLane(id)
    }
    if (unowned.length === 0 || !this.owner) return
    // A lane taken wakes through ownedBy's owner (its onAcquired), before the claim settles.
    this.claiming++
    this.owner
      .claim(unowned)
      .catch((err: unknown) => this.opts.log?.warn({ err }, 'delivery lanes not claimed'))
      .finally(() => {
        this.claiming--
        this.settle()
      })
  }

  private busy (): boolean {
    return this.lanes.size > 0 || this.waiting.size > 0 || this.claiming > 0 || this.later.size > 0
  }

  /** Rows committed but not yet readable (an older transaction still running): wake the lane again soon. */
  private async recheck (subscriptionId: string, after: Position): Promise<void> {
    if (this.later.has(subscriptionId) || !await this.registry.outbox.unsettled(subscriptionId, after)) return
    this.later.add(subscriptionId)
    setTimeout(() => {
      this.later.delete(subscriptionId)
      this.wake([subscriptionId])
      this.settle()
    }, RECHECK_MS).unref()
  }

  /**
   * Starts the lane of every active subscription sent over HTTP; a lane whose next delivery is not due yet arms
   * the timer for it. On start, on the retry timer, after a takeover, and by hand in tests.
   */
  async kick (): Promise<void> {
    if (this.stopped) return
    await this.registry.subscriptions.revalidate()
    const ids: string[] = []
    for (const { row } of await this.registry.subscriptions.matchers()) {
      if (row.status === 'active' && !this.registry.subscriptions.isLocal(row.source)) ids.push(row.id)
    }
    this.wake(ids)
    this.settle()
  }

  /**
   * This instance stops or starts working a lane (its lease lost or taken): what it knew of the lane goes, and
   * is read again from the store when it next runs, where the previous owner left it.
   */
  forget (subscriptionId: string): void {
    this.eras.set(subscriptionId, (this.eras.get(subscriptionId) ?? 0) + 1)
    this.handled.delete(subscriptionId)
    this.retries.delete(subscriptionId)
    this.failures.delete(subscriptionId)
    this.inactive.delete(subscriptionId)
    this.dirty.delete(subscriptionId)
    this.succeeded.delete(subscriptionId)
    this.scanned.delete(subscriptionId)
  }

  /** Subscription rows were re-read: trust the store again, except where it has not caught up with us. */
  private async refreshed (): Promise<void> {
    this.failures.clear()
    for (const id of this.inactive) {
      if ((await this.registry.subscriptions.current(id))?.status !== 'active') this.inactive.delete(id)
    }
  }

  private async active (subscriptionId: string): Promise<SubscriptionRow | undefined> {
    const sub = await this.registry.subscriptions.current(subscriptionId)
    return sub && sub.status === 'active' && !this.inactive.has(subscriptionId) ? sub : undefined
  }

  /** A row's attempts so far and when it is due: a retry scheduled for it, else none yet. */
  private known (subscriptionId: string, d: { seq: number }): { attempts: number; due: number } {
    const r = this.retries.get(subscriptionId)
    return r && r.seq === d.seq ? r : { attempts: 0, due: 0 }
  }

  /** Resolves when no lane is running: every due delivery has been attempted. */
  idle (): Promise<void> {
    // Idle means recorded too: a watermark write still under way (PostgreSQL: a round trip) is waited for.
    if (!this.busy()) return this.flushDelivered().then(() => this.flushing)
    return new Promise(resolve => this.idleWaiters.push(resolve))
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.idle()
    await this.flushDelivered()
    await this.flushing
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
    if (this.busy()) return
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
    void this.work(subscriptionId).finally(() => {
      this.lanes.delete(subscriptionId)
      const next = this.waiting.values().next()
      if (!next.done && !this.stopped) this.runLane(next.value)
      this.settle()
    })
  }

  /**
   * A lane's run: drains, then looks at its head (the lane stopped on a retry, or got work meanwhile) and goes on
   * while something is due. The lane counts as running until this ends, so a wake in between (a commit, a
   * NOTIFY, a recheck) only marks it `rewoken`: a second run beside this one would read from the same watermark
   * and send the same rows again.
   */
  private async work (subscriptionId: string): Promise<void> {
    for (;;) {
      let exhausted = false
      try {
        exhausted = await this.drain(subscriptionId)
      } catch (err) {
        this.storeFailed(err, 'delivery lane failed', subscriptionId)
      }
      // A lane that read its queue to the end and got no new work since has nothing to look at.
      if (exhausted && !this.rewoken.has(subscriptionId)) return
      let again: boolean
      try {
        again = await this.afterLane(subscriptionId)
      } catch (err) {
        // The store away (PostgreSQL): the lane resumes on the next wake or kick.
        this.storeFailed(err, 'delivery lane not resumed', subscriptionId)
        return
      }
      if (this.stopped || (!again && !this.rewoken.has(subscriptionId))) return
    }
  }

  /** A lane stopped: true if its next delivery is due after all, else it wakes up when it will be. */
  private async afterLane (subscriptionId: string): Promise<boolean> {
    this.rewoken.delete(subscriptionId)
    if (this.stopped || !this.owns(subscriptionId)) return false
    const head = await this.registry.outbox.head(subscriptionId, await this.through(subscriptionId))
    if (!head || !await this.active(subscriptionId)) return false
    const now = this.store.clock()
    const due = this.known(subscriptionId, head).due
    if (due <= now) return true
    this.arm(due, now)
    return false
  }

  /**
   * Sends the lane's deliveries in order. True when it read its queue to the end: a short batch needs no
   * second query unless work came in meanwhile (`rewoken`), which per commit saves two queries a lane.
   */
  private async drain (subscriptionId: string): Promise<boolean> {
    while (!this.stopped) {
      this.rewoken.delete(subscriptionId)
      if (!this.owns(subscriptionId)) return true
      // What this instance knows of the lane as this batch is read: a lease lost or taken meanwhile (`forget`)
      // makes the batch stale, read from a watermark the previous owner may since have moved.
      const era = this.eras.get(subscriptionId) ?? 0
      // Another instance may have changed the subscription (PostgreSQL); a no-op on SQLite.
      await this.registry.subscriptions.revalidate()
      const after = await this.through(subscriptionId)
      const batch = await this.read(subscriptionId, after)
      const last = batch.at(-1)
      if (batch.length < BATCH) await this.recheck(subscriptionId, last ? [last.tx, last.seq] : after)
      if (batch.length === 0) return true
      for (const d of batch) {
        // The lease went to another instance: it goes on from the stored watermark.
        if (!this.owns(subscriptionId)) return true
        // Taken (back) while this batch was read or sent: read again from where the store has the lane now.
        if ((this.eras.get(subscriptionId) ?? 0) !== era) break
        const known = this.known(subscriptionId, d)
        if (known.due > this.store.clock()) return false
        const sub = await this.active(subscriptionId)
        if (!sub) return false
        const result = await this.send(sub, d)
        if (result.outcome === 'delivered') {
          this.markDelivered(subscriptionId, [d.tx, d.seq])
          continue
        }
        await this.flushDelivered()
        if (!await this.recordFailure(sub, d, known.attempts, result)) return false
      }
      if ((this.eras.get(subscriptionId) ?? 0) !== era) continue
      if (batch.length < BATCH && !this.rewoken.has(subscriptionId)) return true
    }
    return false
  }

  /** The lane's next batch: from the window where it reaches, else from the outbox. */
  private async read (subscriptionId: string, after: Position): Promise<OutboxRow[]> {
    const window = this.window
    if (!window) return await this.registry.outbox.lane(subscriptionId, after, BATCH)
    const scanned = this.scanned.get(subscriptionId)
    const from: Position = scanned !== undefined && scanned > after[1] ? [after[0], scanned] : after
    const served = await window.lane(subscriptionId, from, BATCH)
    if (served) return served
    const end = window.end
    const rows = await this.registry.outbox.lane(subscriptionId, after, BATCH)
    if (rows.length < BATCH) this.scanned.set(subscriptionId, end)
    return rows
  }

  private send (sub: SubscriptionRow, d: OutboxRow): Promise<SendResult> {
    const body = this.registry.envelopes.text(sub, d.resource, d.event, d.actor_id, d.data ?? d.event_data)
    const headers: Record<string, string> = { 'user-agent': 'webex-spaces-connector' }
    if (sub.secret) headers['x-spark-signature'] = sign(body, sub.secret)
    return this.sender.post(sub.target_url, body, headers, this.store.clock())
  }

  /** The lane's watermark: known here, else where the store has it, with the retry state of its head. */
  private async through (subscriptionId: string): Promise<Position> {
    let at = this.handled.get(subscriptionId)
    if (at === undefined) {
      const state = await this.registry.outbox.state(subscriptionId)
      at = state?.through ?? [0, 0]
      this.handled.set(subscriptionId, at)
      if (state?.retry && !this.retries.has(subscriptionId)) this.retries.set(subscriptionId, state.retry)
    }
    return at
  }

  /**
   * A delivery is recorded by moving its subscription's watermark, once per turn of the event loop (or per
   * `flushDelayMs`) for all lanes: one small transaction for many deliveries. A crash before that redelivers
   * them, which at-least-once delivery allows.
   */
  private markDelivered (subscriptionId: string, at: Position): void {
    this.retries.delete(subscriptionId)
    this.handled.set(subscriptionId, at)
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
    const through = ids.flatMap((id): Array<[string, number, number]> => {
      const at = this.handled.get(id)
      return at ? [[id, at[0], at[1]]] : []
    })
    // A success ends a failure streak; a dead letter moves the watermark but does not.
    const succeeded = [...this.succeeded]
    this.succeeded.clear()
    // Joined to `flushing` before anything is awaited: a stop that finds nothing dirty waits for this write too,
    // so no lease is released while the watermarks it took off `dirty` are still unwritten.
    const written = this.writeDelivered(through, succeeded)
    this.flushing = this.flushing.then(() => written)
    await written
  }

  private async writeDelivered (through: Array<[string, number, number]>, succeeded: string[]): Promise<void> {
    try {
      const streaks: string[] = []
      for (const id of succeeded) if ((await this.streak(id)) > 0) streaks.push(id)
      for (const id of streaks) this.failures.set(id, 0)
      await this.writer.delivered(through, streaks)
    } catch (err) {
      this.opts.log?.error({ err }, 'delivered watermarks not written')
    }
  }

  private async streak (subscriptionId: string): Promise<number> {
    const known = this.failures.get(subscriptionId)
    return known ?? (await this.registry.subscriptions.current(subscriptionId))?.consecutive_failures ?? 0
  }

  /** Records a failed attempt; true when the lane may go on to the next delivery. */
  private async recordFailure (
    sub: SubscriptionRow,
    d: OutboxRow,
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
      position: [d.tx, d.seq],
      eventSeq: d.event_seq,
      data: d.data,
      created: d.created,
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
    // A dead-lettered delivery no longer holds up the ones behind it (the writer moved the watermark); a retry does.
    if (dead) this.handled.set(sub.id, [d.tx, d.seq])
    if (failures >= this.opts.inactiveAfterFailures) {
      this.inactive.add(sub.id)
      await this.writer.deactivate(
        sub.id,
        `The webhook was marked inactive after ${failures} consecutive failed deliveries.`
      )
      this.opts.log?.warn({ subscriptionId: sub.id, failures }, 'webhook marked inactive')
      // Its queue became dead letters and its watermark moved past them: reactivated, it starts from there.
      this.handled.delete(sub.id)
      this.retries.delete(sub.id)
      return false
    }
    return dead
  }

  /** Capped exponential backoff with equal jitter: half fixed, half random. */
  backoff (attempt: number): number {
    const ceiling = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1))
    return Math.round(ceiling / 2 + ((this.opts.random ?? Math.random)() * ceiling) / 2)
  }
}
