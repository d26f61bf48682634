import { newOrderedUuid } from '../ids.js'
import type { AsyncStore } from '../store/db.js'
import type { FlowRun } from '../schemas/flow.js'
import { decodeCursor, toPage } from '../store/cursor.js'
import { claim } from '../store/claim.js'
import type { Page } from '../domain/caller.js'
import { CANCELLED, SECURED, type ActionResult, type RunOutcome } from './runner.js'

export interface RunRow {
  seq: number
  id: string
  flow_id: string
  status: string
  source: string
  trigger_name: string
  trigger_body: string
  trigger_outputs: string | null
  client_tracking_id: string | null
  event_seq: number | null
  created: string
  created_ms: number
  started: string | null
  finished: string | null
  finished_ms: number | null
  error: string | null
  outputs: string | null
  response: string | null
  origin_run: string | null
  resubmit_actions: string | null
  instance: string | null
}
interface ActionRow {
  name: string
  iteration: string | null
  type: string
  status: string
  attempts: number
  inputs: string | null
  outputs: string | null
  error: string | null
  started: string
  finished: string
  duration_ms: number
  tracked: string | null
  reused_from: string | null
}

/**
 * A run this instance queued and now claims in memory (`hold`), with what the caller had of its trigger outputs
 * when it queued it: the meta and (when the caller had parsed it) the body, exactly what parsing the row's texts
 * gives, so the run does not parse them back.
 */
export interface HeldRun extends RunRow {
  given?: { trigger: TriggerMeta; body?: { value: unknown } }
}

/** A page of a flow's runs: by status, client tracking id, a tracked property (and its value). */
/** What a run list and a bulk resubmit both filter on: the status, and the window the runs were triggered in. */
interface RunFilter {
  status?: string
  /** Only runs triggered at or after / before these times (ms since the epoch). */
  createdAfter?: number
  createdBefore?: number
}

export interface RunQuery extends RunFilter {
  max: number
  cursor?: string
  trackedName?: string
  trackedValue?: string
  clientTrackingId?: string
}

/** Which finished runs a bulk resubmit takes: these ids, or those with this status triggered in a window. */
export interface RunSelection extends RunFilter {
  runIds?: string[]
  max: number
}

/** The conditions of a RunFilter, ANDed onto `where`, their values onto `args`. */
function filterRuns (q: RunFilter, where: string[], args: unknown[]): void {
  if (q.status) {
    where.push('status = ?')
    args.push(q.status)
  }
  if (q.createdAfter !== undefined) {
    where.push('created_ms >= ?')
    args.push(q.createdAfter)
  }
  if (q.createdBefore !== undefined) {
    where.push('created_ms < ?')
    args.push(q.createdBefore)
  }
}

/** A run started again from another: its origin and the actions it was resubmitted from (none: the trigger). */
export interface Resubmission {
  origin: string
  actions?: string[]
}

export type RunSource = 'event' | 'recurrence' | 'manual' | 'request' | 'poll' | 'webhook' | 'workflow'

/** What the trigger passed to a run besides its body (headers, queries, relative path parameters, status). */
export interface TriggerMeta {
  headers?: Record<string, string>
  queries?: Record<string, string>
  relativePathParameters?: Record<string, string>
  statusCode?: number
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v))

/**
 * Runs as RunRow: the row with its trigger body, which has a table of its own (written once, with the queued run;
 * in the run's row every UPDATE of the run rewrote it). Conditions name the run's columns unqualified.
 */
const RUNS = 'SELECT flow_runs.*, rt.body AS trigger_body FROM flow_runs ' +
  'JOIN flow_run_triggers rt ON rt.run_seq = flow_runs.seq'

/**
 * The text of a multi-row INSERT, built once per shape: every flush asks for one, and the same string each time
 * saves building it and hashing a new one in the store's prepared-statement cache (the shapes are few: a table,
 * its suffix, 1 to 64 rows).
 */
const ACTIONS_INTO = 'flow_run_actions (run_seq, ord, name, iteration, type, status, attempts, inputs, outputs, ' +
  'error, started, finished, duration_ms, tracked, reused_from)'
const TRACKED_INTO = 'flow_run_tracked (run_seq, action, name, value)'
const insertTexts = new Map<string, Map<string, string[]>>()
function insertSql (into: string, width: number, rows: number, suffix: string): string {
  let bySuffix = insertTexts.get(into)
  if (!bySuffix) insertTexts.set(into, (bySuffix = new Map()))
  let byRows = bySuffix.get(suffix)
  if (!byRows) bySuffix.set(suffix, (byRows = []))
  let sql = byRows[rows]
  if (sql === undefined) {
    const tuple = `(${Array(width).fill('?').join(',')})`
    sql = byRows[rows] = `INSERT INTO ${into} VALUES ${Array(rows).fill(tuple).join(',')}${suffix}`
  }
  return sql
}

/** An action record not yet written; `secrets` are replaced by *** in what is written (and shown). */
interface PendingAction {
  seq: number
  ord: number
  r: ActionResult
  secrets?: readonly string[]
}

/** A run's outcome to write, with the records taken for it (theirs, and others' not held in memory). */
interface Ended {
  seq: number
  outcome: RunOutcome
  started: string | null
  finished: string
  finishedMs: number
  rows: PendingAction[]
}

/** Every occurrence of the secrets in a JSON text (or any string) replaced by ***. */
function hide (text: string, secrets: readonly string[] | undefined): string {
  if (!secrets) return text
  for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join('***')
  return text
}
const hidden = (v: unknown, secrets: readonly string[] | undefined): string | null => {
  const text = json(v)
  return text === null ? null : hide(text, secrets)
}

/**
 * The durable run history: queued runs (written with the event that caused them), each action, the outcome.
 *
 * A run may also be claimed in memory (`hold`, one instance only): its row stays Queued and its records unwritten
 * until it ends (written once, with its outcome) or becomes durable first (`persist`, before it does anything
 * outside the run, runner.ts); meanwhile every read here shows it as Running with the records it has so far, as
 * a claim written to the store would.
 */
export class RunHistory {
  private readonly ords = new Map<number, number>()
  private pending: PendingAction[] = []
  /** Runs ended in this turn whose outcomes are not yet written (`writeTurn`), each with the records it took. */
  private ended: Array<Ended & { resolve(): void; reject(err: unknown): void }> = []
  private flushScheduled = false
  /**
   * Flushes under way, each with the runs whose records it holds: a run's outcome commits after those holding its
   * records, so no reader sees it finished with records missing.
   */
  private readonly flushing = new Map<Promise<void>, ReadonlySet<number>>()
  /** Runs claimed in memory: seq -> when they started. */
  private readonly held = new Map<number, string>()
  /**
   * Runs this instance queued, as their rows were written, from their commit until they are claimed, cancelled or
   * finished: `hold` takes them without reading the row back. Only this instance changes a row held runs are
   * taken from (one instance, as for `held`), and every change of a Queued row here drops its entry.
   */
  private readonly queuedHere = new Map<number, HeldRun>()

  constructor (
    private readonly store: AsyncStore,
    /** Whether a flow's trigger keeps its body out of the history (runtimeConfiguration.secureData). */
    private readonly secureTrigger: (flowId: string) => boolean = () => false
  ) {}

  /** Writes a queued run; inside the caller's transaction when there is one. Returns its seq. */
  async enqueue (
    flowId: string,
    source: RunSource,
    triggerName: string,
    triggerBody: string,
    eventSeq?: number,
    meta?: {
      trigger?: TriggerMeta
      clientTrackingId?: string
      id?: string
      resubmission?: Resubmission
      /** `trigger` and the body (JSON.parse of `triggerBody`, when the caller has it) are the caller's to give. */
      given?: { body?: { value: unknown } }
    }
  ): Promise<number> {
    const row: Omit<RunRow, 'seq'> = {
      // Time-ordered: each new id appends to the last page of the UNIQUE index instead of a random one.
      id: meta?.id ?? newOrderedUuid(),
      flow_id: flowId,
      status: 'Queued',
      source,
      trigger_name: triggerName,
      trigger_body: triggerBody,
      trigger_outputs: meta?.trigger ? JSON.stringify(meta.trigger) : null,
      client_tracking_id: meta?.clientTrackingId ?? null,
      event_seq: eventSeq ?? null,
      created: this.store.now(),
      created_ms: this.store.clock(),
      started: null,
      finished: null,
      finished_ms: null,
      error: null,
      outputs: null,
      response: null,
      origin_run: meta?.resubmission?.origin ?? null,
      resubmit_actions: json(meta?.resubmission?.actions),
      instance: null,
    }
    const info = await this.store.get<{ seq: number }>(
      `INSERT INTO flow_runs (id, flow_id, status, source, trigger_name, trigger_outputs,
        client_tracking_id, event_seq, created, created_ms, origin_run, resubmit_actions)
      VALUES (?,?,'Queued',?,?,?,?,?,?,?,?,?) RETURNING seq`,
      row.id,
      flowId,
      source,
      triggerName,
      row.trigger_outputs,
      row.client_tracking_id,
      row.event_seq,
      row.created,
      row.created_ms,
      row.origin_run,
      row.resubmit_actions
    )
    const seq = info!.seq
    await this.store.run('INSERT INTO flow_run_triggers (run_seq, body) VALUES (?,?)', seq, triggerBody)
    // Never for a run whose transaction rolls back (its seq is nobody's).
    const given = meta?.given && meta.trigger ? { given: { trigger: meta.trigger, ...meta.given } } : {}
    this.store.afterCommit(() => this.queuedHere.set(seq, { seq, ...row, ...given }))
    return seq
  }

  /**
   * In the caller's transaction, waits for the other transactions of the cluster that counted or claimed the
   * flow's runs (trigger concurrency) to end: what `active` answers then holds until this one commits.
   */
  async takeTurn (flowId: string): Promise<void> {
    const turns = this.store.dialect.turns
    if (turns) await this.store.get(turns, `flow_runs:${flowId}`)
  }

  /** Runs of a flow started and not ended (Running) or waiting to start (Queued), for its trigger's concurrency. */
  async active (flowId: string): Promise<number> {
    return (
      await (await this.store.get<{ n: number }>(
        "SELECT count(*) AS n FROM flow_runs WHERE flow_id = ? AND status IN ('Queued','Running')",
        flowId
      ))?.n ?? 0
    )
  }

  /** Keeps the Response of a run, for a caller polling an asynchronous response. */
  async saveResponse (seq: number, reply: unknown): Promise<void> {
    await this.store.tx(async () => await this.store.run(
      'UPDATE flow_runs SET response = ? WHERE seq = ?',
      JSON.stringify(reply),
      seq
    ))
  }

  async row (flowId: string, runId: string): Promise<RunRow | undefined> {
    const row = await this.store.get<RunRow>(`${RUNS} WHERE id = ? AND flow_id = ?`, runId, flowId)
    return this.shown(row)
  }

  /**
   * Claims a queued run for `instance` (the cluster's; none on SQLite): FOR UPDATE SKIP LOCKED on PostgreSQL, so
   * of several instances trying the same run exactly one gets it and none waits. Undefined if it is gone or
   * already claimed (e.g. by another instance, or its transaction rolled back). A flow with trigger concurrency
   * (`runs`) is claimed for the cluster: in its turn (`takeTurn`), only while fewer than `runs` of its runs are
   * Running on any instance and no older run of it is still Queued (they start in order); else 'waiting'.
   */
  async start (
    seq: number,
    instance?: string,
    limit?: { flowId: string; runs: number }
  ): Promise<RunRow | 'waiting' | undefined> {
    this.queuedHere.delete(seq)
    return await this.store.tx(async () => {
      if (limit) await this.takeTurn(limit.flowId)
      const [row] = await claim<RunRow & Record<string, unknown>>(this.store, {
        table: 'flow_runs',
        key: 'seq',
        where: limit
          ? `seq = ? AND status = 'Queued' AND NOT EXISTS (SELECT 1 FROM flow_runs o WHERE o.flow_id = ? AND
            o.status = 'Queued' AND o.seq < ?) AND (SELECT count(*) FROM flow_runs r WHERE r.flow_id = ? AND
            r.status = 'Running') < ?`
          : "seq = ? AND status = 'Queued'",
        params: limit ? [seq, limit.flowId, seq, limit.flowId, limit.runs] : [seq],
        orderBy: 'seq',
        limit: 1,
        set: "status = 'Running', started = ?, instance = ?",
        setParams: [this.store.now(), instance ?? null],
      })
      if (row) {
        const body = await this.store.get<{ body: string }>('SELECT body FROM flow_run_triggers WHERE run_seq = ?', seq)
        return { ...row, trigger_body: body!.body }
      }
      if (!limit) return row
      const still = await this.store.get<{ status: string }>('SELECT status FROM flow_runs WHERE seq = ?', seq)
      return still?.status === 'Queued' ? 'waiting' : undefined
    })
  }

  /**
   * Claims a queued run in memory (one instance: nobody else claims runs, so the store need not say it): the run
   * as it starts, or undefined if it is not queued (gone, cancelled, claimed already).
   */
  async hold (seq: number): Promise<HeldRun | undefined> {
    if (this.held.has(seq)) return undefined
    const mine = this.queuedHere.get(seq)
    this.queuedHere.delete(seq)
    const row = mine ?? await this.store.get<RunRow>(`${RUNS} WHERE seq = ? AND status = 'Queued'`, seq)
    if (!row || this.held.has(seq)) return undefined
    const started = this.store.now()
    this.held.set(seq, started)
    return { ...row, status: 'Running', started }
  }

  /**
   * Writes a run held in memory as Running, with its records so far (one transaction, in the turn's group
   * commit), and resolves once that is committed; from then on it is a run a crash interrupts.
   */
  async persist (seq: number): Promise<void> {
    const started = this.held.get(seq)
    if (started === undefined) return
    const rows = this.take(seq)
    await this.givingBack(rows, () => this.grouped(async () => {
      await this.writePending(rows)
      await this.store.run(
        "UPDATE flow_runs SET status = 'Running', started = ? WHERE seq = ? AND status = 'Queued'",
        started,
        seq
      )
    }))
    this.held.delete(seq)
  }

  /** Whether the run is claimed in memory (its row says Queued; it is running). */
  isHeld (seq: number): boolean {
    return this.held.has(seq)
  }

  /** A row as the history shows it: a run claimed in memory is Running since it was claimed. */
  private shown<R extends RunRow | undefined> (row: R): R {
    if (!row || row.status !== 'Queued') return row
    const started = this.held.get(row.seq)
    return started === undefined ? row : { ...row, status: 'Running', started }
  }

  /**
   * Records a finished action. Rows are written together at the end of the event-loop turn (one transaction
   * for every action of every run that finished in it) and at the latest with the run's outcome; a crash loses
   * at most the records of that last turn, and the run is then marked interrupted.
   */
  action (seq: number, r: ActionResult, secrets?: readonly string[]): void {
    const ord = (this.ords.get(seq) ?? 0) + 1
    this.ords.set(seq, ord)
    this.pending.push({ seq, ord, r, ...(secrets && secrets.length > 0 ? { secrets } : {}) })
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => {
        this.flushScheduled = false
        // Not lost when this write fails (the store away): the results stay pending for the run's finish.
        this.flush().catch(() => undefined)
      })
    }
  }

  /** Writes the records not yet written (the runtime calls it when it stops, before the store closes). */
  async flush (): Promise<void> {
    const rows = this.take(undefined)
    if (rows.length === 0) return
    const write = this.givingBack(rows, () => this.grouped(async () => this.writePending(rows)))
    this.flushing.set(write, new Set(rows.map(p => p.seq)))
    try {
      await write
    } finally {
      this.flushing.delete(write)
    }
  }

  /**
   * A history write in the turn's group commit (one COMMIT with the API's writes and the other runs' of the same
   * turn, rather than one of its own), resolved once committed so a failed COMMIT gives the records back. Inside a
   * transaction it is a savepoint of it, which commits with it.
   */
  private async grouped (body: () => Promise<void>): Promise<void> {
    const inside = this.store.inTransaction()
    await this.store.txGrouped(body)
    if (inside) return
    await new Promise<void>((resolve, reject) => {
      this.store.whenCommitted(err => (err ? reject(err) : resolve()))
    })
  }

  /**
   * Takes the pending records to write, but those of runs held in memory other than `seq`'s (they are written when
   * their run ends or becomes durable).
   */
  private take (seq: number | undefined): PendingAction[] {
    let rows = this.pending
    const kept: PendingAction[] = []
    if (this.held.size > 0) {
      rows = []
      for (const p of this.pending) (p.seq !== seq && this.held.has(p.seq) ? kept : rows).push(p)
    }
    this.pending = kept
    return rows
  }

  /** Writes taken records, and gives them back if that fails (a later flush or finish retries). */
  private async givingBack (rows: PendingAction[], write: () => Promise<void>): Promise<void> {
    try {
      await write()
    } catch (err) {
      this.pending = [...rows, ...this.pending]
      throw err
    }
  }

  /** A flush under way that holds records of run `seq`. */
  private flushHolding (seq: number): Promise<void> | undefined {
    for (const [write, runs] of this.flushing) if (runs.has(seq)) return write
    return undefined
  }

  /** Writes a run's outcome with its records still pending; a run held in memory is written whole here. */
  async finish (seq: number, outcome: RunOutcome): Promise<void> {
    const started = this.held.get(seq)
    this.queuedHere.delete(seq)
    // A flush under way may hold this run's records (on PostgreSQL in a transaction of another connection, which
    // could commit after this one); one that failed gave them back to `pending`, and they are written here. Asked
    // again after each wait: a flush that started meanwhile took what was pending then. Not inside a transaction
    // (a run failed as it is queued, with no records): the flush may wait for its commit.
    if (!this.store.inTransaction()) {
      for (let write = this.flushHolding(seq); write; write = this.flushHolding(seq)) await write.catch(() => {})
    }
    const ended: Ended = {
      seq,
      outcome,
      started: started ?? null,
      finished: this.store.now(),
      finishedMs: this.store.clock(),
      rows: this.take(seq),
    }
    if (this.store.inTransaction()) {
      await this.givingBack(ended.rows, () => this.grouped(() => this.writeEnded([ended], ended.rows)))
    } else {
      await new Promise<void>((resolve, reject) => {
        this.ended.push({ ...ended, resolve, reject })
        if (this.ended.length === 1) setImmediate(() => this.writeTurn())
      })
    }
    this.held.delete(seq)
    this.ords.delete(seq)
  }

  /**
   * The outcomes of the runs that ended in a turn, with their records, written together: one savepoint and one
   * INSERT of every record, instead of one of each per run. Registered as a flush holding those records, so a run
   * whose records one of them took waits for it before its own outcome is written (as for `flush`).
   */
  private writeTurn (): void {
    const batch = this.ended
    this.ended = []
    const rows = batch.length === 1 ? batch[0].rows : batch.flatMap(e => e.rows)
    const write = this.givingBack(rows, () => this.grouped(() => this.writeEnded(batch, rows)))
    this.flushing.set(write, new Set(rows.map(p => p.seq)))
    write.then(
      () => {
        for (const e of batch) e.resolve()
      },
      (err: unknown) => {
        for (const e of batch) e.reject(err)
      }
    ).finally(() => this.flushing.delete(write))
  }

  private async writeEnded (batch: Ended[], rows: PendingAction[]): Promise<void> {
    await this.writePending(rows)
    for (const e of batch) {
      await this.store.run(
        'UPDATE flow_runs SET status = ?, started = coalesce(started, ?), finished = ?, finished_ms = ?, error = ?, ' +
          'outputs = ? WHERE seq = ?',
        e.outcome.status,
        e.started,
        e.finished,
        e.finishedMs,
        json(e.outcome.error),
        json(e.outcome.outputs),
        e.seq
      )
    }
  }

  /**
   * The pending records in as few statements as the parameter limit allows: one INSERT per table per flush.
   * Idempotent: a write whose COMMIT went through unanswered (PostgreSQL stopped in that moment) is given back by
   * `writing` and written again with the next flush or finish, and must then change nothing. A record's key (run,
   * ord) is only ever given to that record (ords count up here, and only the instance running a run writes its
   * records), so a row already there is this one: the action row is skipped, and so are its tracked properties,
   * which committed with it.
   */
  private async writePending (rows: PendingAction[]): Promise<void> {
    const actions: unknown[][] = []
    for (const p of rows) {
      const a = this.stored(p)
      actions.push([
        p.seq,
        p.ord,
        a.name,
        a.iteration,
        a.type,
        a.status,
        a.attempts,
        a.inputs,
        a.outputs,
        a.error,
        a.started,
        a.finished,
        a.duration_ms,
        a.tracked,
        a.reused_from,
      ])
    }
    const written = new Set<string>()
    // Which rows went in matters only for their tracked properties: without any, none is read back.
    if (!rows.some(p => p.r.tracked !== undefined && Object.keys(p.r.tracked).length > 0)) {
      await this.insertRows(ACTIONS_INTO, actions, { suffix: ' ON CONFLICT (run_seq, ord) DO NOTHING' })
      return
    }
    await this.insertRows(ACTIONS_INTO, actions, {
      suffix: ' ON CONFLICT (run_seq, ord) DO NOTHING RETURNING run_seq, ord',
      returned: (r: { run_seq: number; ord: number }) => written.add(`${r.run_seq}:${r.ord}`),
    })
    const tracked: unknown[][] = []
    for (const { seq, ord, r, secrets } of rows) {
      if (!written.has(`${seq}:${ord}`)) continue
      for (const [name, value] of Object.entries(r.tracked ?? {})) {
        tracked.push([seq, r.name, name, hide(typeof value === 'string' ? value : JSON.stringify(value), secrets)])
      }
    }
    await this.insertRows(TRACKED_INTO, tracked)
  }

  /** A pending record as its row will be written (and is shown while its run is held in memory). */
  private stored ({ r, secrets }: PendingAction): ActionRow {
    return {
      name: r.name,
      iteration: r.iteration ?? null,
      type: r.type,
      status: r.status,
      attempts: r.attempts,
      inputs: hidden(r.inputs, secrets),
      outputs: hidden(r.outputs, secrets),
      error: hidden(r.error, secrets),
      started: r.startTime ?? this.store.now(),
      finished: r.endTime ?? this.store.now(),
      duration_ms: r.durationMs,
      tracked: hidden(r.tracked, secrets),
      reused_from: r.reusedFrom ?? null,
    }
  }

  /** Multi-row INSERTs of `rows` into `into` ("table (columns)"), in chunks that stay under both dialects' limits. */
  private async insertRows<R> (
    into: string,
    rows: unknown[][],
    tail?: { suffix: string; returned?: (row: R) => void }
  ): Promise<void> {
    if (rows.length === 0) return
    const width = rows[0].length
    // SQLite allows 32,766 parameters a statement, PostgreSQL 65,535: 64 rows a statement stays far under both, and
    // keeps the statement texts few (one per row count), so the store keeps them prepared.
    for (let i = 0; i < rows.length; i += 64) {
      const end = Math.min(rows.length, i + 64)
      const params: unknown[] = []
      for (let j = i; j < end; j++) for (const v of rows[j]) params.push(v)
      const sql = insertSql(into, width, end - i, tail?.suffix ?? '')
      const returned = tail?.returned
      if (!returned) {
        await this.store.run(sql, ...params)
        continue
      }
      for (const row of await this.store.all<R>(sql, ...params)) returned(row)
    }
  }

  /** After a crash (one instance, SQLite): runs that were in progress are failed (their actions kept), never lost. */
  async failInterrupted (): Promise<number> {
    return await this.interruptWhere("status = 'Running'", [])
  }

  /**
   * Several instances: the Running runs of instances that are no longer alive (`alive` is SQL true while the
   * instance named by `flow_runs.instance` holds its liveness lease) are failed as RunInterrupted, as one
   * instance fails its own at start. Never this instance's, never a live one's.
   */
  async failAbandoned (self: string, alive: (column: string) => string): Promise<number> {
    return await this.interruptWhere(
      `status = 'Running' AND (instance IS NULL OR (instance <> ? AND NOT ${alive('flow_runs.instance')}))`,
      [self]
    )
  }

  /**
   * Runs held in memory that nothing here runs any more (their outcome was refused: the row still says Queued):
   * ended as interrupted, as `failOrphaned` ends the Running ones; left held, a recovery would queue them again
   * and never start them.
   */
  async failAbandonedHeld (live: ReadonlySet<number>): Promise<number> {
    const gone = [...this.held.keys()].filter(seq => !live.has(seq))
    if (gone.length === 0) return 0
    for (const seq of gone) {
      this.held.delete(seq)
      this.ords.delete(seq)
    }
    return await this.interruptWhere(`status = 'Queued' AND seq IN (${gone.map(() => '?').join(', ')})`, gone)
  }

  /**
   * After the store was away: this instance's Running runs that it is not running (`live`: the runs in its
   * hands) are failed as RunInterrupted. A claim whose COMMIT went through but whose answer was lost leaves
   * such a run: nobody else takes a live instance's run, so it would stay Running for good.
   */
  async failOrphaned (self: string | undefined, live: number[]): Promise<number> {
    const mine = self === undefined ? 'instance IS NULL' : 'instance = ?'
    const held = live.length > 0 ? ` AND seq NOT IN (${live.map(() => '?').join(', ')})` : ''
    return await this.interruptWhere(`status = 'Running' AND ${mine}${held}`, [
      ...(self === undefined ? [] : [self]),
      ...live,
    ])
  }

  private async interruptWhere (where: string, params: unknown[]): Promise<number> {
    return await this.store.tx(async () =>
      await this.store.run(
        `UPDATE flow_runs SET status = 'Failed', finished = ?, finished_ms = ?, error = ? WHERE ${where}`,
        this.store.now(),
        this.store.clock(),
        JSON.stringify({
          code: 'RunInterrupted',
          message: 'The service stopped while this run was in progress; the actions listed ran, the rest did not.',
        }),
        ...params
      )
    )
  }

  async queued (): Promise<number[]> {
    return (await this.store
      .all<{ seq: number }>("SELECT seq FROM flow_runs WHERE status = 'Queued' ORDER BY seq"))
      .map(r => r.seq)
  }

  /** Queued runs written before `createdBefore` (ms): left by an instance that died, or waiting too long there. */
  async queuedSince (createdBefore: number, limit: number): Promise<number[]> {
    return (await this.store.all<{ seq: number }>(
      "SELECT seq FROM flow_runs WHERE status = 'Queued' AND created_ms < ? ORDER BY seq LIMIT ?",
      createdBefore,
      limit
    )).map(r => r.seq)
  }

  async list (flowId: string, q: RunQuery): Promise<Page<FlowRun>> {
    const before = decodeCursor(q.cursor, ['number'])
    const where = ['flow_id = ?', 'seq < ?']
    const args: unknown[] = [flowId, before?.[0] ?? Number.MAX_SAFE_INTEGER]
    const { status, ...rest } = q
    filterRuns(rest, where, args)
    if (status !== undefined) {
      // Runs held in memory are Running, whatever their rows say.
      const held = [...this.held.keys()]
      const inHeld = `seq IN (${held.map(() => '?').join(',')})`
      if (held.length > 0 && (status === 'Running' || status === 'Queued')) {
        where.push(status === 'Running' ? `(status = 'Running' OR ${inHeld})` : `status = 'Queued' AND NOT ${inHeld}`)
        args.push(...held)
      } else {
        where.push('status = ?')
        args.push(status)
      }
    }
    if (q.clientTrackingId) {
      where.push('client_tracking_id = ?')
      args.push(q.clientTrackingId)
    }
    if (q.trackedName) {
      where.push(
        `EXISTS (SELECT 1 FROM flow_run_tracked t WHERE t.run_seq = flow_runs.seq AND t.name = ?
        ${q.trackedValue !== undefined ? 'AND t.value = ?' : ''})`
      )
      args.push(q.trackedName, ...(q.trackedValue !== undefined ? [q.trackedValue] : []))
    }
    const rows = await this.store.all<RunRow>(
      `${RUNS} WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
      ...args,
      q.max + 1
    )
    return toPage(
      rows,
      q.max,
      r => this.toRun(this.shown(r), false),
      r => [r.seq]
    )
  }

  /** The seqs of a flow's finished runs a bulk resubmit takes, oldest first. */
  select (flowId: string, q: RunSelection): Promise<RunRow[]> {
    const where = ['flow_id = ?', "status NOT IN ('Queued','Running')"]
    const args: unknown[] = [flowId]
    if (q.runIds) {
      where.push(`id IN (${q.runIds.map(() => '?').join(',')})`)
      args.push(...q.runIds)
    }
    filterRuns(q, where, args)
    return this.store.all<RunRow>(
      `${RUNS} WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
      ...args,
      q.max
    )
  }

  /** The action records of a run as the runner made them (a resubmit from an action replays some of them). */
  async records (seq: number): Promise<ActionResult[]> {
    const rows = await this.store.all<ActionRow>('SELECT * FROM flow_run_actions WHERE run_seq = ? ORDER BY ord', seq)
    // A run held in memory: its records are all still pending, shown as they will be written.
    if (this.held.has(seq)) {
      for (const p of this.pending) if (p.seq === seq) rows.push(this.stored(p))
      // Ended in this turn, its outcome and records not yet written: still Running, with all of them.
      for (const e of this.ended) if (e.seq === seq) for (const p of e.rows) rows.push(this.stored(p))
    }
    return rows.map(a => ({
      name: a.name,
      type: a.type,
      status: a.status as ActionResult['status'],
      attempts: a.attempts,
      durationMs: a.duration_ms,
      startTime: a.started,
      endTime: a.finished,
      ...(a.iteration ? { iteration: a.iteration } : {}),
      ...(a.inputs !== null ? { inputs: JSON.parse(a.inputs) as unknown } : {}),
      ...(a.outputs !== null ? { outputs: JSON.parse(a.outputs) as unknown } : {}),
      ...(a.error !== null ? { error: JSON.parse(a.error) as { code: string; message: string } } : {}),
      ...(a.tracked !== null ? { tracked: JSON.parse(a.tracked) as Record<string, unknown> } : {}),
      ...(a.reused_from !== null ? { reusedFrom: a.reused_from } : {}),
    }))
  }

  /** Cancels a run that has not started; false when it already has (or is gone). */
  async cancelQueued (seq: number): Promise<boolean> {
    return !this.held.has(seq) && (await this.cancelWhere('seq', seq)) === 1
  }

  /** Cancels every run of a flow that has not started; how many. */
  cancelAllQueued (flowId: string): Promise<number> {
    return this.cancelWhere('flow_id', flowId)
  }

  private cancelWhere (column: 'seq' | 'flow_id', value: unknown): Promise<number> {
    // Runs held in memory have started: they are not queued any more.
    for (const [seq, row] of this.queuedHere) {
      if ((column === 'seq' ? seq : row.flow_id) === value) this.queuedHere.delete(seq)
    }
    const held = [...this.held.keys()]
    const started = held.length > 0 ? ` AND seq NOT IN (${held.map(() => '?').join(',')})` : ''
    return this.store.tx(() =>
      this.store.run(
        `UPDATE flow_runs SET status = 'Cancelled', finished = ?, finished_ms = ?, error = ?
        WHERE ${column} = ? AND status = 'Queued'${started}`,
        this.store.now(),
        this.store.clock(),
        JSON.stringify(CANCELLED),
        value,
        ...held
      )
    )
  }

  async get (flowId: string, runId: string): Promise<FlowRun | undefined> {
    const row = await this.row(flowId, runId)
    return row ? await this.toRun(row, true) : undefined
  }

  async bySeq (seq: number): Promise<FlowRun | undefined> {
    const row = this.shown(await this.store.get<RunRow>(`${RUNS} WHERE seq = ?`, seq))
    return row ? await this.toRun(row, true) : undefined
  }

  private async toRun (r: RunRow, withActions: boolean): Promise<FlowRun> {
    return {
      id: r.id,
      flowId: r.flow_id,
      status: r.status,
      source: r.source,
      triggerName: r.trigger_name,
      triggerBody: this.secureTrigger(r.flow_id) ? SECURED : JSON.parse(r.trigger_body),
      ...(r.client_tracking_id ? { clientTrackingId: r.client_tracking_id } : {}),
      created: r.created,
      ...(r.started ? { started: r.started } : {}),
      ...(r.finished ? { finished: r.finished } : {}),
      ...(r.error ? { error: JSON.parse(r.error) as { code: string; message: string } } : {}),
      ...(r.outputs ? { outputs: JSON.parse(r.outputs) as unknown } : {}),
      ...(r.origin_run ? { resubmittedFrom: r.origin_run } : {}),
      ...(r.resubmit_actions
        ? { actionsToResubmit: (JSON.parse(r.resubmit_actions) as string[]).map(name => ({ name })) }
        : {}),
      ...(withActions
        ? {
            actions: (await this.records(r.seq)).map(({ tracked, startTime, endTime, ...a }) => ({
              ...a,
              startTime: startTime as string,
              endTime: endTime as string,
              ...(tracked !== undefined ? { trackedProperties: tracked } : {}),
            })),
          }
        : {}),
    }
  }
}
