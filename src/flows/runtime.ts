import PQueue from 'p-queue'
import { Agent } from 'undici'
import type { FastifyBaseLogger } from 'fastify'
import type { Caller } from '../backends/backend.js'
import type { Store } from '../store/store.js'
import type { TriggerRegistry } from '../triggers/registry.js'
import { ForbiddenError, NotFoundError } from '../errors.js'
import { isComplianceOfficer } from '../auth/rules.js'
import type { Flow, FlowRun } from '../schemas/flow.js'
import type { Page } from '../backends/backend.js'
import { loadFlowDir, type CompiledFlow, type FlowLoadError } from './load.js'
import type { OperationCatalog } from './operations.js'
import { RunHistory } from './history.js'
import { FlowRun as Runner, type ActionResult } from './runner.js'
import { nextOccurrence } from './recurrence.js'
import { guardedConnector, hostRefusal, literalAddresses, type TargetPolicy } from '../http/target-policy.js'

export interface RuntimeOptions {
  dir: string
  /** Runs executing at once, across flows. */
  concurrency: number
  /**
   * Origins (scheme://host:port) Http actions may call; nothing else. On top of it the target policy: a name
   * must resolve to public addresses; a literal address listed here is the operator's choice and allowed.
   */
  httpAllow: string[]
  log: FastifyBaseLogger
  /** Resolves a flow's owner (by email) to the identity its actions run with. */
  ownerOf: (email: string) => Caller | undefined
  /** Delays (Wait, retries, timeouts); tests pass one that resolves at once and records the duration. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** false: no recurrence timer; tests move the clock and call tick(). */
  timers?: boolean
}

const SOURCE = 'flow'

function realSleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('aborted'))
      return
    }
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      },
      Math.max(0, ms)
    )
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new Error('aborted'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Runs the flows of a directory: each enabled flow's trigger is a subscription in the trigger registry
 * (served in-process: the event's transaction writes a queued run), recurrences fire from a timer, and
 * queued runs execute on a bounded queue with their history written as they go.
 */
export class FlowRuntime {
  readonly history: RunHistory
  private flows = new Map<string, CompiledFlow>()
  private errors: FlowLoadError[] = []
  private readonly queue: PQueue
  private readonly inFlight = new Set<number>()
  private readonly active = new Set<Runner>()
  private pending: number[] = []
  private readonly nextDue = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private readonly startedAt: number
  private stopped = false
  private sources: Promise<void> = Promise.resolve()
  private readonly httpPolicy: TargetPolicy
  /** The Http actions' connections, each checked against the target policy as it is made. */
  private readonly http: Agent

  constructor (
    private readonly store: Store,
    private readonly registry: TriggerRegistry,
    readonly catalog: OperationCatalog,
    private readonly opts: RuntimeOptions
  ) {
    this.history = new RunHistory(store)
    this.queue = new PQueue({ concurrency: opts.concurrency })
    this.httpPolicy = { allowPrivate: false, allowed: literalAddresses(opts.httpAllow) }
    this.http = new Agent({ connect: guardedConnector(this.httpPolicy, 10_000) })
    this.startedAt = store.clock()
    registry.onLocal(SOURCE, (row, e, envelope) => {
      const flow = this.flows.get(row.target_url.slice(SOURCE.length + 1))
      if (!flow) return
      this.pending.push(this.history.enqueue(flow.id, 'event', flow.trigger.name, envelope, e.seq))
    })
    store.onCommit(() => this.drain())
  }

  /** Loads the directory, subscribes the enabled flows, fails runs a crash interrupted and resumes queued ones. */
  start (): void {
    const { flows, errors } = loadFlowDir(this.opts.dir, this.catalog)
    this.errors = errors
    for (const err of errors) {
      this.opts.log.error({ file: err.file, problems: err.problems }, `Flow not loaded: ${err.message}`)
    }
    this.flows = new Map(flows.map(f => [f.id, f]))
    for (const f of flows) {
      if (!this.opts.ownerOf(f.owner)) {
        this.opts.log.error(
          { flow: f.id },
          `Flow ${f.id}: its owner ${f.owner} is not a person of this organisation; it will not run.`
        )
      }
    }
    this.sync()
    const interrupted = this.history.failInterrupted()
    if (interrupted > 0) {
      this.opts.log.warn({ runs: interrupted }, 'Flow runs interrupted by the last stop were marked failed.')
    }
    this.pending.push(...this.history.queued())
    this.drain()
    this.schedule()
  }

  /**
   * Stops without waiting out long delays: queued runs stay queued (they resume on the next start), running
   * ones are interrupted (a Wait or a retry's backoff ends now) and end as Failed, RunInterrupted.
   */
  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.queue.clear()
    for (const runner of this.active) runner.interrupt()
    await this.queue.onIdle()
    this.history.flush()
    await this.http.destroy()
  }

  /** Resolves when nothing is queued or running (tests and the CLI wait on it). */
  async idle (): Promise<void> {
    for (;;) {
      if (this.stopped) {
        await this.queue.onIdle()
        return
      }
      await this.queue.onIdle()
      if (this.pending.length === 0 && this.queue.size === 0 && this.queue.pending === 0) return
      this.drain()
    }
  }

  loadErrors (): FlowLoadError[] {
    return this.errors
  }

  /** The identity a flow's actions run with; undefined when its owner is not a person of the organisation. */
  ownerOf (id: string): Caller | undefined {
    const f = this.flows.get(id)
    return f ? this.opts.ownerOf(f.owner) : undefined
  }

  flow (id: string): CompiledFlow | undefined {
    return this.flows.get(id)
  }

  all (): CompiledFlow[] {
    return [...this.flows.values()]
  }

  /**
   * Resolves once the owners' event sources are in place (with the Webex backend: their relay webhooks,
   * registered after the server listens); at once with the embedded backend.
   */
  connected (): Promise<void> {
    return this.sources
  }

  /** The work that puts the event sources in place (the app calls it once it listens). */
  connectWith (work: () => Promise<void>): void {
    this.sources = work()
  }

  /** The identities of the owners of event-triggered flows (enabled or not), each once. */
  eventOwners (): Caller[] {
    const owners = new Map<string, Caller>()
    for (const f of this.flows.values()) {
      const owner = f.trigger.kind === 'webhook' ? this.opts.ownerOf(f.owner) : undefined
      if (owner) owners.set(owner.personId, owner)
    }
    return [...owners.values()]
  }

  enabled (f: CompiledFlow): boolean {
    const state = this.store.get<{ enabled: number }>('SELECT enabled FROM flow_state WHERE flow_id = ?', f.id)
    return state ? state.enabled === 1 : f.enabled
  }

  /** The flows a caller may see: their own; a compliance officer sees every flow of the organisation. */
  list (caller: Caller): Flow[] {
    return [...this.flows.values()].filter(f => this.visible(caller, f)).map(f => this.describe(f))
  }

  get (caller: Caller, id: string): Flow {
    return this.describe(this.visibleFlow(caller, id))
  }

  setEnabled (caller: Caller, id: string, enabled: boolean): Flow {
    const f = this.ownedFlow(caller, id, true)
    this.store.tx(() =>
      this.store.run(
        `INSERT INTO flow_state (flow_id, enabled, updated) VALUES (?,?,?)
      ON CONFLICT (flow_id) DO UPDATE SET enabled = excluded.enabled, updated = excluded.updated`,
        f.id,
        enabled ? 1 : 0,
        this.store.now()
      )
    )
    this.sync()
    this.schedule()
    return this.describe(f)
  }

  /**
   * "Run now": only the owner, since the run acts with the owner's rights. A manual run skips the trigger
   * conditions (as Power Automate's test with a trigger body does); the CLI replays an event, so they apply.
   */
  runNow (caller: Caller, id: string, triggerBody: unknown, source: 'manual' | 'event' = 'manual'): FlowRun {
    const f = this.ownedFlow(caller, id, false)
    const seq = this.store.tx(() =>
      this.history.enqueue(f.id, source, f.trigger.name, JSON.stringify(triggerBody ?? null))
    )
    const queued = this.history.bySeq(seq) as FlowRun
    this.pending.push(seq)
    this.drain()
    return queued
  }

  runs (caller: Caller, id: string, q: { status?: string; max: number; cursor?: string }): Page<FlowRun> {
    return this.history.list(this.visibleFlow(caller, id).id, q)
  }

  run (caller: Caller, id: string, runId: string): FlowRun {
    const run = this.history.get(this.visibleFlow(caller, id).id, runId)
    if (!run) throw new NotFoundError('The run was not found.')
    return run
  }

  /** Fires every recurrence that is due by the clock; the timer calls it, tests call it after moving the clock. */
  tick (): void {
    const now = this.store.clock()
    for (const f of this.flows.values()) {
      if (f.trigger.kind !== 'recurrence' || !this.enabled(f) || this.stopped) continue
      const due = this.nextDue.get(f.id)
      if (due === undefined || due > now) continue
      const seq = this.store.tx(() =>
        this.history.enqueue(
          f.id,
          'recurrence',
          f.trigger.name,
          JSON.stringify({ scheduledTime: new Date(due).toISOString() })
        )
      )
      this.pending.push(seq)
      this.nextDue.set(f.id, nextOccurrence(f.trigger, now, this.startedAt))
    }
    this.drain()
    this.schedule()
  }

  private visible (caller: Caller, f: CompiledFlow): boolean {
    const owner = this.opts.ownerOf(f.owner)
    return owner?.personId === caller.personId || (owner !== undefined && isComplianceOfficer(caller, owner.orgId))
  }

  private visibleFlow (caller: Caller, id: string): CompiledFlow {
    const f = this.flows.get(id)
    if (!f || !this.visible(caller, f)) throw new NotFoundError('The flow was not found.')
    return f
  }

  private ownedFlow (caller: Caller, id: string, officerToo: boolean): CompiledFlow {
    const f = this.visibleFlow(caller, id)
    const owner = this.opts.ownerOf(f.owner)
    if (owner?.personId !== caller.personId && !(officerToo && isComplianceOfficer(caller, owner?.orgId ?? ''))) {
      throw new ForbiddenError("Only the flow's owner can do this: its actions run with the owner's rights.")
    }
    return f
  }

  private describe (f: CompiledFlow): Flow {
    const t = f.trigger
    const due = this.nextDue.get(f.id)
    const enabled = this.enabled(f)
    return {
      id: f.id,
      description: f.description,
      ownerEmail: f.owner,
      enabled,
      trigger:
        t.kind === 'webhook'
          ? {
              name: t.name,
              type: 'ApiConnectionWebhook',
              operationId: t.trigger.operationId,
              ...(t.filter ? { filter: t.filter } : {}),
            }
          : {
              name: t.name,
              type: 'Recurrence',
              recurrence: `${t.interval} ${t.frequency}`,
              ...(due !== undefined && enabled ? { nextRun: new Date(due).toISOString() } : {}),
            },
      actions: f.steps.map(s => s.name),
    }
  }

  /** Subscriptions in the registry = the enabled event-triggered flows whose owner exists. */
  private sync (): void {
    const wanted = []
    for (const f of this.flows.values()) {
      const owner = this.opts.ownerOf(f.owner)
      if (f.trigger.kind !== 'webhook' || !owner || !this.enabled(f)) continue
      wanted.push({
        target: `${SOURCE}:${f.id}`,
        name: f.id,
        ownerId: owner.personId,
        orgId: owner.orgId,
        resource: f.trigger.trigger.resource,
        event: f.trigger.trigger.event,
        ...(f.trigger.filter ? { filter: f.trigger.filter } : {}),
      })
    }
    this.registry.syncLocal(SOURCE, wanted)
  }

  private schedule (): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const now = this.store.clock()
    for (const f of this.flows.values()) {
      if (f.trigger.kind !== 'recurrence' || !this.enabled(f)) {
        this.nextDue.delete(f.id)
        continue
      }
      if (!this.nextDue.has(f.id)) this.nextDue.set(f.id, nextOccurrence(f.trigger, now, this.startedAt))
    }
    if (this.opts.timers === false || this.stopped || this.nextDue.size === 0) return
    const earliest = Math.min(...this.nextDue.values())
    this.timer = setTimeout(() => this.tick(), Math.min(2 ** 31 - 1, Math.max(0, earliest - now)))
    this.timer.unref()
  }

  private drain (): void {
    if (this.pending.length === 0 || this.stopped) return
    const seqs = this.pending
    this.pending = []
    for (const seq of seqs) {
      if (this.inFlight.has(seq)) continue
      this.inFlight.add(seq)
      void this.queue.add(async () => {
        try {
          await this.execute(seq)
        } catch (err) {
          this.opts.log.error({ err, run: seq }, 'A flow run failed unexpectedly.')
          this.history.finish(seq, {
            status: 'Failed',
            error: { code: 'RuntimeError', message: (err as Error).message },
          })
        } finally {
          this.inFlight.delete(seq)
        }
      })
    }
  }

  private async execute (seq: number): Promise<void> {
    const row = this.history.start(seq)
    if (!row) return
    const flow = this.flows.get(row.flow_id)
    const owner = flow ? this.opts.ownerOf(flow.owner) : undefined
    if (!flow || !owner) {
      this.history.finish(seq, {
        status: 'Failed',
        error: { code: 'FlowUnavailable', message: `The flow ${row.flow_id} is not loaded or its owner is unknown.` },
      })
      return
    }
    const runner = new Runner(
      flow,
      row.id,
      JSON.parse(row.trigger_body),
      { 'content-type': 'application/json' },
      {
        catalog: this.catalog,
        token: this.catalog.tokenFor(owner),
        now: () => this.store.clock(),
        sleep: this.opts.sleep ?? realSleep,
        httpRefusal: url => this.httpRefusal(url),
        dispatcher: this.http,
        record: (r: ActionResult) => this.history.action(seq, r),
      }
    )
    if (row.source !== 'manual' && !runner.conditionsHold()) {
      this.history.finish(seq, {
        status: 'Skipped',
        error: { code: 'TriggerConditionsNotMet', message: 'The trigger conditions were false for this event.' },
      })
      return
    }
    this.active.add(runner)
    try {
      this.history.finish(seq, await runner.execute())
    } finally {
      this.active.delete(runner)
    }
  }

  private httpRefusal (url: string): string | undefined {
    const { origin, hostname } = new URL(url)
    if (!this.opts.httpAllow.includes(origin)) {
      return `Http actions may only call the origins in FLOWS_HTTP_ALLOW (${this.opts.httpAllow.join(', ') || 'none ' +
        'configured'}); ${origin} is not one.`
    }
    const refused = hostRefusal(this.httpPolicy, hostname)
    return refused ? `Http actions may not call ${origin}: ${refused}.` : undefined
  }
}
