import type { AsyncStore } from '../store/db.js'

/** An outbox row joined with its event: everything needed to build the envelope. */
export interface DeliveryRow {
  seq: number
  subscription_id: string
  data: string | null
  attempts: number
  next_attempt_at: number
  last_status: number | null
  last_error: string | null
  created: string
  finished: string | null
  resource: string
  event: string
  actor_id: string
  event_data: string
}
const DELIVERY_SELECT = `SELECT d.*, e.resource, e.event, e.actor_id, e.data AS event_data
  FROM deliveries d JOIN events e ON e.seq = d.event_seq`

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
 * Every statement on the outbox and on the delivery state kept with it (watermarks, failure streaks, dead
 * letters): the fan-out appends here, the lanes read here, their outcomes are written here.
 */
export class Outbox {
  constructor (
    private readonly store: AsyncStore,
    /** Dead letters kept per subscription; the oldest go first. */
    private readonly deadLetterCap: number
  ) {}

  /** One delivery of event `eventSeq` to a subscription; an inactive one records it as a dead letter at once. */
  async append (
    subscriptionId: string,
    e: { seq: number; created: string },
    view: string | null,
    inactive: boolean
  ): Promise<void> {
    await this.store.run(
      `INSERT INTO deliveries (subscription_id, event_seq, status, data, next_attempt_at, last_error, created,
        finished)
      VALUES (?,?,?,?,?,?,?,?)`,
      subscriptionId,
      e.seq,
      inactive ? 'dead' : 'pending',
      view,
      this.store.clock(),
      inactive ? 'The webhook is inactive.' : null,
      e.created,
      inactive ? e.created : null
    )
    if (inactive) await this.trimDead(subscriptionId)
  }

  /** Everything queued or dead for a subscription that goes away. */
  async forget (subscriptionId: string): Promise<void> {
    await this.store.run('DELETE FROM deliveries WHERE subscription_id = ?', subscriptionId)
  }

  /** The lane's next deliveries after its watermark, in order. */
  async lane (subscriptionId: string, after: number, limit: number): Promise<DeliveryRow[]> {
    return await this.store.all<DeliveryRow>(
      `${DELIVERY_SELECT} WHERE d.subscription_id = ? AND d.status = 'pending' AND d.seq > ?
      ORDER BY d.seq LIMIT ${limit}`,
      subscriptionId,
      after
    )
  }

  /** The lane's next delivery after its watermark: when it is due. */
  async head (
    subscriptionId: string,
    after: number
  ): Promise<{ seq: number; attempts: number; next_attempt_at: number } | undefined> {
    return await this.store.get(
      `SELECT seq, attempts, next_attempt_at FROM deliveries
      WHERE subscription_id = ? AND status = 'pending' AND seq > ? ORDER BY seq LIMIT 1`,
      subscriptionId,
      after
    )
  }

  /** The subscriptions with anything queued. */
  async waiting (): Promise<string[]> {
    const rows = await this.store.all<{ subscription_id: string }>(
      "SELECT DISTINCT subscription_id FROM deliveries WHERE status = 'pending'"
    )
    return rows.map(r => r.subscription_id)
  }

  /** Watermarks moved (and the delivered rows go); a success ends the streak of `resetStreak`. */
  async delivered (through: Array<[string, number]>, resetStreak: string[]): Promise<void> {
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
  }

  async failed (f: Failure): Promise<void> {
    await this.store.run('UPDATE subscriptions SET consecutive_failures = ? WHERE id = ?', f.failures, f.subscriptionId)
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
      await this.trimDead(f.subscriptionId)
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
  }

  /** A subscription turned inactive: what it had queued becomes dead letters. */
  async deactivate (subscriptionId: string, reason: string): Promise<void> {
    await this.store.run("UPDATE subscriptions SET status = 'inactive' WHERE id = ?", subscriptionId)
    await this.store.run(
      `UPDATE deliveries SET status = 'dead', last_error = ?, finished = ? WHERE subscription_id = ? AND status =
        'pending'
      AND seq > (SELECT delivered_through FROM subscriptions WHERE id = ?)`,
      reason,
      this.store.now(),
      subscriptionId,
      subscriptionId
    )
    await this.trimDead(subscriptionId)
  }

  async deadLetters (subscriptionId: string, after: number, limit: number): Promise<DeliveryRow[]> {
    return await this.store.all<DeliveryRow>(
      `${DELIVERY_SELECT} WHERE d.subscription_id = ? AND d.status = 'dead' AND d.seq > ?
      ORDER BY d.seq LIMIT ?`,
      subscriptionId,
      after,
      limit
    )
  }

  /**
   * Queues every dead letter again, in their original order, behind whatever is pending: as new outbox rows
   * (fresh seqs), since a lane reads its queue forward from its watermark. Returns how many.
   */
  async requeueDead (subscriptionId: string): Promise<number> {
    const dead = await this.store.all<{ seq: number; event_seq: number; data: string | null; created: string }>(
      "SELECT seq, event_seq, data, created FROM deliveries WHERE subscription_id = ? AND status = 'dead' ORDER BY seq",
      subscriptionId
    )
    for (const d of dead) {
      await this.store.run(
        `INSERT INTO deliveries (subscription_id, event_seq, status, data, next_attempt_at, created)
        VALUES (?,?,'pending',?,?,?)`,
        subscriptionId,
        d.event_seq,
        d.data,
        this.store.clock(),
        d.created
      )
      await this.store.run('DELETE FROM deliveries WHERE seq = ?', d.seq)
    }
    return dead.length
  }

  private async trimDead (subscriptionId: string): Promise<void> {
    await this.store.run(
      `DELETE FROM deliveries WHERE subscription_id = ? AND status = 'dead' AND seq <= (
      SELECT seq FROM deliveries WHERE subscription_id = ? AND status = 'dead' ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      subscriptionId,
      subscriptionId,
      this.deadLetterCap
    )
  }
}
