import PQueue from 'p-queue'
import { Agent } from 'undici'
import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Caller } from '../domain/caller.js'
import type { AsyncStore } from '../store/db.js'
import type { TriggerRegistry } from '../triggers/registry.js'
import { ForbiddenError, NotFoundError, StoreUnavailableError, WebexError } from '../errors.js'
import { isComplianceOfficer } from '../auth/rules.js'
import type { CallbackUrl, Flow, FlowRun } from '../schemas/flow.js'
import type { Page } from '../domain/caller.js'
import { loadFlowDir, type CompiledFlow, type FlowLoadError, type Step } from './load.js'
import type { OperationCatalog, OperationReply } from './operations.js'
import {
  RunHistory,
  type RunQuery,
  type HeldRun,
  type RunRow,
  type RunSelection,
  type RunSource,
  type TriggerMeta,
} from './history.js'
import { RunExecutor, type ActionResult, type RunnerDeps, type RunOutcome, type TriggerOutputs } from './runner.js'
import { reusePlan } from './resubmit.js'
import { nextOccurrence } from './recurrence.js'
import type { ScheduleSlots } from '../store/cluster/slots.js'
import { PollSteering } from './poll-steering.js'
import { API_VERSION, CallbackKeys, SV, type KeyType } from './callbacks.js'
import type { IdentityEndpoint } from './authentication.js'
import type { AppSettings } from './app-settings.js'
import type { WorkflowConnections } from './workflow-connections.js'
import type { Maps } from './maps.js'
import { CodeSandbox, type SandboxLimits } from './sandbox/sandbox.js'
import { send } from './outbound.js'
import { acceptEnvelope } from './event-door.js'
import { checkCaller, type CallerIdentity } from './caller-rule.js'
import type { Expr, Template } from './expression.js'
import { guardedConnector, hostRefusal, literalAddresses, type TargetPolicy } from '../http/target-policy.js'

/** The store away: the first wait before `recover` tries again, and the longest (the wait doubles). */
const RECOVERY_FIRST_MS = 500
const RECOVERY_LAST_MS = 10_000

export interface RuntimeOptions {
  dir: string
  /** Runs executing at once, across flows. */
  concurrency: number
  /** Origins (scheme://host:port) Http actions may call; nothing else. */
  httpAllow: string[]
  log: FastifyBaseLogger
  /** Resolves a flow's owner (by email) to the identity its actions run with. */
  ownerOf: (email: string) => Caller | undefined
  /** Resolves the owners of the flows just loaded, so that ownerOf answers for them. */
  resolveOwners?: (emails: string[]) => Promise<void>
  /** Delays (Wait, retries, timeouts, polls); tests pass one that resolves at once and records the duration. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** false: no recurrence timer; tests move the clock and call tick(). */
  timers?: boolean
  /** Where callers reach this service (callback URLs); else where it listens. */
  publicUrl?: string
  /** How long a Request caller waits for the flow's Response before 504 (Logic Apps: 120 s). */
  responseTimeoutMs?: number
  /** The host's managed identity endpoint, for ManagedServiceIdentity authentication. */
  identity?: IdentityEndpoint
  /** appsetting(): the operator's app settings (FLOWS_APP_SETTINGS). */
  appSettings?: AppSettings
  /** Agent and Function actions' connections (FLOWS_CONNECTIONS_JSON). */
  workflowConnections?: WorkflowConnections
  /** Xslt actions' maps (FLOWS_MAPS_DIR). */
  maps?: Maps
  /** JavaScriptCode: the inline code sandbox's limits (default: Logic Apps Standard's). */
  inlineCode?: Partial<SandboxLimits>
  /** Several instances on one PostgreSQL database: who this instance is and what they share. */
  cluster?: RuntimeCluster
}

/** What the runtime needs to share the flow queue and the schedules with other instances. */
export interface RuntimeCluster {
  /** This instance: written into the runs it claims. */
  instance: string
  /** SQL true while the instance named by the column holds its liveness lease (cluster/presence.ts). */
  alive: (column: string) => string
  /** Recurrences and polls fire once for the cluster: the instance that takes the occurrence's slot. */
  slots: ScheduleSlots
  /**
   * A queued run older than this (ms) is taken by any instance with room: its instance died, or is too busy.
   * Younger ones are left to the instance that queued them (a Request caller may be waiting there).
   */
  staleQueuedMs: number
}

const SOURCE = 'flow'
const DEFAULT_RESPONSE_TIMEOUT = 120_000

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

/** An HTTP answer of the runtime to a caller of a flow's trigger (the Request door). */
export interface DoorReply {
  statusCode: number
  headers: Record<string, string>
  body: unknown
}

/** One call to a Request (or HttpWebhook) trigger, already checked for its signature. */
export interface Invocation {
  method: string
  relativePath: string
  headers: Record<string, string>
  queries: Record<string, string>
  body: unknown
  /** Who is calling, from their access token, for triggers that take calls only from people (Tenant, User). */
  identify?: () => Promise<CallerIdentity | undefined>
}

interface Waiter {
  resolve(reply: DoorReply): void
  answered: boolean
  runId: string
}

/**
 * Runs the flows of a directory: each enabled flow's trigger starts runs by its kind's source (connector events
 * through the trigger registry, schedules and polls from a timer, Request calls through the signed door, webhook
 * callbacks), and queued runs execute on a bounded queue, each flow within its trigger's concurrency, with their
 * history written as they go.
 */
export class FlowRuntime {
  readonly history: RunHistory
  readonly keys: CallbackKeys
  /** Runs JavaScriptCode actions' code, each in a child process of its own. */
  readonly sandbox: CodeSandbox
  private flows = new Map<string, CompiledFlow>()
  private errors: FlowLoadError[] = []
  private readonly queue: PQueue
  private readonly inFlight = new Set<number>()
  private readonly runningPerFlow = new Map<string, number>()
  /** The runs executing now, by seq (stop interrupts them, cancel cancels one). */
  private readonly active = new Map<number, RunExecutor>()
  /** Each run handed to the queue, until it has ended (a cancel waits for it). */
  private readonly executions = new Map<number, Promise<void>>()
  /** Each run handed to the queue, until its claim has answered (Running, or waiting for its flow's turn). */
  private readonly claims = new Map<number, { done: Promise<void>; resolve: () => void }>()
  private pending: number[] = []
  /** The flow of pending runs queued by events here (so the drain need not read it). */
  private readonly flowOf = new Map<number, string>()
  /** Drains under way: they have taken runs off `pending` and not yet handed them to the queue (idle waits). */
  private readonly draining = new Set<Promise<void>>()
  /**
   * Per flow, runs whose claim found its trigger concurrency full for the cluster (or an older run still queued):
   * tried again when a run of the flow is claimed or ends here, and on every sweep (another instance's run ended).
   */
  private readonly waitingTurn = new Map<string, number[]>()
  /** How many times waiting runs were released: a claim that said 'waiting' while one was, tries again. */
  private released = 0
  /** Outcomes of finished runs that could not be written (the store away): written again by `recover`. */
  private readonly unrecorded = new Map<number, RunOutcome>()
  private recovery: NodeJS.Timeout | undefined
  private recoveryDelay = RECOVERY_FIRST_MS
  private readonly nextDue = new Map<string, number>()
  private readonly steering: PollSteering
  /** Per flow, the time a schedule without a start time counts from: the cluster's (PostgreSQL), else startedAt. */
  private readonly anchors = new Map<string, number>()
  private readonly waiters = new Map<number, Waiter>()
  private readonly hooks = new Map<string, (got: { headers: Record<string, string>; body: unknown }) => void>()
  private timer: NodeJS.Timeout | undefined
  private readonly startedAt: number
  private readonly httpPolicy: TargetPolicy
  /** The outbound calls' connections (Http actions and triggers, webhooks), each checked as it is made. */
  private readonly http: Agent
  private stopped = false
  private sources: Promise<void> = Promise.resolve()
  private listening: string | undefined

  constructor (
    private readonly store: AsyncStore,
    private readonly registry: TriggerRegistry,
    readonly catalog: OperationCatalog,
    private readonly opts: RuntimeOptions
  ) {
    this.httpPolicy = { allowPrivate: false, allowed: literalAddresses(opts.httpAllow) }
    this.http = new Agent({ connect: guardedConnector(this.httpPolicy, 10_000) })
    this.history = new RunHistory(store, id => this.flows.get(id)?.trigger.secure.outputs ?? false)
    this.steering = new PollSteering(store)
    this.keys = new CallbackKeys(store, !opts.cluster)
    this.sandbox = new CodeSandbox({
      timeoutMs: 15_000,
      memoryMb: 256,
      maxBytes: 50 * 1024 * 1024,
      concurrency: 2,
      ...opts.inlineCode,
    })
    this.queue = new PQueue({ concurrency: opts.concurrency })
    this.startedAt = store.clock()
    catalog.settleWith(() => new Promise<void>((resolve, reject) => {
      store.whenCommitted(err => (err ? reject(err) : resolve()))
    }))
    registry.onLocal(SOURCE, async (row, e, envelope) => {
      const flow = this.flows.get(row.target_url.slice(SOURCE.length + 1))
      if (!flow) return
      // The envelope's text is the run's trigger body as it is: parsed only for trigger expressions to read it.
      const outputs = { headers: { 'content-type': 'application/json' }, body: undefined }
      const seqs = await this.enqueue(flow, 'event', outputs, e.seq, false, envelope)
      // Claimable once committed: on PostgreSQL another transaction's commit could start a drain before then,
      // find the run not yet visible, and drop it.
      this.store.afterCommit(() => {
        for (const seq of seqs) this.flowOf.set(seq, flow.id)
        this.pending.push(...seqs)
      })
    })
    store.onCommit(() => this.background(this.drain()))
  }

  /** Loads the directory, subscribes the enabled flows, fails runs a crash interrupted and resumes queued ones. */
  async start (): Promise<void> {
    const { flows, errors } = loadFlowDir(this.opts.dir, this.catalog, {
      ...(this.opts.appSettings ? { appSettings: this.opts.appSettings } : {}),
      inlineCode: () => this.sandbox.availability(),
    })
    this.errors = errors
    for (const err of errors) {
      this.opts.log.error({ file: err.file, problems: err.problems }, `Flow not loaded: ${err.message}`)
    }
    this.flows = new Map(flows.map(f => [f.id, f]))
    await this.opts.resolveOwners?.([...new Set(flows.map(f => f.owner))])
    for (const f of flows) {
      if (!this.opts.ownerOf(f.owner)) {
        this.opts.log.error(
          { flow: f.id },
          `Flow ${f.id}: its owner ${f.owner} is not a person of this organisation; it will not run.`
        )
      }
    }
    await this.sync()
    const cluster = this.opts.cluster
    // One instance: whatever was Running when it last stopped was its own. Several: only the runs of instances
    // whose liveness lease has expired (a live one's are its business), and again on every sweep.
    const interrupted = cluster
      ? await this.history.failAbandoned(cluster.instance, cluster.alive)
      : await this.history.failInterrupted()
    if (interrupted > 0) {
      this.opts.log.warn({ runs: interrupted }, 'Flow runs interrupted by the last stop were marked failed.')
    }
    if (cluster) {
      for (const f of this.flows.values()) {
        const d = f.trigger.data
        if (d.source === 'schedule' || d.source === 'poll') {
          this.anchors.set(f.id, await cluster.slots.since(`flow:${f.id}`, this.startedAt))
        }
      }
    }
    this.pending.push(
      ...await (cluster
        ? this.history.queuedSince(this.store.clock() - cluster.staleQueuedMs, this.opts.concurrency)
        : this.history.queued())
    )
    await this.drain()
    await this.schedule()
  }

  /**
   * Several instances, on every renewal of this instance's liveness lease: the Running runs of dead instances
   * are failed (RunInterrupted), and queued runs nobody took in time are claimed as far as this one has room.
   */
  async sweep (): Promise<void> {
    const cluster = this.opts.cluster
    if (!cluster || this.stopped) return
    const interrupted = await this.history.failAbandoned(cluster.instance, cluster.alive)
    if (interrupted > 0) {
      this.opts.log.warn({ runs: interrupted }, 'Flow runs of an instance that died were marked failed.')
    }
    // A run of another instance may have ended since: the runs that waited for their flow's turn try again.
    this.releaseTurn()
    const room = this.opts.concurrency - this.queue.size - this.queue.pending
    if (room <= 0) return
    const stale = await this.history.queuedSince(this.store.clock() - cluster.staleQueuedMs, room + this.inFlight.size)
    const fresh = stale.filter(seq => !this.inFlight.has(seq) && !this.pending.includes(seq)).slice(0, room)
    if (fresh.length === 0) return
    this.pending.push(...fresh)
    await this.drain()
  }

  /** The service listens at `url`: the base of callback URLs unless PUBLIC_URL says otherwise. */
  listeningAt (url: string): void {
    this.listening = url
    this.connectWith(() => this.syncWebhooks())
  }

  /**
   * Stops without waiting out long delays: queued runs stay queued (they resume on the next start), running
   * ones are interrupted (a Wait or a retry's backoff ends now) and end as Failed, RunInterrupted.
   */
  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    clearTimeout(this.recovery)
    this.queue.clear()
    this.sandbox.stop()
    for (const runner of this.active.values()) runner.interrupt()
    for (const [, w] of this.waiters) w.resolve(gone(w.runId))
    await this.queue.onIdle()
    await this.history.flush()
    await this.http.destroy()
  }

  /**
   * Resolves when every run queued so far (by an event committed, a call, a schedule) has been taken up and has
   * ended here: nothing pending, being drained, queued or running (tests and the CLI wait on it). Runs waiting
   * for another instance's runs of their flow to end (trigger concurrency) are that instance's to release.
   */
  async idle (): Promise<void> {
    for (;;) {
      if (this.stopped) {
        await this.queue.onIdle()
        return
      }
      await Promise.allSettled(this.draining)
      await this.queue.onIdle()
      if (this.pending.length === 0 && this.draining.size === 0 && this.queue.size === 0 && this.queue.pending === 0) {
        return
      }
      await this.drain()
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

  connected (): Promise<void> {
    return this.sources
  }

  connectWith (work: () => Promise<void>): void {
    const before = this.sources
    this.sources = before.then(work, work)
  }

  eventOwners (): Caller[] {
    const owners = new Map<string, Caller>()
    for (const f of this.flows.values()) {
      const owner = f.trigger.data.source === 'event' ? this.opts.ownerOf(f.owner) : undefined
      if (owner) owners.set(owner.personId, owner)
    }
    return [...owners.values()]
  }

  async enabled (f: CompiledFlow): Promise<boolean> {
    const state = await this.store.get<{ enabled: number }>('SELECT enabled FROM flow_state WHERE flow_id = ?', f.id)
    return state ? state.enabled === 1 : f.enabled
  }

  async list (caller: Caller): Promise<Flow[]> {
    const flows: Flow[] = []
    for (const f of this.flows.values()) if (this.visible(caller, f)) flows.push(await this.describe(f))
    return flows
  }

  async get (caller: Caller, id: string): Promise<Flow> {
    const f = this.visibleFlow(caller, id)
    const graph: NonNullable<Flow['graph']> = []
    const walk = (steps: Step[], parent?: string): void => {
      for (const s of steps) {
        graph.push({ name: s.name, type: s.kind.type, ...(parent ? { parent } : {}), runAfter: s.runAfter })
        walk(s.kind.children?.(s.data) ?? [], s.name)
      }
    }
    walk(f.steps)
    return { ...(await this.describe(f)), graph }
  }

  async setEnabled (caller: Caller, id: string, enabled: boolean): Promise<Flow> {
    const f = this.ownedFlow(caller, id, true)
    await this.store.tx(async () =>
      await this.store.run(
        `INSERT INTO flow_state (flow_id, enabled, updated) VALUES (?,?,?)
      ON CONFLICT (flow_id) DO UPDATE SET enabled = excluded.enabled, updated = excluded.updated`,
        f.id,
        enabled ? 1 : 0,
        this.store.now()
      )
    )
    await this.sync()
    await this.schedule()
    this.connectWith(() => this.syncWebhooks())
    return this.describe(f)
  }

  /**
   * "Run now": only the owner, since the run acts with the owner's rights. A manual run skips the trigger
   * conditions (as Power Automate's test with a trigger body does).
   */
  async runNow (caller: Caller, id: string, triggerBody: unknown): Promise<FlowRun> {
    const f = this.ownedFlow(caller, id, false)
    const seq = await this.store.tx(async () =>
      this.history.enqueue(f.id, 'manual', f.trigger.name, JSON.stringify(triggerBody ?? null), undefined, {
        trigger: { headers: { 'content-type': 'application/json' } },
      })
    )
    const queued = await this.history.bySeq(seq) as FlowRun
    this.pending.push(seq)
    await this.drain()
    return queued
  }

  /**
   * Replays an event envelope to the owner's flow as its trigger would receive it (the CLI, flow tests): the trigger
   * conditions apply, so it may start no run at all (undefined), as a firing whose conditions are false starts none.
   */
  async replay (caller: Caller, id: string, envelope: unknown): Promise<FlowRun | undefined> {
    const f = this.ownedFlow(caller, id, false)
    const seqs = await this.enqueue(f, 'event', { headers: { 'content-type': 'application/json' }, body: envelope })
    const first = seqs[0] !== undefined ? await this.history.bySeq(seqs[0]) : undefined
    this.pending.push(...seqs)
    await this.drain()
    return first
  }

  runs (caller: Caller, id: string, q: RunQuery): Promise<Page<FlowRun>> {
    return this.history.list(this.visibleFlow(caller, id).id, q)
  }

  async run (caller: Caller, id: string, runId: string): Promise<FlowRun> {
    const run = await this.history.get(this.visibleFlow(caller, id).id, runId)
    if (!run) throw new NotFoundError('The run was not found.')
    return run
  }

  /**
   * Resubmit (owner only, like run now): a new run from the origin's trigger outputs, linked to it; with
   * `actions`, from that top-level action on, the actions before it keeping their recorded results.
   */
  async resubmit (caller: Caller, id: string, runId: string, actions?: string[]): Promise<FlowRun> {
    const f = this.ownedFlow(caller, id, false)
    const row = await this.history.row(f.id, runId)
    if (!row) throw new NotFoundError('The run was not found.')
    const run = (await this.history.bySeq(await this.resubmitRow(f, row, actions))) as FlowRun
    await this.drain()
    return run
  }

  /** Bulk resubmit: the finished runs chosen by id or by status and time, each from its trigger, oldest first. */
  async resubmitMany (caller: Caller, id: string, sel: RunSelection): Promise<FlowRun[]> {
    const f = this.ownedFlow(caller, id, false)
    const rows = await this.history.select(f.id, sel)
    const missing = sel.runIds?.filter(r => !rows.some(row => row.id === r))
    if (missing && missing.length > 0) {
      throw new WebexError(
        409,
        `Not resubmitted: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a finished run of ${f.id}.`
      )
    }
    const seqs = await this.store.tx(async () => {
      const queued: number[] = []
      for (const r of rows) queued.push(await this.resubmitRow(f, r, undefined))
      return queued
    })
    const runs: FlowRun[] = []
    for (const seq of seqs) runs.push((await this.history.bySeq(seq)) as FlowRun)
    await this.drain()
    return runs
  }

  private async resubmitRow (f: CompiledFlow, row: RunRow, actions: string[] | undefined): Promise<number> {
    if (row.status === 'Queued' || row.status === 'Running') {
      throw new WebexError(409, `The run ${row.id} has not finished (${row.status}): cancel it or wait for it.`)
    }
    // Checked now, so a plan that cannot hold is refused with a 400 rather than failing the new run.
    if (actions) await this.reuseFor(f, row.id, actions)
    // Names match ignoring case, as in Logic Apps; the history keeps the definition's spelling.
    const named = actions?.map(n => f.steps.find(s => s.name.toLowerCase() === n.toLowerCase())?.name ?? n)
    const seq = await this.store.tx(() =>
      this.history.enqueue(f.id, row.source as RunSource, row.trigger_name, row.trigger_body, undefined, {
        ...(row.trigger_outputs ? { trigger: JSON.parse(row.trigger_outputs) as TriggerMeta } : {}),
        ...(row.client_tracking_id ? { clientTrackingId: row.client_tracking_id } : {}),
        resubmission: { origin: row.id, ...(named ? { actions: named } : {}) },
      })
    )
    this.pending.push(seq)
    return seq
  }

  private async reuseFor (
    f: CompiledFlow,
    originId: string,
    actions: string[]
  ): Promise<NonNullable<RunnerDeps['reuse']>> {
    const origin = await this.history.row(f.id, originId)
    if (!origin) throw new NotFoundError(`The run ${originId} was not found.`)
    return { from: origin.id, records: reusePlan(f, await this.history.records(origin.seq), actions) }
  }

  /**
   * Cancels a run (owner or compliance officer): a queued one never starts; a running one stops where it is, the
   * action in progress is cancelled and nothing after it starts. A finished run is refused (409).
   */
  async cancel (caller: Caller, id: string, runId: string): Promise<FlowRun> {
    const f = this.ownedFlow(caller, id, true)
    const row = await this.history.row(f.id, runId)
    if (!row) throw new NotFoundError('The run was not found.')
    const runner = this.active.get(row.seq)
    if (runner) {
      runner.cancel()
      // Answered once the run has ended and its records are written, so the answer shows it Cancelled.
      await this.executions.get(row.seq)
    } else if (!(await this.history.cancelQueued(row.seq))) {
      throw new WebexError(409, `The run ${row.id} has already finished (${row.status}).`)
    } else {
      // A later run of the flow may have waited for this one to leave the queue.
      this.releaseTurn(f.id)
    }
    return (await this.history.bySeq(row.seq)) as FlowRun
  }

  /** Cancels every queued run of a flow (owner or compliance officer); running ones go on. */
  async cancelQueued (caller: Caller, id: string): Promise<number> {
    const f = this.ownedFlow(caller, id, true)
    const cancelled = await this.history.cancelAllQueued(f.id)
    this.releaseTurn(f.id)
    return cancelled
  }

  // ---------------------------------------------------------------- callback URLs and the door

  private base (): string {
    return (this.opts.publicUrl ?? this.listening ?? 'http://127.0.0.1').replace(/\/+$/, '')
  }

  /** The path a trigger's callback URL signs (without the relative path, which the caller fills in). */
  static invokePath (flowId: string, triggerName: string): string {
    return `/v1/flows/${encodeURIComponent(flowId)}/triggers/${encodeURIComponent(triggerName)}/paths/invoke`
  }

  static triggerSp (triggerName: string): string {
    return `/triggers/${triggerName}/run`
  }

  /** The signed callback URL of a flow's Request or HttpWebhook trigger (listCallbackUrl()). */
  async callbackUrl (f: CompiledFlow, keyType: KeyType = 'Primary'): Promise<CallbackUrl> {
    const d = f.trigger.data
    if (!f.trigger.kind.callback) {
      throw new WebexError(400, `The flow ${f.id} has no callback URL: its trigger is ${f.trigger.type}.`)
    }
    const path = FlowRuntime.invokePath(f.id, f.trigger.name)
    const sp = FlowRuntime.triggerSp(f.trigger.name)
    const sig = await this.keys.sign(f.id, path, sp, keyType)
    const relative = d.source === 'request' && d.relativePath ? `/${d.relativePath}` : ''
    const basePath = `${this.base()}${path}${relative}`
    const queries = { 'api-version': API_VERSION, sp, sv: SV, sig }
    const params = [...(d.source === 'request' ? (d.relativePath ?? '') : '').matchAll(/\{([^}]+)\}/g)].map(m => m[1])
    return {
      value: `${basePath}?${new URLSearchParams(queries).toString()}`,
      method: d.source === 'request' ? (d.method ?? 'POST') : 'POST',
      basePath,
      queries,
      ...(relative ? { relativePath: relative.slice(1), relativePathParameters: params } : {}),
    }
  }

  listCallbackUrl (caller: Caller, id: string, keyType: KeyType = 'Primary'): Promise<CallbackUrl> {
    return this.callbackUrl(this.ownedFlow(caller, id, false), keyType)
  }

  async regenerateKey (caller: Caller, id: string, keyType: KeyType): Promise<void> {
    await this.keys.regenerate(this.ownedFlow(caller, id, true).id, keyType)
  }

  /** Whether `sig` is a valid signature of that flow's trigger URL (the door checks it before anything else). */
  async verifyTrigger (
    flowId: string,
    triggerName: string,
    sp: string | undefined,
    sig: string | undefined
  ): Promise<boolean> {
    const f = this.flows.get(flowId)
    if (!f || f.trigger.name !== triggerName || sp !== FlowRuntime.triggerSp(triggerName)) return false
    return this.keys.verify(flowId, FlowRuntime.invokePath(flowId, triggerName), sp, sig)
  }

  async verifyPath (flowId: string, path: string, sig: string | undefined): Promise<boolean> {
    return this.flows.has(flowId) && await this.keys.verify(flowId, path, 'callback', sig)
  }

  private async signedPath (flowId: string, path: string): Promise<string> {
    return this.signed(path, await this.keys.sign(flowId, path, 'callback'))
  }

  private signed (path: string, sig: string): string {
    const query = new URLSearchParams({ 'api-version': API_VERSION, sv: SV, sig })
    return `${this.base()}${path}?${query}`
  }

  /** Secrets of a flow that must never reach the run history (its current callback signatures). */
  private secrets (f: CompiledFlow, sign: (path: string, sp: string, keyType?: KeyType) => string): string[] {
    if (!f.trigger.kind.callback) return []
    const path = FlowRuntime.invokePath(f.id, f.trigger.name)
    const sp = FlowRuntime.triggerSp(f.trigger.name)
    return (['Primary', 'Secondary'] as const).map(k => sign(path, sp, k))
  }

  /**
   * A signed call to a flow's Request trigger: method, relative path and (with EnableSchemaValidation) the body
   * are checked, the run is queued (one per element with splitOn), and the caller gets the flow's Response, or
   * 202 with the run's location when the flow has none (or answers asynchronously).
   */
  async invoke (flowId: string, call: Invocation, location: (runId: string) => string): Promise<DoorReply> {
    const f = this.flows.get(flowId)
    const d = f?.trigger.data
    if (!f || !d || !f.trigger.kind.callback) {
      throw new NotFoundError('The flow was not found.')
    }
    const owner = this.opts.ownerOf(f.owner)
    if (!owner || !await this.enabled(f)) {
      throw new WebexError(
        409,
        `The flow ${f.id} is disabled${owner ? '' : ' (its owner is unknown)'}; nothing was started.`
      )
    }
    let relativePathParameters: Record<string, string> | undefined
    if (d.source === 'request') {
      const method = d.method ?? 'POST'
      if (call.method !== method) {
        throw new WebexError(405, `This trigger accepts ${method}, not ${call.method}.`, undefined, { allow: method })
      }
      relativePathParameters = matchPath(d.relativePath, call.relativePath)
      if (!relativePathParameters) {
        throw new NotFoundError(`The path does not match the trigger's relative path '${d.relativePath ?? ''}'.`)
      }
      if (d.authentication) await checkCaller(d.authentication, owner, call.identify)
      if (f.trigger.options.has('enableschemavalidation')) {
        const problems = d.schema?.check(call.body) ?? []
        const headerProblems = d.headersSchema?.check(call.headers) ?? []
        if (problems.length + headerProblems.length > 0) {
          const all = [...problems.map(p => `body ${p}`), ...headerProblems.map(p => `headers ${p}`)]
          throw new WebexError(400, `The request does not match the trigger's schema: ${all[0]}.`, all)
        }
      }
    }
    if (d.source === 'event' && !acceptEnvelope(d.trigger, d.filter, owner.personId, call.body)) {
      return {
        statusCode: 202,
        headers: {},
        body: webexError(`The event does not match the trigger's filter (${d.filter ?? ''}); no run was started.`),
      }
    }
    const headers = { ...call.headers }
    if (!f.trigger.options.has('includeauthorizationheadersinoutputs')) delete headers.authorization
    const outputs: TriggerOutputs = {
      headers,
      body: call.body,
      queries: call.queries,
      ...(relativePathParameters && Object.keys(relativePathParameters).length > 0 ? { relativePathParameters } : {}),
    }
    const source: RunSource = d.source === 'request' ? 'request' : 'webhook'
    const seqs = await this.enqueue(f, source, outputs, undefined, true)
    const first = seqs[0] !== undefined ? await this.history.bySeq(seqs[0]) : undefined
    const runId = first?.id ?? ''
    const workflowHeaders: Record<string, string> = f.trigger.options.has('suppressworkflowheadersonresponse')
      ? {}
      : {
          'x-ms-workflow-name': f.id,
          ...(runId ? { 'x-ms-workflow-run-id': runId } : {}),
          ...(first?.clientTrackingId ? { 'x-ms-client-tracking-id': first.clientTrackingId } : {}),
        }
    const sync =
      d.source === 'request' && f.response && !f.response.asynchronous && !f.trigger.splitOn && seqs.length === 1
    if (!sync || !first || first.status === 'Skipped' || first.status === 'Failed') {
      this.pending.push(...seqs)
      await this.drain()
      // The 202 says the run has started, or waits for its flow's turn: a caller listing the runs sees which.
      await Promise.all(seqs.map(seq => this.claims.get(seq)?.done))
      const loc =
        runId && f.response?.asynchronous
          ? await this.signedPath(f.id, `/v1/flows/${encodeURIComponent(f.id)}/runs/${runId}/response`)
          : runId
            ? location(runId)
            : undefined
      return { statusCode: 202, headers: { ...workflowHeaders, ...(loc ? { location: loc } : {}) }, body: null }
    }
    const answer = new Promise<DoorReply>(resolve => {
      this.waiters.set(seqs[0], { resolve, answered: false, runId })
    })
    const timeout = new AbortController()
    const timer = realSleep(this.opts.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT, timeout.signal).then(
      (): DoorReply => ({
        statusCode: 504,
        headers: { location: location(runId) },
        body: webexError(
          `The flow did not answer within ${(this.opts.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT) / 1000} s; ` +
            'the run goes on.'
        ),
      }),
      () => new Promise<never>(() => {})
    )
    this.pending.push(...seqs)
    await this.drain()
    try {
      const reply = await Promise.race([answer, timer])
      return { ...reply, headers: { ...workflowHeaders, ...reply.headers } }
    } finally {
      timeout.abort()
      const w = this.waiters.get(seqs[0])
      if (w) w.answered = true
    }
  }

  /** A caller polling an asynchronous Response: 202 until the Response has run, then the Response. */
  async pollResponse (flowId: string, runId: string): Promise<DoorReply> {
    const row = await this.history.row(flowId, runId)
    if (!row) throw new NotFoundError('The run was not found.')
    if (row.response) return JSON.parse(row.response) as DoorReply
    if (row.status !== 'Queued' && row.status !== 'Running') {
      return { statusCode: 502, headers: {}, body: webexError('The run ended without a Response.') }
    }
    return { statusCode: 202, headers: { 'retry-after': '5' }, body: null }
  }

  /** A call to an HttpWebhook action's callback URL: the waiting action gets it. */
  deliverCallback (
    flowId: string,
    runId: string,
    key: string,
    got: { headers: Record<string, string>; body: unknown }
  ): boolean {
    const hook = this.hooks.get(`${flowId}|${runId}|${key}`)
    if (!hook) return false
    this.hooks.delete(`${flowId}|${runId}|${key}`)
    hook(got)
    return true
  }

  /** Fires every recurrence and poll that is due by the clock; the timer calls it, tests call it after moving it. */
  async tick (): Promise<void> {
    const now = this.store.clock()
    for (const f of this.flows.values()) {
      const d = f.trigger.data
      if ((d.source !== 'schedule' && d.source !== 'poll') || !await this.enabled(f) || this.stopped) continue
      const due = this.nextDue.get(f.id)
      if (due === undefined || due > now) continue
      const next = nextOccurrence(d.recurrence, now, this.since(f))
      if (next === undefined) this.nextDue.delete(f.id)
      else this.nextDue.set(f.id, next)
      const slots = this.opts.cluster?.slots
      if (d.source === 'schedule') {
        const fire = async (): Promise<void> => {
          this.pending.push(
            ...await this.enqueue(f, 'recurrence', {
              headers: {},
              body: { scheduledTime: new Date(due).toISOString() },
            })
          )
        }
        // Several instances: the occurrence's slot and its run commit together, on one instance only.
        if (slots) {
          await this.store.tx(async () => {
            if (await slots.take(`flow:${f.id}`, String(due), due)) await fire()
          })
        } else await fire()
      } else if (!slots || await slots.take(`flow:${f.id}`, String(due), due)) {
        this.connectWith(() => this.poll(f, d.request))
      }
    }
    await this.drain()
    await this.schedule()
  }

  /** The Http trigger's poll: 200 starts a run (or several with splitOn); Retry-After and Location steer the next. */
  private async poll (f: CompiledFlow, request: Template): Promise<void> {
    const owner = this.opts.ownerOf(f.owner)
    if (!owner) return
    const probe = new RunExecutor(f, '', { headers: {}, body: null }, await this.runnerDeps(f, 0, '', owner))
    try {
      const req = probe.triggerValue(request) as { uri: string }
      const steered = await this.steering.read(f.id, req.uri)
      const uri = steered?.uri ?? req.uri
      const reply = await this.sendOnce({ ...(req as object), uri } as never)
      const wait = Number(reply.headers['retry-after'])
      const dueMs = Number.isFinite(wait) && wait > 0 ? this.store.clock() + wait * 1000 : null
      if (dueMs !== null && dueMs < (this.nextDue.get(f.id) ?? Infinity)) this.nextDue.set(f.id, dueMs)
      const next = reply.headers.location ? new URL(reply.headers.location, uri).toString() : uri
      if (steered || next !== req.uri || dueMs !== null) await this.steering.write(f.id, req.uri, { uri: next, dueMs })
      if (reply.statusCode === 200) {
        this.pending.push(...await this.enqueue(
          f,
          'poll',
          { headers: reply.headers, body: reply.body, statusCode: 200 }
        ))
        await this.drain()
      }
    } catch (err) {
      this.opts.log.warn({ flow: f.id, err }, `The Http trigger of ${f.id} could not poll: ${(err as Error).message}`)
    } finally {
      await this.schedule()
    }
  }

  /**
   * Queues the runs one firing of a trigger starts: one, or one per element of splitOn; with the client tracking
   * id of correlation. The trigger conditions are evaluated first, on each body, as Logic Apps does before it creates
   * a run: a body they do not hold for starts no run and writes nothing (the trigger history of Logic Apps lists it
   * as Skipped; there is no run to list). Runs over the trigger's maximumWaitingRuns are recorded Skipped, not
   * started; a splitOn or a condition that cannot be evaluated is recorded as a Failed run, so it is seen.
   */
  private async enqueue (
    f: CompiledFlow,
    source: RunSource,
    outputs: TriggerOutputs,
    eventSeq?: number,
    /** A caller waits for the answer (the Request door): over maximumWaitingRuns is a 429, and nothing is written. */
    refuse = false,
    /** The JSON text of the trigger's body, given instead of `outputs.body` (an event's envelope). */
    bodyText?: string
  ): Promise<number[]> {
    const t = f.trigger
    if (bodyText !== undefined && (t.splitOn || t.conditions.length > 0 || t.clientTrackingId)) {
      outputs = { ...outputs, body: JSON.parse(bodyText) }
    }
    // The executor that evaluates the trigger's expressions, its deps built once per firing and only when an
    // expression is there; they read the flow's keys only when one of them asks for listCallbackUrl().
    let probeDeps: RunnerDeps | undefined
    const probe = async (o: TriggerOutputs): Promise<RunExecutor> =>
      new RunExecutor(f, '', o, (probeDeps ??= await this.probeDeps(f)))
    let bodies: unknown[] = [outputs.body]
    let splitError: string | undefined
    if (f.trigger.splitOn) {
      try {
        const v = (await probe(outputs)).triggerValue(f.trigger.splitOn)
        if (Array.isArray(v)) bodies = v
        else splitError = `splitOn must give an array, not ${v === null ? 'null' : typeof v}.`
      } catch (err) {
        splitError = (err as Error).message
      }
    }
    const trigger = metaOf(outputs)
    type Firing = { body: unknown; tracking?: string; failed?: { code: string; message: string } }
    const firings: Firing[] = []
    for (const body of bodies) {
      if (splitError) {
        firings.push({ body, failed: { code: 'InvalidSplitOn', message: splitError } })
        continue
      }
      let started = true
      let failed: Firing['failed']
      if (f.trigger.conditions.length > 0) {
        try {
          const p = await probe({ ...outputs, body })
          started = f.trigger.conditions.every(c => p.triggerValue(c) === true)
        } catch (err) {
          failed = { code: 'InvalidTemplate', message: `A trigger condition failed: ${(err as Error).message}` }
        }
      }
      if (!started) continue
      let tracking: string | undefined
      if (f.trigger.clientTrackingId && !failed) {
        try {
          const v = (await probe({ ...outputs, body })).triggerValue(f.trigger.clientTrackingId)
          if (v !== null && v !== undefined) tracking = String(v)
        } catch {
          /* Logic Apps falls back to the run id */
        }
      }
      firings.push({ body, ...(tracking ? { tracking } : {}), ...(failed ? { failed } : {}) })
    }
    if (firings.length === 0) return []
    const write = async (): Promise<number[]> => {
      const seqs: number[] = []
      const limit = f.trigger.concurrency
      // Counted for the cluster, in the flow's turn: two instances' firings cannot both take the last place.
      if (limit) await this.history.takeTurn(f.id)
      let active = limit ? await this.history.active(f.id) : 0
      for (const { body, tracking, failed } of firings) {
        const text = bodyText !== undefined && !t.splitOn ? bodyText : JSON.stringify(body ?? null)
        const seq = await this.history.enqueue(f.id, source, f.trigger.name, text, eventSeq, {
          trigger,
          ...(tracking ? { clientTrackingId: tracking } : {}),
          // An event's run starts from these (held in memory, runtime.execute): its body only when it was parsed
          // from the text here (JSON.parse of the same text again); a body given as a value is read back from
          // its JSON text, which may differ from it (the numbers of flows, undefined members).
          ...(bodyText !== undefined && !t.splitOn
            ? { given: outputs.body !== undefined ? { body: { value: body } } : {} }
            : {}),
        })
        if (failed) {
          await this.history.finish(seq, { status: 'Failed', error: failed })
        } else if (limit && active >= limit.runs + limit.maximumWaitingRuns) {
          if (refuse) {
            throw new WebexError(
              429,
              `The flow ${f.id} already has ${limit.maximumWaitingRuns} runs waiting; retry later.`,
              undefined,
              { 'retry-after': '10' }
            )
          }
          await this.history.finish(seq, {
            status: 'Skipped',
            error: { code: 'TooManyWaitingRuns', message: `${limit.maximumWaitingRuns} runs were already waiting.` },
          })
        } else {
          active++
          seqs.push(seq)
        }
      }
      return seqs
    }
    // In the event's transaction (a flow without trigger concurrency): a savepoint of its own would change
    // nothing, since a failure here fails the event's transaction, which then writes none of it.
    if (this.store.inTransaction() && !f.trigger.concurrency && !refuse) return write()
    return this.store.tx(write)
  }

  /**
   * What the trigger's expressions are evaluated with before a run exists: no store read unless one of them calls
   * listCallbackUrl(), whose URL is signed with the flow's keys.
   */
  private async probeDeps (f: CompiledFlow): Promise<RunnerDeps> {
    const t = f.trigger
    const owner = this.opts.ownerOf(f.owner)
    const expressions = [...t.conditions, t.splitOn, t.clientTrackingId].filter(e => e !== undefined)
    if (expressions.some(e => callsFunction(e, 'listcallbackurl'))) return await this.runnerDeps(f, 0, '', owner)
    return {
      catalog: this.catalog,
      token: '',
      now: () => this.store.clock(),
      sleep: this.opts.sleep ?? realSleep,
      httpRefusal: (url: string) => this.httpRefusal(url),
      dispatcher: this.http,
      record: () => undefined,
      appSetting: (name: string) => this.opts.appSettings?.get(name),
    }
  }

  // ---------------------------------------------------------------- internals

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

  private async describe (f: CompiledFlow): Promise<Flow> {
    const t = f.trigger
    const d = t.data
    const due = this.nextDue.get(f.id)
    const enabled = await this.enabled(f)
    const base = { name: t.name, type: t.type }
    let trigger: Flow['trigger']
    if (d.source === 'event') {
      trigger = { ...base, operationId: d.trigger.operationId, ...(d.filter ? { filter: d.filter } : {}) }
    } else if (d.source === 'schedule' || d.source === 'poll') {
      trigger = {
        ...base,
        recurrence: `${d.recurrence.interval} ${d.recurrence.frequency}`,
        ...(d.recurrence.timeZone ? { timeZone: d.recurrence.timeZone } : {}),
        ...(due !== undefined && enabled ? { nextRun: new Date(due).toISOString() } : {}),
      }
    } else if (d.source === 'request') {
      trigger = { ...base, method: d.method ?? 'POST', ...(d.relativePath ? { relativePath: d.relativePath } : {}) }
    } else trigger = base
    return {
      id: f.id,
      description: f.description,
      ownerEmail: f.owner,
      enabled,
      trigger,
      actions: f.steps.map(s => s.name),
    }
  }

  /** Subscriptions in the registry = the enabled event-triggered flows whose owner exists. */
  private async sync (): Promise<void> {
    const wanted = []
    for (const f of this.flows.values()) {
      const owner = this.opts.ownerOf(f.owner)
      const d = f.trigger.data
      if (d.source !== 'event' || !owner || !await this.enabled(f)) continue
      wanted.push({
        target: `${SOURCE}:${f.id}`,
        name: f.id,
        ownerId: owner.personId,
        orgId: owner.orgId,
        resource: d.trigger.resource,
        event: d.trigger.event,
        ...(d.filter ? { filter: d.filter } : {}),
      })
    }
    await this.registry.syncLocal(SOURCE, wanted)
  }

  /**
   * HttpWebhook triggers: an enabled flow is subscribed (its subscribe request, with its callback URL) once per
   * definition; a disabled one, or one whose definition changed, is unsubscribed with the request kept from then.
   */
  private async syncWebhooks (): Promise<void> {
    const rows = await this.store.all<{ flow_id: string; fingerprint: string; unsubscribe: string | null }>(
      'SELECT * FROM flow_webhooks'
    )
    const have = new Map(rows.map(r => [r.flow_id, r]))
    for (const f of this.flows.values()) {
      const d = f.trigger.data
      const owner = this.opts.ownerOf(f.owner)
      const want = d.source === 'webhook' && owner && await this.enabled(f)
      const print = createHash('sha256').update(JSON.stringify(f.definition.triggers)).digest('hex')
      const row = have.get(f.id)
      have.delete(f.id)
      if (row && (!want || row.fingerprint !== print)) await this.unsubscribe(f.id, row.unsubscribe)
      if (!want || (row && row.fingerprint === print) || d.source !== 'webhook' || !owner) continue
      const probe = new RunExecutor(f, '', { headers: {}, body: null }, await this.runnerDeps(f, 0, '', owner))
      try {
        const sub = probe.triggerValue(d.subscribe) as Record<string, unknown>
        const unsub = d.unsubscribe ? (probe.triggerValue(d.unsubscribe) as Record<string, unknown>) : undefined
        const reply = await this.sendOnce({ ...sub, uri: sub.uri ?? sub.url } as never)
        if (reply.statusCode >= 300) throw new Error(`the subscribe call answered ${reply.statusCode}`)
        await this.store.tx(async () =>
          await this.store.run(
            'INSERT INTO flow_webhooks (flow_id, fingerprint, unsubscribe, subscribed) VALUES (?,?,?,?) ' +
              'ON CONFLICT (flow_id) DO UPDATE SET fingerprint = excluded.fingerprint, ' +
              'unsubscribe = excluded.unsubscribe, subscribed = excluded.subscribed',
            f.id,
            print,
            unsub && (unsub.uri ?? unsub.url) ? JSON.stringify({ ...unsub, uri: unsub.uri ?? unsub.url }) : null,
            this.store.now()
          )
        )
      } catch (err) {
        this.opts.log.error(
          { flow: f.id },
          `The HttpWebhook trigger of ${f.id} could not subscribe: ${(err as Error).message}`
        )
      }
    }
    for (const [id, row] of have) await this.unsubscribe(id, row.unsubscribe)
  }

  private async unsubscribe (flowId: string, request: string | null): Promise<void> {
    if (request) {
      await this.sendOnce(JSON.parse(request) as never).catch((err: unknown) =>
        this.opts.log.warn({ flow: flowId }, `Unsubscribing ${flowId} failed: ${(err as Error).message}`)
      )
    }
    await this.store.tx(async () => await this.store.run('DELETE FROM flow_webhooks WHERE flow_id = ?', flowId))
  }

  private sendOnce (req: never): Promise<OperationReply> {
    const abort = new AbortController()
    return send(
      req,
      { asyncPattern: false, chunked: false },
      {
        httpRefusal: url => this.httpRefusal(url),
        dispatcher: this.http,
        sleep: ms => (this.opts.sleep ?? realSleep)(ms, abort.signal),
        now: () => this.store.clock(),
        signal: abort.signal,
        ...(this.opts.identity ? { identity: this.opts.identity } : {}),
      }
    )
  }

  /** The time a flow's schedule counts from when it has no start time. */
  private since (f: CompiledFlow): number {
    return this.anchors.get(f.id) ?? this.startedAt
  }

  private async schedule (): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const now = this.store.clock()
    for (const f of this.flows.values()) {
      const d = f.trigger.data
      if ((d.source !== 'schedule' && d.source !== 'poll') || !await this.enabled(f)) {
        this.nextDue.delete(f.id)
        continue
      }
      if (!this.nextDue.has(f.id)) {
        let next = nextOccurrence(d.recurrence, now, this.since(f))
        // A poll another instance (or this one before a restart) was told to make sooner: its time is the
        // occurrence's slot, so of several instances starting only one makes it, late or not.
        const steered = d.source === 'poll' ? await this.steering.due(f.id) : null
        if (steered !== null && steered < (next ?? Infinity)) next = steered
        if (next !== undefined) this.nextDue.set(f.id, next)
      }
    }
    if (this.opts.timers === false || this.stopped || this.nextDue.size === 0) return
    const earliest = Math.min(...this.nextDue.values())
    this.timer = setTimeout(() => this.background(this.tick()), Math.min(2 ** 31 - 1, Math.max(0, earliest - now)))
    this.timer.unref()
  }

  /**
   * Work started from a timer or a commit: a failure is logged, never a crash, and arms `recover`. The store away
   * (PostgreSQL stopped) leaves queued runs unclaimed and may stop the recurrence timer; any other failure can
   * leave the same behind (a drain that took runs off `pending`, a recovery cut short): `recover` takes them up.
   */
  private background (work: Promise<void>): void {
    work.catch((err: unknown) => {
      if (err instanceof StoreUnavailableError) {
        this.opts.log.warn({ err }, 'Flow runtime work failed: the store is unavailable; it is retried later.')
      } else {
        this.opts.log.error({ err }, 'Flow runtime work failed; it is retried later.')
      }
      this.recoverLater()
    })
  }

  /** Arms one `recover`, after a backoff that doubles while the store stays away. */
  private recoverLater (): void {
    if (this.recovery || this.stopped || this.opts.timers === false) return
    this.recovery = setTimeout(() => {
      this.recovery = undefined
      this.background(this.recover())
    }, this.recoveryDelay)
    this.recovery.unref()
    this.recoveryDelay = Math.min(this.recoveryDelay * 2, RECOVERY_LAST_MS)
  }

  /**
   * The store is back (or is tried again): writes the outcomes it missed, fails the runs it had claimed without
   * knowing (RunInterrupted, as after a crash: their actions may have begun), takes up the runs queued meanwhile
   * (their commit's wake found no store, or their claim failed: they are still Queued) and re-arms the
   * recurrences. A failure arms the next attempt through `background`.
   */
  private async recover (): Promise<void> {
    for (const [seq, outcome] of this.unrecorded) {
      try {
        await this.history.finish(seq, outcome)
      } catch (err) {
        if (err instanceof StoreUnavailableError) throw err
        // Refused for good (not the store away): written again it would stop every later recovery here. The run
        // is no longer in this instance's hands, so failOrphaned (failAbandonedHeld if held) ends it, interrupted.
        this.opts.log.error({ err, run: seq }, 'A flow run outcome could not be recorded; the run is interrupted.')
      }
      this.unrecorded.delete(seq)
    }
    const orphaned = await this.history.failAbandonedHeld(this.inFlight) +
      await this.history.failOrphaned(this.opts.cluster?.instance, [...this.inFlight])
    if (orphaned > 0) {
      this.opts.log.warn({ runs: orphaned }, 'Flow runs whose claim met the outage were marked failed.')
    }
    this.pending.push(...await this.history.queued())
    await this.drain()
    await this.schedule()
    this.recoveryDelay = RECOVERY_FIRST_MS
  }

  /** Writes a run's outcome; with the store away it is kept and written once the store is back. */
  private async record (seq: number, outcome: RunOutcome): Promise<void> {
    try {
      await this.history.finish(seq, outcome)
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err
      this.unrecorded.set(seq, outcome)
      this.opts.log.warn({ err, run: seq }, 'A flow run ended while the store is unavailable; recorded later.')
      this.recoverLater()
    }
  }

  /** Hands the pending runs to the queue; `idle` waits for the drains under way. */
  private drain (): Promise<void> {
    if (this.pending.length === 0 || this.stopped) return Promise.resolve()
    const seqs = this.pending
    this.pending = []
    const drained = this.drainRuns(seqs).finally(() => this.draining.delete(drained))
    this.draining.add(drained)
    return drained
  }

  /** Runs whose claim waited for a turn of `flowId` are tried again (a run of it was claimed or ended). */
  private releaseTurn (flowId?: string): void {
    this.released++
    for (const [id, seqs] of this.waitingTurn) {
      if (flowId !== undefined && id !== flowId) continue
      this.waitingTurn.delete(id)
      this.pending.push(...seqs)
    }
    if (this.pending.length > 0) setImmediate(() => this.background(this.drain()))
  }

  private async drainRuns (seqs: number[]): Promise<void> {
    for (const seq of seqs) {
      if (this.inFlight.has(seq)) continue
      // A flow with trigger concurrency runs at most `runs` at once; the others stay queued, in order.
      const known = this.flowOf.get(seq)
      this.flowOf.delete(seq)
      const flowId = known ?? (await this.store.get<{ flow_id: string }>(
        'SELECT flow_id FROM flow_runs WHERE seq = ?',
        seq
      ))?.flow_id
      const limit = flowId ? this.flows.get(flowId)?.trigger.concurrency : undefined
      if (flowId && limit && (this.runningPerFlow.get(flowId) ?? 0) >= limit.runs) {
        this.pending.push(seq)
        continue
      }
      this.inFlight.add(seq)
      if (flowId) this.runningPerFlow.set(flowId, (this.runningPerFlow.get(flowId) ?? 0) + 1)
      const turn = flowId && limit ? { flowId, runs: limit.runs } : undefined
      let resolveClaim!: () => void
      const done = new Promise<void>(resolve => {
        resolveClaim = resolve
      })
      this.claims.set(seq, { done, resolve: resolveClaim })
      const execution = this.queue.add(async () => {
        try {
          const released = this.released
          if (await this.execute(seq, turn) === 'waiting' && flowId) {
            if (released !== this.released) this.pending.push(seq)
            else this.waitingTurn.set(flowId, [...(this.waitingTurn.get(flowId) ?? []), seq].sort((a, b) => a - b))
          } else if (flowId && limit) {
            this.releaseTurn(flowId)
          }
        } catch (err) {
          this.opts.log.error({ err, run: seq }, 'A flow run failed unexpectedly.')
          await this.record(seq, {
            status: 'Failed',
            error: { code: 'RuntimeError', message: (err as Error).message },
          })
        } finally {
          this.inFlight.delete(seq)
          if (flowId) this.runningPerFlow.set(flowId, (this.runningPerFlow.get(flowId) ?? 1) - 1)
          this.executions.delete(seq)
          this.claimAnswered(seq)
          await this.settle(seq)
          if (this.pending.length > 0) setImmediate(() => this.background(this.drain()))
        }
      }).catch((err: unknown) => {
        // Its outcome was refused (not the store away): the run would stay Running with nobody running it, so
        // `recover` fails it as interrupted (failOrphaned, or failAbandonedHeld for a run held in memory).
        this.opts.log.error({ err, run: seq }, 'A flow run was not recorded; it is marked interrupted.')
        this.recoverLater()
      })
      this.executions.set(seq, execution)
      // Behind other runs (FLOWS_CONCURRENCY): nobody waits for its claim, it waits for room here.
      if (this.queue.size > 0) this.claimAnswered(seq)
    }
  }

  private claimAnswered (seq: number): void {
    this.claims.get(seq)?.resolve()
    this.claims.delete(seq)
  }

  /** A waiting caller whose run ended without a Response gets 502, as Logic Apps answers. */
  private async settle (seq: number): Promise<void> {
    const w = this.waiters.get(seq)
    this.waiters.delete(seq)
    if (w && !w.answered) {
      w.answered = true
      const run = await this.history.bySeq(seq)
      w.resolve(
        run?.status === 'Skipped'
          ? { statusCode: 202, headers: {}, body: null }
          : { statusCode: 502, headers: {}, body: webexError('The flow run ended without a Response (NoResponse).') }
      )
    }
  }

  /**
   * What a run's executor needs. The executor is synchronous where it records and answers, so what needs the
   * store is read before it starts (the flow's keys, the run's id, its callback URL); action results are buffered by
   * the history, and an asynchronous Response is written in the background, `settled` waiting for it.
   */
  private async runnerDeps (f: CompiledFlow, seq: number, runId: string, owner: Caller | undefined) {
    const sign = await this.keys.signer(f.id)
    // Kept out of the history where it is written (history.ts), not by rewriting every result here.
    const secrets = this.secrets(f, sign)
    const callbackUrl = f.trigger.kind.callback ? (await this.callbackUrl(f)).value : undefined
    let writes: Promise<void> = Promise.resolve()
    const write = (fn: () => Promise<void>): void => {
      writes = writes.then(fn).catch((err: unknown) => {
        this.opts.log.error({ err, run: seq }, 'A flow run result could not be recorded.')
      })
    }
    return {
      catalog: this.catalog,
      token: owner ? this.catalog.tokenFor(owner) : '',
      now: () => this.store.clock(),
      sleep: this.opts.sleep ?? realSleep,
      httpRefusal: (url: string) => this.httpRefusal(url),
      dispatcher: this.http,
      record: (r: ActionResult) => this.history.action(seq, r, secrets),
      ...(this.opts.identity ? { identity: this.opts.identity } : {}),
      ...(callbackUrl !== undefined ? { callbackUrl: () => callbackUrl } : {}),
      appSetting: (name: string) => this.opts.appSettings?.get(name),
      ...(this.opts.workflowConnections ? { connections: this.opts.workflowConnections } : {}),
      ...(this.opts.maps ? { maps: this.opts.maps } : {}),
      inlineCode: (code: string, contextJson: string) => this.sandbox.run(code, contextJson),
      respond: (reply: OperationReply): boolean => {
        const w = this.waiters.get(seq)
        if (f.response?.asynchronous) {
          write(() => this.history.saveResponse(seq, reply))
          return true
        }
        // Nobody waits (a manual run, a caller that got 202): the Response runs and is kept with the run.
        if (!w) return true
        if (w.answered) return false
        w.answered = true
        w.resolve(reply)
        return true
      },
      callWorkflow: (
        flowId: string,
        triggerName: string | undefined,
        body: unknown,
        headers: Record<string, string>,
        asyncPattern: boolean
      ) =>
        this.callChild(flowId, triggerName, body, headers, asyncPattern, async () =>
          owner ? { ids: [owner.personId], orgId: owner.orgId, emails: [f.owner] } : undefined
        ),
      webhook: (key: string) => {
        const path = `/v1/flows/${encodeURIComponent(f.id)}/runs/${runId}/callbacks/${encodeURIComponent(key)}`
        const received = new Promise<{ headers: Record<string, string>; body: unknown }>(resolve => {
          this.hooks.set(`${f.id}|${runId}|${key}`, resolve)
        })
        return { url: this.signed(path, sign(path, 'callback')), received }
      },
      settled: () => writes,
    }
  }

  /** The Workflow action: the child flow's trigger is called in-process and its Response awaited, with no timeout. */
  private async callChild (
    flowId: string,
    triggerName: string | undefined,
    body: unknown,
    headers: Record<string, string>,
    asyncPattern: boolean,
    identify: () => Promise<CallerIdentity | undefined>
  ): Promise<OperationReply> {
    const child = this.flows.get(flowId)
    if (!child || child.trigger.data.source !== 'request' || (triggerName && child.trigger.name !== triggerName)) {
      return {
        statusCode: 404,
        headers: {},
        body: webexError(
          `There is no flow '${flowId}' with a Request trigger${triggerName ? ` named '${triggerName}'` : ''}.`
        ),
      }
    }
    const d = child.trigger.data
    const reply = await this.invokeUnlimited(child, {
      method: d.method ?? 'POST',
      relativePath: '',
      headers: { 'content-type': 'application/json', ...headers },
      queries: {},
      body,
      identify,
    })
    if (reply.statusCode === 202 && asyncPattern && child.response?.asynchronous && reply.headers.location) {
      // The child answers asynchronously: wait for its Response, as the asynchronous pattern polls.
      const runId = reply.headers['x-ms-workflow-run-id']
      for (;;) {
        await this.idle()
        const r = runId ? await this.pollResponse(child.id, runId) : undefined
        if (!r || r.statusCode !== 202) return r ?? reply
        await (this.opts.sleep ?? realSleep)(5000)
      }
    }
    return reply
  }

  private async invokeUnlimited (child: CompiledFlow, call: Invocation): Promise<DoorReply> {
    const saved = this.opts.responseTimeoutMs
    // A nested flow is waited for however long it takes (Logic Apps' rule for nested workflows).
    this.opts.responseTimeoutMs = 2 ** 31 - 1
    try {
      return await this.invoke(child.id, call, id => `/v1/flows/${encodeURIComponent(child.id)}/runs/${id}`)
    } finally {
      this.opts.responseTimeoutMs = saved
    }
  }

  /** Claims and runs one queued run; 'waiting' when its flow's trigger concurrency has no room for it yet. */
  private async execute (seq: number, turn?: { flowId: string; runs: number }): Promise<void | 'waiting'> {
    let row: HeldRun | 'waiting' | undefined
    // One instance, no trigger concurrency: nobody else claims runs or counts the running ones, so the claim is
    // held in memory and the run written once at its end, unless it does something first (runner.ts, durable).
    const held = !this.opts.cluster && !turn
    try {
      row = held ? await this.history.hold(seq) : await this.history.start(seq, this.opts.cluster?.instance, turn)
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err
      // Not claimed: the run stays Queued and is taken up again once the store is back.
      this.recoverLater()
      return
    }
    this.claimAnswered(seq)
    if (!row || row === 'waiting') return row
    // Claimed: a later run of the flow that waited for this one to leave the queue may now start beside it.
    if (turn) this.releaseTurn(turn.flowId)
    const flow = this.flows.get(row.flow_id)
    const owner = flow ? this.opts.ownerOf(flow.owner) : undefined
    if (!flow || !owner) {
      await this.history.finish(seq, {
        status: 'Failed',
        error: { code: 'FlowUnavailable', message: `The flow ${row.flow_id} is not loaded or its owner is unknown.` },
      })
      return
    }
    const meta = row.given?.trigger ?? (
      row.trigger_outputs ? JSON.parse(row.trigger_outputs) : { headers: { 'content-type': 'application/json' } }
    ) as TriggerMeta
    let reuse: RunnerDeps['reuse']
    if (row.origin_run && row.resubmit_actions) {
      try {
        reuse = await this.reuseFor(flow, row.origin_run, JSON.parse(row.resubmit_actions) as string[])
      } catch (err) {
        // The definition changed since the resubmit was accepted: the plan no longer holds, nothing runs.
        await this.history.finish(seq, {
          status: 'Failed',
          error: { code: 'ResubmitInvalid', message: (err as Error).message },
        })
        return
      }
    }
    const body: unknown = row.given?.body ? row.given.body.value : JSON.parse(row.trigger_body)
    // Its own object, so added to rather than copied (a spread of its twenty members was a run's cost to see).
    const deps: RunnerDeps & { settled(): Promise<void> } = await this.runnerDeps(flow, seq, row.id, owner)
    if (reuse) deps.reuse = reuse
    if (held) {
      let durable: Promise<void> | undefined
      deps.durable = () => (durable ??= this.history.persist(seq))
    }
    const trigger = withMeta<TriggerOutputs>({ headers: meta.headers ?? {}, body }, meta)
    const runner = new RunExecutor(flow, row.id, trigger, deps, row.client_tracking_id ?? row.id)
    // The trigger conditions were evaluated before the run was written (enqueue): a queued run passed them, and a
    // manual run or a resubmission skips them (someone asked for exactly this run).
    this.active.set(seq, runner)
    try {
      const outcome = await runner.execute()
      await deps.settled()
      await this.record(seq, outcome)
    } finally {
      this.active.delete(seq)
    }
  }

  private httpRefusal (url: string): string | undefined {
    const { origin, hostname } = new URL(url)
    if (!this.opts.httpAllow.includes(origin)) {
      return `Http actions may only call the origins in FLOWS_HTTP_ALLOW (${
        this.opts.httpAllow.join(', ') || 'none configured'
      }); ${origin} is not one.`
    }
    const refused = hostRefusal(this.httpPolicy, hostname)
    return refused ? `Http actions may not call ${origin}: ${refused}.` : undefined
  }
}

/** The trigger's outputs but the body, as the run history keeps them (the members it has, in their order). */
function metaOf (o: TriggerOutputs): TriggerMeta {
  return withMeta<TriggerMeta>({ headers: o.headers }, o)
}

/** `to` with the optional members of trigger outputs that `from` has, added one by one (no spread of an object). */
function withMeta<T extends TriggerMeta> (to: T, from: TriggerMeta): T {
  if (from.queries !== undefined) to.queries = from.queries
  if (from.relativePathParameters !== undefined) to.relativePathParameters = from.relativePathParameters
  if (from.statusCode !== undefined) to.statusCode = from.statusCode
  return to
}

/** Whether a compiled template calls the function (lower-case name) anywhere in it. */
function callsFunction (t: Template, name: string): boolean {
  const inExpr = (e: Expr): boolean =>
    e.k === 'call'
      ? e.name.toLowerCase() === name || e.args.some(inExpr)
      : e.k === 'get' && (inExpr(e.target) || inExpr(e.key))
  switch (t.t) {
    case 'value':
      return false
    case 'expr':
      return inExpr(t.e)
    case 'interp':
      return t.parts.some(p => typeof p !== 'string' && inExpr(p))
    case 'array':
      return t.items.some(i => callsFunction(i, name))
    case 'object':
      return t.entries.some(([, v]) => callsFunction(v, name))
  }
}

const webexError = (message: string) => ({ message, errors: [{ description: message }] })

const gone = (runId: string): DoorReply => ({
  statusCode: 503,
  headers: {},
  body: webexError(`The service is stopping; run ${runId} will not answer.`),
})

/** Matches a called path against a relative path template ("customer/{id}"); the parameters, or undefined. */
export function matchPath (template: string | undefined, path: string): Record<string, string> | undefined {
  const got = path.replace(/^\/+|\/+$/g, '')
  if (!template) return got === '' ? {} : undefined
  const names: string[] = []
  const pattern = template
    .split('/')
    .map(seg =>
      seg.replace(/\{([^}]+)\}|[^{]+/g, (m, name?: string) => {
        if (name) {
          names.push(name)
          return '([^/]+)'
        }
        return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      })
    )
    .join('/')
  const m = new RegExp(`^${pattern}$`, 'i').exec(got)
  if (!m) return undefined
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]))
}
