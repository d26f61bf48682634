import type { Outbox, OutboxRow, Position, WindowRow } from './outbox.js'

export interface WindowSize {
  /** Rows one read of the window takes. */
  read: number
  /** Rows the window keeps: lanes further behind than that read the outbox themselves. */
  keep: number
}

/**
 * The newest outbox rows, read once for every lane (SQLite): ten webhooks of one event were ten reads of its row
 * and ten copies of its data. The window holds every row in (from, to], complete: one writer commits rows in seq
 * order, so a read after `to` misses none. It is read again after any wake (`stale`): every commit that queued a
 * row wakes its lanes, and a lane reads only after its wake, so a lane is never served a window older than its
 * rows. PostgreSQL reads per lane (rows of transactions still running below the oldest one are not readable yet).
 */
export class OutboxWindow {
  private rows: WindowRow[] = []
  /** Parsed `views` of the rows that have them, by seq. */
  private readonly views = new Map<number, Record<string, unknown>>()
  /** Covered: every row with from < seq <= to. -1: nothing read yet. */
  private from = -1
  private to = 0
  /** No wake came since the last read reached the end of the outbox. */
  private fresh = false
  private reading: Promise<void> | undefined

  constructor (
    private readonly outbox: Outbox,
    private readonly size: WindowSize = { read: 1000, keep: 4000 }
  ) {}

  /** Rows were committed: the next read of a lane reads past `to` first. */
  stale (): void {
    this.fresh = false
  }

  /** The highest seq the window covers (a lane that read the outbox itself up to here is past it too). */
  get end (): number {
    return this.to
  }

  /**
   * The lane's next rows after `after`, as Outbox.lane gives them, or undefined if the window does not reach back
   * that far (the lane reads the outbox itself).
   */
  async lane (subscriptionId: string, after: Position, limit: number): Promise<OutboxRow[] | undefined> {
    if (this.from < 0) this.from = this.to = after[1]
    const pattern = `,${subscriptionId},`
    for (;;) {
      if (after[1] < this.from) return undefined
      const out: OutboxRow[] = []
      for (let i = this.first(after[1]); i < this.rows.length && out.length < limit; i++) {
        const r = this.rows[i]
        if (r.targets.includes(pattern)) out.push(this.view(r, subscriptionId))
      }
      // A read under way may hold this lane's rows: its `fresh` speaks for what it will have read.
      if (out.length >= limit || (this.fresh && !this.reading)) return out
      this.reading ??= this.read().finally(() => {
        this.reading = undefined
      })
      await this.reading
    }
  }

  /** Index of the first row after `seq`. */
  private first (seq: number): number {
    let lo = 0
    let hi = this.rows.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.rows[mid].seq <= seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private view (r: WindowRow, subscriptionId: string): OutboxRow {
    let data: string | null = null
    if (r.views !== null) {
      let views = this.views.get(r.seq)
      if (!views) this.views.set(r.seq, (views = JSON.parse(r.views) as Record<string, unknown>))
      const view = views[subscriptionId]
      if (view !== undefined) data = JSON.stringify(view)
    }
    return {
      seq: r.seq,
      tx: r.tx,
      event_seq: r.event_seq,
      data,
      created: r.created,
      resource: r.resource,
      event: r.event,
      actor_id: r.actor_id,
      event_data: r.event_data,
    }
  }

  private async read (): Promise<void> {
    // Before the statement: a wake that comes while it runs may be for a row it does not see.
    this.fresh = true
    const got = await this.outbox.window([0, this.to], this.size.read)
    if (got.length === this.size.read) this.fresh = false
    if (got.length > 0) {
      this.rows.push(...got)
      this.to = got[got.length - 1].seq
    }
    const drop = this.rows.length - this.size.keep
    if (drop > 0) {
      for (const r of this.rows.slice(0, drop)) this.views.delete(r.seq)
      this.from = this.rows[drop - 1].seq
      this.rows = this.rows.slice(drop)
    }
  }
}
