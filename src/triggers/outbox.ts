import type { AsyncStore } from '../store/db.js'

/**
 * A place in the outbox. Rows are read in (tx, seq) order: on SQLite tx is always 0 (seq order, which is commit
 * order with one writer); on PostgreSQL it is the writing transaction's id, and only rows of finished
 * transactions are read (dialect.oldestRunningTx), so a row committed late never lands behind a watermark.
 */
export type Position = [tx: number, seq: number]

/** An outbox row for one lane, joined with its event: everything its envelope needs. */
export interface OutboxRow {
  seq: number
  tx: number
  event_seq: number
  /** This subscription's view of the event's data, where it differs from the event's. */
  data: string | null
  created: string
  resource: string
  event: string
  actor_id: string
  event_data: string
}

/** An outbox row as read for every lane at once: `targets` and `views` as stored. */
export type WindowRow = Omit<OutboxRow, 'data'> & { targets: string; views: string | null }

export interface DeadRow {
  seq: number
  event_seq: number
  data: string | null
  attempts: number
  last_status: number | null
  last_error: string | null
  created: string
  finished: string
  resource: string
  event: string
  actor_id: string
  event_data: string
}

/** A retry scheduled for a lane's head: the outbox row, its attempts so far and when it is due again. */
export interface Retry {
  seq: number
  attempts: number
  due: number
}

/** What a lane starts from: kept on its subscription. */
export interface LaneState {
  through: Position
  retry: Retry | undefined
}

/** A failed attempt, as the outbox must record it. */
export interface Failure {
  subscriptionId: string
  position: Position
  eventSeq: number
  data: string | null
  created: string
  attempts: number
  status: number | null
  error: string
  dead: boolean
  nextAttemptAt: number
  failures: number
  at: string
}

const LANE_SELECT = `SELECT o.seq, o.tx, o.event_seq, o.views, e.created, e.resource, e.event, e.actor_id,
    e.data AS event_data
  FROM outbox o JOIN events e ON e.seq = o.event_seq`
const DEAD_SELECT = `SELECT d.*, e.resource, e.event, e.actor_id, e.data AS event_data
  FROM dead_letters d JOIN events e ON e.seq = d.event_seq`
/** Outbox rows a purge looks at in one go: a bounded pause of the writer, however long the outbox grew. */
const PURGE_CHUNK = 5000

/** `targets` names each subscription between commas, so one LIKE finds a lane's rows. */
const targetPattern = (subscriptionId: string): string => `%,${subscriptionId},%`

/**
 * Every statement on the outbox and the delivery state kept with it: lanes' watermarks and retry state (on the
 * subscription), failure streaks, dead letters. The fan-out appends here, the lanes read here, and their
 * outcomes are written here.
 */
export class Outbox {
  private readonly oldest: string

  constructor (
    private readonly store: AsyncStore,
    /** Dead letters kept per subscription; the oldest go first. */
    private readonly deadLetterCap: number
  ) {
    this.oldest = store.dialect.oldestRunningTx
  }

  /** One row for an event and every subscription it goes to: `views` holds those whose data differs. */
  async append (eventSeq: number, targets: string[], views: Record<string, unknown> | undefined): Promise<void> {
    await this.store.run(
      'INSERT INTO outbox (event_seq, targets, views) VALUES (?,?,?)',
      eventSeq,
      `,${targets.join(',')},`,
      views ? JSON.stringify(views) : null
    )
  }

  /** An event for an inactive subscription: a dead letter at once, never sent. */
  async deadOnArrival (
    subscriptionId: string,
    e: { seq: number; created: string },
    view: string | null
  ): Promise<void> {
    await this.addDead(subscriptionId, e.seq, view, 0, null, 'The webhook is inactive.', e.created, e.created)
    await this.trimDead(subscriptionId)
  }

  /**
   * A subscription going away: its dead letters go with it. Its outbox rows stay for the other subscriptions
   * they name; for this one they count as delivered (the purge finds no watermark behind them).
   */
  async forget (subscriptionId: string): Promise<void> {
    await this.store.run('DELETE FROM dead_letters WHERE subscription_id = ?', subscriptionId)
  }

  /** The rows of every lane after `after`, in order, with the subscriptions they name (outbox-window.ts). */
  async window (after: Position, limit: number): Promise<WindowRow[]> {
    return await this.store.all<WindowRow>(
      `${LANE_SELECT.replace('o.views,', 'o.views, o.targets,')} WHERE ${this.store.dialect.positionAfter('o.')}
      AND o.tx < ${this.oldest} ORDER BY o.tx, o.seq LIMIT ${limit}`,
      after[0],
      after[1]
    )
  }

  /** The lane's next rows after `after`, in order. */
  async lane (subscriptionId: string, after: Position, limit: number): Promise<OutboxRow[]> {
    const rows = await this.store.all<OutboxRow & { views: string | null }>(
      `${LANE_SELECT} WHERE ${this.store.dialect.positionAfter('o.')} AND o.tx < ${this.oldest} AND o.targets LIKE ?
      ORDER BY o.tx, o.seq LIMIT ${limit}`,
      after[0],
      after[1],
      targetPattern(subscriptionId)
    )
    for (const r of rows) {
      const view = r.views === null ? undefined : (JSON.parse(r.views) as Record<string, unknown>)[subscriptionId]
      r.data = view === undefined ? null : JSON.stringify(view)
    }
    return rows
  }

  /**
   * PostgreSQL, after a short read of the lane that ended at `after`: is there a row for it after `after` that the
   * read left (its transaction finished but still above an older one running, or committed since)? Then the lane
   * looks again shortly: no commit will wake it for the first kind. Not `tx >= oldest`: this statement's snapshot
   * is newer than the read's, and the older transaction ending in between would hide the row from both.
   */
  async unsettled (subscriptionId: string, after: Position): Promise<boolean> {
    if (this.store.dialect.name !== 'postgres') return false
    const row = await this.store.get(
      `SELECT 1 AS n FROM outbox WHERE ${this.store.dialect.positionAfter('')} AND targets LIKE ? LIMIT 1`,
      after[0],
      after[1],
      targetPattern(subscriptionId)
    )
    return row !== undefined
  }

  /** The lane's next row after `after`, if any. */
  async head (subscriptionId: string, after: Position): Promise<{ seq: number; tx: number } | undefined> {
    return await this.store.get(
      `SELECT seq, tx FROM outbox WHERE ${this.store.dialect.positionAfter('')} AND tx < ${this.oldest}
        AND targets LIKE ? ORDER BY tx, seq LIMIT 1`,
      after[0],
      after[1],
      targetPattern(subscriptionId)
    )
  }

  /** Where a lane resumes: its watermark and the retry state of its head, as last written. */
  async state (subscriptionId: string): Promise<LaneState | undefined> {
    const r = await this.store.get<{
      delivered_tx: number
      delivered_through: number
      retry_seq: number
      retry_attempts: number
      retry_due: number
    }>(
      'SELECT delivered_tx, delivered_through, retry_seq, retry_attempts, retry_due FROM subscriptions WHERE id = ?',
      subscriptionId
    )
    if (!r) return undefined
    return {
      through: [r.delivered_tx, r.delivered_through],
      retry: r.retry_seq > 0 ? { seq: r.retry_seq, attempts: r.retry_attempts, due: r.retry_due } : undefined,
    }
  }

  /** Watermarks moved (only ever forward); a success ends the failure streak of `resetStreak`. */
  async delivered (through: Array<[string, number, number]>, resetStreak: string[]): Promise<void> {
    // Rows in one order, each once: two of these at once (PostgreSQL: flushes overlap, instances share rows)
    // then wait for each other at most, never deadlock.
    const at = new Map(through.map(([id, tx, seq]) => [id, [tx, seq] as Position]))
    const reset = new Set(resetStreak)
    for (const id of [...new Set([...at.keys(), ...reset])].sort()) {
      const position = at.get(id)
      if (position) await this.advance(id, position)
      if (reset.has(id)) await this.store.run('UPDATE subscriptions SET consecutive_failures = 0 WHERE id = ?', id)
    }
  }

  private async advance (subscriptionId: string, [tx, seq]: Position): Promise<void> {
    await this.store.run(
      `UPDATE subscriptions SET delivered_tx = ?, delivered_through = ?
      WHERE id = ? AND (delivered_tx < ? OR (delivered_tx = ? AND delivered_through < ?))`,
      tx,
      seq,
      subscriptionId,
      tx,
      tx,
      seq
    )
  }

  /** A failed attempt: the head's retry state, or a dead letter and the watermark past it. */
  async failed (f: Failure): Promise<void> {
    if (!f.dead) {
      await this.store.run(
        `UPDATE subscriptions SET consecutive_failures = ?, retry_seq = ?, retry_attempts = ?, retry_due = ?,
          retry_status = ?, retry_error = ? WHERE id = ?`,
        f.failures,
        f.position[1],
        f.attempts,
        f.nextAttemptAt,
        f.status,
        f.error,
        f.subscriptionId
      )
      return
    }
    await this.addDead(f.subscriptionId, f.eventSeq, f.data, f.attempts, f.status, f.error, f.created, f.at)
    await this.store.run(
      'UPDATE subscriptions SET consecutive_failures = ?, retry_seq = 0, retry_attempts = 0 WHERE id = ?',
      f.failures,
      f.subscriptionId
    )
    await this.advance(f.subscriptionId, f.position)
    await this.trimDead(f.subscriptionId)
  }

  /** A subscription turned inactive: whatever it had queued becomes dead letters, and it is not called. */
  async deactivate (subscriptionId: string, reason: string): Promise<void> {
    const state = await this.state(subscriptionId)
    if (!state) return
    const at = this.store.now()
    const head = await this.store.get<{ s: number | null }>(
      'SELECT retry_status AS s FROM subscriptions WHERE id = ?',
      subscriptionId
    )
    let through = state.through
    for (;;) {
      const rows = await this.lane(subscriptionId, through, 500)
      for (const r of rows) {
        // The head that was being retried keeps its attempts and last answer.
        const retried = state.retry?.seq === r.seq ? state.retry : undefined
        await this.addDead(
          subscriptionId,
          r.event_seq,
          r.data,
          retried?.attempts ?? 0,
          retried ? (head?.s ?? null) : null,
          reason,
          r.created,
          at
        )
        through = [r.tx, r.seq]
      }
      if (rows.length < 500) break
    }
    await this.store.run(
      "UPDATE subscriptions SET status = 'inactive', retry_seq = 0, retry_attempts = 0 WHERE id = ?",
      subscriptionId
    )
    await this.advance(subscriptionId, through)
    await this.trimDead(subscriptionId)
  }

  async deadLetters (subscriptionId: string, after: number, limit: number): Promise<DeadRow[]> {
    return await this.store.all<DeadRow>(
      `${DEAD_SELECT} WHERE d.subscription_id = ? AND d.seq > ? ORDER BY d.seq LIMIT ?`,
      subscriptionId,
      after,
      limit
    )
  }

  /**
   * Queues every dead letter again, in their original order, behind whatever is queued: as new outbox rows
   * for this subscription alone, since a lane reads forward from its watermark. Returns how many.
   */
  async requeueDead (subscriptionId: string): Promise<number> {
    const dead = await this.store.all<{ seq: number; event_seq: number; data: string | null }>(
      'SELECT seq, event_seq, data FROM dead_letters WHERE subscription_id = ? ORDER BY seq',
      subscriptionId
    )
    for (const d of dead) {
      await this.append(
        d.event_seq,
        [subscriptionId],
        d.data === null ? undefined : { [subscriptionId]: JSON.parse(d.data) as unknown }
      )
    }
    await this.store.run('DELETE FROM dead_letters WHERE subscription_id = ?', subscriptionId)
    return dead.length
  }

  /**
   * Deletes delivered rows: those whose every subscription's watermark is past them (a subscription that is
   * gone counts as past). Looks at one chunk after `from` and returns where the next purge goes on, or
   * undefined when it reached the end (the next starts again from the oldest row, which may be waiting for a
   * slow lane). Deletes by ranges of positions, which on PostgreSQL hold no unread row: a row whose
   * transaction was still running when the chunk was read sorts after it.
   */
  async purge (from: Position | undefined): Promise<Position | undefined> {
    const rows = await this.store.values<[number, number, string]>(
      `SELECT tx, seq, targets FROM outbox WHERE ${this.store.dialect.positionAfter('')} AND tx < ${this.oldest}
      ORDER BY tx, seq LIMIT ${PURGE_CHUNK}`,
      from?.[0] ?? 0,
      from?.[1] ?? -1
    )
    if (rows.length === 0) return undefined
    const marks = new Map(
      (await this.store.values<[string, number, number]>(
        'SELECT id, delivered_tx, delivered_through FROM subscriptions'
      )).map(([id, tx, seq]) => [id, [tx, seq] as Position])
    )
    const past = (id: string, tx: number, seq: number): boolean => {
      const m = marks.get(id)
      return m === undefined || m[0] > tx || (m[0] === tx && m[1] >= seq)
    }
    const runs: Array<[Position, Position]> = []
    let run: [Position, Position] | undefined
    for (const [tx, seq, targets] of rows) {
      if (targets.split(',').every(id => id === '' || past(id, tx, seq))) {
        if (run) run[1] = [tx, seq]
        else run = [[tx, seq], [tx, seq]]
      } else if (run) {
        runs.push(run)
        run = undefined
      }
    }
    if (run) runs.push(run)
    for (const [a, b] of runs) {
      await this.store.run(
        `DELETE FROM outbox WHERE ${this.store.dialect.positionBetween}`,
        a[0],
        a[1],
        b[0],
        b[1]
      )
    }
    const last = rows[rows.length - 1]
    return rows.length < PURGE_CHUNK ? undefined : [last[0], last[1]]
  }

  private async addDead (
    subscriptionId: string,
    eventSeq: number,
    data: string | null,
    attempts: number,
    status: number | null,
    error: string,
    created: string,
    finished: string
  ): Promise<void> {
    await this.store.run(
      `INSERT INTO dead_letters (subscription_id, event_seq, data, attempts, last_status, last_error, created,
        finished) VALUES (?,?,?,?,?,?,?,?)`,
      subscriptionId,
      eventSeq,
      data,
      attempts,
      status,
      error,
      created,
      finished
    )
  }

  private async trimDead (subscriptionId: string): Promise<void> {
    await this.store.run(
      `DELETE FROM dead_letters WHERE subscription_id = ? AND seq <= (
      SELECT seq FROM dead_letters WHERE subscription_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      subscriptionId,
      subscriptionId,
      this.deadLetterCap
    )
  }
}
