import type { Dispatcher } from 'undici'
import type { CompiledFlow, RunStatus, Step } from './load.js'
import type { Template } from './expression.js'
import { render } from './evaluate.js'
import { TemplateError, type ActionRecord, type EvalContext } from './functions.js'
import { scopeResult, type ScopeStep } from './functions/results.js'
import { VARIABLE_TYPES } from './values.js'
import { evaluateCondition, type Condition } from './conditions.js'
import type { OperationCatalog, OperationReply } from './operations.js'
import { send } from './outbound.js'
import type { IdentityEndpoint } from './authentication.js'
import type { SandboxResult } from './sandbox/sandbox.js'
import { WorkflowConnections } from './workflow-connections.js'
import { isoTime } from '../iso-time.js'
import { Maps } from './maps.js'
import {
  ActionFailure,
  TerminateSignal,
  type HttpRequest,
  type RunServices,
  type VariableStore,
} from './kinds/types.js'

/** One action's outcome as the run history keeps it (a Foreach repeats its actions: `iteration` tells them apart). */
export interface ActionResult extends ActionRecord {
  type: string
  iteration?: string
  attempts: number
  durationMs: number
  /** trackedProperties, evaluated when the action finished. */
  tracked?: Record<string, unknown>
  /** A resubmit from an action: this record was copied from that earlier run, not run again. */
  reusedFrom?: string
}

/** What the run history shows instead of inputs or outputs marked secure (runtimeConfiguration.secureData). */
export const SECURED = { secured: 'Content not shown due to security configuration.' }

/** Why a run that was cancelled did not finish. */
export const CANCELLED = { code: 'RunCancelled', message: 'The run was cancelled.' }

export interface TriggerOutputs {
  headers: Record<string, string>
  body: unknown
  queries?: Record<string, string>
  relativePathParameters?: Record<string, string>
  statusCode?: number
}

export interface RunnerDeps {
  catalog: OperationCatalog
  /** The internal token of the flow owner: actions run with exactly their rights. */
  token: string
  now(): number
  /** Resolves after `ms`, or early (rejecting) when the signal aborts. Tests pass an instant one. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Outbound HTTP (Http, HttpWebhook, token requests): undefined when the target is allowed, else why not. */
  httpRefusal(url: string): string | undefined
  /** Http actions' connections: the target policy applied to every address as it is connected to. */
  dispatcher: Dispatcher
  record(r: ActionResult): void
  identity?: IdentityEndpoint
  /** The Request trigger's signed callback URL (listCallbackUrl()), when the flow has one. */
  callbackUrl?(): string
  /** appsetting(): the operator's app settings. */
  appSetting?(name: string): string | undefined
  /** Agent and Function actions' connections (connections.json). */
  connections?: WorkflowConnections
  /** Xslt actions' maps folder. */
  maps?: Maps
  /** JavaScriptCode: the sandbox that runs inline code. */
  inlineCode?(code: string, contextJson: string): Promise<SandboxResult>
  /** Response: hands the answer to the waiting caller; false when the request was already answered. */
  respond?(reply: OperationReply): boolean
  callWorkflow?: RunServices['callWorkflow']
  /**
   * Resubmit from an action: the top-level actions to take from the origin run instead of running them, each with
   * its records (its own and those of the actions inside it), by lower-case name.
   */
  reuse?: { from: string; records: Map<string, ActionResult[]> }
  /** HttpWebhook action: its callback URL and the request that comes to it. */
  webhook?(key: string): { url: string; received: Promise<{ headers: Record<string, string>; body: unknown }> }
  /**
   * A run claimed in memory (runtime.ts, "claims"): resolves once it is written as Running with its records so far.
   * Awaited before any action that is not pure and before any wait, so that after a crash a run that did
   * something is RunInterrupted, and one still in memory did nothing and runs again from its start.
   */
  durable?(): Promise<void>
}

/** Why a run's signal aborts when it ends: given, so no DOMException (and its stack) is made for every run. */
const RUN_ENDED = new Error('The run has ended.')

export interface RunOutcome {
  status: RunStatus
  error?: { code: string; message: string }
  outputs?: unknown
}

interface Loop {
  name: string
  item: unknown
  index: number
}

/** Whether a step changes nothing outside the run and waits for nothing (its kind says so, for these inputs). */
function isPure (s: Step, inputs: unknown): boolean {
  return s.kind.pure?.(s.data, inputs) ?? false
}

/** Where an expression is being evaluated: whose records are visible, which loop items are current. */
class Scope {
  readonly records = new Map<string, ActionResult>()
  /** Its evaluation context, made on first use by the run the scope belongs to (scopes are never shared). */
  ctx: EvalContext | undefined
  constructor (
    readonly parent: Scope | undefined,
    readonly loops: Loop[],
    readonly iteration?: string,
    /** Inside an Agent's tool: the arguments of the model's call (agentParameters()). */
    readonly agent?: Record<string, unknown>
  ) {}

  find (name: string): ActionResult | undefined {
    return this.records.get(name.toLowerCase()) ?? this.parent?.find(name)
  }

  child (loop: Loop, iteration: string | undefined): Scope {
    return new Scope(this, [...this.loops, loop], iteration || this.iteration, this.agent)
  }
}

class TimedOut extends Error {}

/**
 * Executes one run of a compiled flow: the runAfter graph, retries, timeouts, static results, secure data and
 * tracked properties for every action; each kind's own work is its module's `run` (kinds/).
 */
export class RunExecutor implements RunServices {
  private readonly vars = new Map<string, { name: string; type: string; value: unknown }>()
  private terminated: TerminateSignal | undefined
  private interrupted = false
  private cancelled = false
  /**
   * Made on first use (a wait, a retry's backoff, an outbound call, a stop): most runs use none, and making one and
   * aborting it at the end cost about 1% of a message's CPU with the shipped flows.
   */
  private abortController: AbortController | undefined
  private ended = false
  private get abort (): AbortController {
    if (!this.abortController) {
      this.abortController = new AbortController()
      if (this.ended) this.abortController.abort(RUN_ENDED)
    }
    return this.abortController
  }

  /** Set while an HttpWebhook action evaluates its inputs: listCallbackUrl() is then its own URL. */
  private actionCallback: string | undefined
  /** Every action record of this run so far, for result(). */
  private readonly finished: ActionResult[] = []
  /** action(): the action whose trackedProperties are being evaluated. */
  private current: ActionResult | undefined
  readonly flowId: string

  constructor (
    private readonly flow: CompiledFlow,
    readonly runId: string,
    private readonly trigger: TriggerOutputs,
    private readonly deps: RunnerDeps,
    private readonly clientTrackingId?: string
  ) {
    this.flowId = flow.id
  }

  get catalog (): OperationCatalog {
    return this.deps.catalog
  }

  get stopped (): boolean {
    return !!this.terminated || this.interrupted || this.cancelled
  }

  async execute (): Promise<RunOutcome> {
    try {
      const root = new Scope(undefined, [])
      const failed = await this.runSteps(this.flow.steps, root)
      if (this.cancelled) return { status: 'Cancelled', error: CANCELLED }
      if (this.interrupted) {
        return {
          status: 'Failed',
          error: {
            code: 'RunInterrupted',
            message: 'The service stopped during this run; the actions listed ran, the rest did not.',
          },
        }
      }
      const outputs = this.outputs(root)
      if (this.terminated) return { ...this.outcomeOfTerminate(this.terminated), ...outputs }
      return failed
        ? { status: 'Failed', error: { code: 'ActionFailed', message: `An action failed: ${failed}.` }, ...outputs }
        : { status: 'Succeeded', ...outputs }
    } catch (err) {
      if (err instanceof TerminateSignal) return this.outcomeOfTerminate(err)
      throw err
    } finally {
      this.ended = true
      this.abortController?.abort(RUN_ENDED)
    }
  }

  /** The service is stopping: delays end now, nothing more starts, and the run ends as interrupted. */
  interrupt (): void {
    this.interrupted = true
    this.abort.abort()
  }

  /** Cancel: like a stop, but the run ends Cancelled and the actions it cut short say so. */
  cancel (): void {
    this.cancelled = true
    this.abort.abort()
  }

  /** Evaluates an expression of the trigger (conditions, splitOn, correlation) against the trigger outputs. */
  triggerValue (t: Template): unknown {
    return render(t, this.evalContext(new Scope(undefined, [])))
  }

  private outputs (root: Scope): { outputs?: unknown } {
    if (!this.flow.outputs) return {}
    try {
      return { outputs: render(this.flow.outputs, this.evalContext(root)) }
    } catch (err) {
      return { outputs: { error: (err as Error).message } }
    }
  }

  private outcomeOfTerminate (t: TerminateSignal): RunOutcome {
    return { status: t.status, ...(t.runError ? { error: t.runError } : {}) }
  }

  /**
   * Each scope's context, built once: its functions read the run's state when called, not when built. Kept on the
   * scope (a WeakMap per run, and per trigger condition's probe, was garbage the collector works harder for).
   */
  private evalContext (scope: Scope): EvalContext {
    return (scope.ctx ??= this.newEvalContext(scope))
  }

  /** The one place the evaluation context is built: everything an expression can reach at run time. */
  private newEvalContext (scope: Scope): EvalContext {
    return {
      now: () => this.deps.now(),
      triggerOutputs: () => ({ ...this.trigger }),
      action: name => scope.find(name),
      item: loop => {
        const l =
          loop === undefined
            ? scope.loops[scope.loops.length - 1]
            : [...scope.loops].reverse().find(x => x.name.toLowerCase() === loop.toLowerCase())
        if (!l) {
          throw new TemplateError(
            loop === undefined
              ? 'item() is only available inside a Foreach, Query, Select or Table.'
              : `items('${loop}'): not inside that Foreach.`
          )
        }
        return l.item
      },
      iterationIndex: loop => {
        const l = [...scope.loops].reverse().find(x => x.name.toLowerCase() === loop.toLowerCase())
        if (!l) throw new TemplateError(`iterationIndexes('${loop}'): not inside that loop.`)
        return l.index
      },
      variable: name => {
        const v = this.vars.get(name.toLowerCase())
        if (!v) throw new TemplateError(`The variable '${name}' has not been initialized yet.`)
        return v.value
      },
      parameter: name => {
        if (!(name in this.flow.parameters)) throw new TemplateError(`The parameter '${name}' is not declared.`)
        return this.flow.parameters[name]
      },
      workflow: () => ({
        id: `/workflows/${this.flow.id}`,
        name: this.flow.id,
        type: 'Microsoft.Logic/workflows',
        tags: {},
        run: {
          id: `/workflows/${this.flow.id}/runs/${this.runId}`,
          name: this.runId,
          type: 'Microsoft.Logic/workflows/runs',
          ...(this.clientTrackingId ? { clientTrackingId: this.clientTrackingId } : {}),
        },
      }),
      result: name => scopeResult(this.scopeTree(), name, this.finished, scope.iteration),
      currentAction: () => this.current,
      // An HttpWebhook action's inputs see its own URL; elsewhere the trigger's (Request, HttpWebhook).
      callbackUrl: () => this.actionCallback ?? this.deps.callbackUrl?.(),
      appSetting: name => this.deps.appSetting?.(name),
      agentParameters: () => scope.agent,
    }
  }

  private tree: ScopeStep[] | undefined
  /** The flow's actions as result() looks them up (built on first use). */
  private scopeTree (): ScopeStep[] {
    const node = (s: Step): ScopeStep => ({
      name: s.name,
      type: s.kind.type,
      children: (s.kind.children?.(s.data) ?? []).map(node),
    })
    this.tree ??= this.flow.steps.map(node)
    return this.tree
  }

  // ---------------------------------------------------------------- RunServices (what kinds use)
  readonly variables: VariableStore = {
    get: name => this.vars.get(name.toLowerCase()),
    init: (name, type, value) => {
      if (this.vars.has(name.toLowerCase())) {
        throw new ActionFailure('InvalidVariable', `The variable '${name}' is already initialized.`)
      }
      const typed = VARIABLE_TYPES[type](value)
      if (typed === undefined) {
        throw new ActionFailure('InvalidVariable', `The value of '${name}' is not of type ${type}.`)
      }
      this.vars.set(name.toLowerCase(), { name, type, value: typed })
    },
    set: (name, value) => {
      const v = this.vars.get(name.toLowerCase())
      if (!v) throw new ActionFailure('InvalidVariable', `The variable '${name}' has not been initialized.`)
      const typed = VARIABLE_TYPES[v.type](value)
      if (typed === undefined) {
        throw new ActionFailure('InvalidVariable', `The value is not of the variable's type ${v.type}.`)
      }
      v.value = typed
    },
  }

  now (): number {
    return this.deps.now()
  }

  sleep (ms: number): Promise<void> {
    return this.deps.sleep(ms, this.abort.signal)
  }

  render (t: Template, scope: unknown): unknown {
    return render(t, this.evalContext(scope as Scope))
  }

  context (scope: unknown, item?: Loop): EvalContext {
    const s = scope as Scope
    return this.evalContext(item ? s.child(item, undefined) : s)
  }

  childScope (scope: unknown, loop: Loop, label: string): unknown {
    const s = scope as Scope
    if (!label) return s.child(loop, undefined)
    const prefix = s.iteration ? `${s.iteration}/` : ''
    return s.child(loop, `${prefix}${label}`)
  }

  condition (c: Condition, scope: unknown): boolean {
    return evaluateCondition(c, this.evalContext(scope as Scope))
  }

  call (method: string, url: string, query: Record<string, string>, body: unknown): Promise<OperationReply> {
    return this.deps.catalog.call(this.deps.token, method, url, query, body)
  }

  http (req: HttpRequest, step: Step): Promise<OperationReply> {
    return send(
      req,
      {
        asyncPattern: !step.options.has('disableasyncpattern'),
        chunked: step.chunked,
        ...(step.minimumItemCount !== undefined ? { minimumItemCount: step.minimumItemCount } : {}),
        ...(step.options.has('suppressworkflowheaders')
          ? {}
          : {
              workflowHeaders: {
                'x-ms-workflow-name': this.flow.id,
                'x-ms-workflow-run-id': this.runId,
                'x-ms-workflow-operation-name': step.name,
                ...(this.clientTrackingId ? { 'x-ms-client-tracking-id': this.clientTrackingId } : {}),
              },
            }),
      },
      {
        httpRefusal: url => this.deps.httpRefusal(url),
        dispatcher: this.deps.dispatcher,
        sleep: ms => this.sleep(ms),
        now: () => this.deps.now(),
        signal: this.abort.signal,
        ...(this.deps.identity ? { identity: this.deps.identity } : {}),
      }
    )
  }

  respond (reply: OperationReply, _step: Step): void {
    if (!this.deps.respond?.(reply)) {
      throw new ActionFailure('ResponseAlreadySent', 'The request that started this run has already been answered.')
    }
  }

  callWorkflow (
    flowId: string,
    triggerName: string | undefined,
    body: unknown,
    headers: Record<string, string>,
    asyncPattern: boolean
  ): Promise<OperationReply> {
    if (!this.deps.callWorkflow) throw new ActionFailure('WorkflowNotFound', 'Nested flows cannot be called here.')
    return this.deps.callWorkflow(flowId, triggerName, body, headers, asyncPattern)
  }

  webhook (step: Step): Promise<{ headers: Record<string, string>; body: unknown }> {
    const pending = this.pendingWebhooks.get(step)
    if (!pending) throw new ActionFailure('WebhookUnavailable', 'This action has no callback URL.')
    return pending
  }

  inlineCode (code: string, contextJson: string): Promise<SandboxResult> {
    if (!this.deps.inlineCode) throw new ActionFailure('InlineCodeUnavailable', 'Inline code cannot run here.')
    return this.deps.inlineCode(code, contextJson)
  }

  get connections (): WorkflowConnections {
    return this.deps.connections ?? new WorkflowConnections()
  }

  get maps (): Maps {
    return this.deps.maps ?? new Maps()
  }

  toolScope (scope: unknown, parameters: Record<string, unknown>, label: string): unknown {
    const s = scope as Scope
    const prefix = s.iteration ? `${s.iteration}/` : ''
    return new Scope(s, s.loops, `${prefix}${label}`, parameters)
  }

  private readonly pendingWebhooks = new Map<Step, Promise<{ headers: Record<string, string>; body: unknown }>>()

  /** Runs one scope's actions in runAfter order (independent ones in parallel); returns an unhandled failure's name. */
  async runSteps (steps: Step[], scope: unknown): Promise<string | undefined> {
    const s = scope as Scope
    const byName = new Map(steps.map(x => [x.name, x]))
    const status = new Map<string, RunStatus>()
    const running = new Map<string, Promise<RunStatus>>()
    const start = (step: Step): Promise<RunStatus> => {
      let p = running.get(step.name)
      if (p) return p
      p = (async () => {
        const deps = await Promise.all(
          Object.entries(step.runAfter).map(async ([d, allowed]) => ({
            st: await start(byName.get(d) as Step),
            allowed,
          }))
        )
        let st: RunStatus
        if (this.stopped) st = 'Cancelled'
        else if (deps.every(d => d.allowed.includes(d.st))) st = await this.step(step, s)
        else st = this.skipOne(step, s)
        status.set(step.name, st)
        return st
      })()
      running.set(step.name, p)
      return p
    }
    await Promise.all(steps.map(start))
    // A failure is handled when an action that runs after it on failure did run (the try/catch pattern).
    for (const step of steps) {
      const st = status.get(step.name)
      if (st !== 'Failed' && st !== 'TimedOut') continue
      const handled = steps.some(
        o =>
          o.runAfter[step.name]?.includes(st) && status.get(o.name) !== 'Skipped' && status.get(o.name) !== 'Cancelled'
      )
      if (!handled) return step.name
    }
    return undefined
  }

  skip (steps: Step[], scope: unknown): void {
    for (const s of steps) this.skipOne(s, scope as Scope)
  }

  private skipOne (s: Step, scope: Scope): RunStatus {
    const now = isoTime(this.deps.now())
    this.finish(s, scope, {
      name: s.name,
      type: s.kind.type,
      status: 'Skipped',
      startTime: now,
      endTime: now,
      attempts: 0,
      durationMs: 0,
    })
    return 'Skipped'
  }

  private finish (s: Step, scope: Scope, r: ActionResult): void {
    let rec = scope.iteration ? { ...r, iteration: scope.iteration } : r
    if (s.tracked && r.status !== 'Skipped') {
      try {
        scope.records.set(s.name.toLowerCase(), rec)
        // trackedProperties read the finished action through action().
        this.current = rec
        rec = { ...rec, tracked: render(s.tracked, this.evalContext(scope)) as Record<string, unknown> }
      } catch (err) {
        rec = { ...rec, tracked: { error: (err as Error).message } }
      } finally {
        this.current = undefined
      }
    }
    scope.records.set(s.name.toLowerCase(), rec)
    this.finished.push(rec)
    // Expressions keep seeing the real values; the history gets them masked where secureData says so (a copy; the
    // record itself otherwise: nothing changes a record once it is made).
    if (!s.secure.inputs && !s.secure.outputs) {
      this.deps.record(rec)
      return
    }
    const shown = { ...rec }
    if (s.secure.inputs && shown.inputs !== undefined) shown.inputs = SECURED
    if (s.secure.outputs) {
      if (shown.outputs !== undefined) shown.outputs = SECURED
      if (shown.body !== undefined) shown.body = SECURED
    }
    this.deps.record(shown)
  }

  /** A top-level action reused from the origin run: its records are copied, nothing runs. */
  private replay (s: Step, scope: Scope, records: ActionResult[]): RunStatus {
    const from = this.deps.reuse?.from ?? ''
    let own: ActionResult | undefined
    for (const r of records) {
      const rec: ActionResult = { ...r, reusedFrom: r.reusedFrom ?? from }
      if (r.name === s.name && !r.iteration) {
        own = rec
        continue
      }
      this.finished.push(rec)
      this.deps.record(rec)
    }
    const main = own ?? records[records.length - 1]
    const outputs = main.outputs as { body?: unknown } | undefined
    const rec: ActionResult = {
      ...main,
      ...(outputs && typeof outputs === 'object' && 'body' in outputs ? { body: outputs.body } : {}),
    }
    scope.records.set(s.name.toLowerCase(), rec)
    this.finished.push(rec)
    this.deps.record(own ?? rec)
    return rec.status
  }

  /** One action, with its retry policy and timeout; records it and returns its status. */
  private async step (s: Step, scope: Scope): Promise<RunStatus> {
    const replayed = scope.parent ? undefined : this.deps.reuse?.records.get(s.name.toLowerCase())
    if (replayed) return this.replay(s, scope, replayed)
    const started = this.deps.now()
    let inputs: unknown
    let attempts = 0
    const startTime = isoTime(started)
    // The record built member by member: object spreads here were a tenth of a message's runner CPU.
    const done = (
      outcome: RunStatus,
      outputs?: unknown,
      body?: unknown,
      error?: ActionResult['error'],
      given?: unknown
    ): RunStatus => {
      const end = this.deps.now()
      // An action the cancel cut short (its delay or call aborted) was cancelled, not failed.
      const status = this.cancelled && outcome === 'Failed' ? 'Cancelled' : outcome
      const r: ActionResult = {
        name: s.name,
        type: s.kind.type,
        startTime,
        status,
        attempts,
        durationMs: end - started,
        endTime: isoTime(end),
      }
      if (inputs !== undefined) r.inputs = inputs
      if (outputs !== undefined) r.outputs = outputs
      if (body !== undefined) r.body = body
      if (error) r.error = error
      // The inputs the kind says it used (an Agent's, a Workflow's): they replace the evaluated ones.
      if (given !== undefined) r.inputs = given
      this.finish(s, scope, r)
      return status
    }
    if (s.kind.callback) {
      const hook = this.deps.webhook?.(`${s.name}|${scope.iteration ?? ''}`)
      if (hook) {
        this.actionCallback = hook.url
        this.pendingWebhooks.set(s, hook.received)
      }
    }
    try {
      for (;;) {
        attempts++
        try {
          const ctx = this.evalContext(scope)
          try {
            inputs = s.inputs ? render(s.inputs, ctx) : undefined
          } finally {
            this.actionCallback = undefined
          }
          if (s.staticResult) {
            const r = s.staticResult
            const outputs = r.outputs as { body?: unknown } | undefined
            return done(r.status, r.outputs, outputs && typeof outputs === 'object' ? outputs.body : undefined, r.error)
          }
          if (this.deps.durable && !isPure(s, inputs)) await this.deps.durable()
          const result = await this.withTimeout(s, () =>
            s.kind.run({ step: s, data: s.data, inputs, scope, ctx, run: this })
          )
          return done(result.status ?? 'Succeeded', result.outputs, result.body, result.error, result.inputs)
        } catch (err) {
          if (err instanceof TerminateSignal) {
            this.terminated = err
            done('Succeeded', { runStatus: err.status, runError: err.runError ?? null })
            throw err
          }
          if (err instanceof TemplateError) {
            return done('Failed', undefined, undefined, { code: 'InvalidTemplate', message: err.message })
          }
          if (err instanceof TimedOut) {
            return done('TimedOut', undefined, undefined, {
              code: 'ActionTimedOut',
              message: `The action did not finish within ${s.timeoutMs} ms.`,
            })
          }
          const failure =
            err instanceof ActionFailure
              ? err
              : new ActionFailure(
                'ActionFailed',
                (err as Error).message,
                undefined,
                undefined,
                !this.abort.signal.aborted
              )
          const delay = this.retryDelay(s, attempts, failure)
          if (delay === undefined || this.stopped) {
            return done('Failed', failure.outputs, failure.body, { code: failure.code, message: failure.message })
          }
          // A run that waits is a run a crash can interrupt: it is written as Running first.
          if (this.deps.durable) await this.deps.durable()
          await this.deps.sleep(delay, this.abort.signal)
        }
      }
    } catch (err) {
      if (err instanceof TerminateSignal) throw err
      return done('Failed', undefined, undefined, { code: 'ActionFailed', message: (err as Error).message })
    }
  }

  retryDelay (s: Step, attempts: number, f: ActionFailure): number | undefined {
    const r = s.retry
    if (!f.retryable || r.type === 'none' || attempts > r.count) return undefined
    const planned =
      r.type === 'fixed' ? r.intervalMs : Math.min(r.maxMs, Math.max(r.minMs, r.intervalMs * 2 ** (attempts - 1)))
    return Math.max(planned, f.retryAfterMs ?? 0)
  }

  private async withTimeout<T>(s: Step, fn: () => Promise<T>): Promise<T> {
    if (s.timeoutMs === undefined) return fn()
    const stop = new AbortController()
    const timer = this.deps.sleep(s.timeoutMs, stop.signal).then(
      () => {
        throw new TimedOut()
      },
      () => new Promise<never>(() => {})
    )
    try {
      return await Promise.race([fn(), timer])
    } finally {
      stop.abort()
    }
  }
}
