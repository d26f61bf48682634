import type { CompiledFlow, Condition, RunStatus, Step } from './load.js'
import type { Template } from './expression.js'
import { render } from './evaluate.js'
import { callFunction, TemplateError, type ActionRecord, type EvalContext } from './functions.js'
import { scopeResult } from './functions/results.js'
import { addNumbers, VARIABLE_TYPES } from './values.js'
import { buildRequest, type OperationCatalog, type OperationReply } from './operations.js'
import { addToTime } from './datetime.js'
import { retryAfterMs } from '../http/retry-after.js'
import { fetch, type Dispatcher } from 'undici'

/** One action's outcome as the run history keeps it (a Foreach repeats its actions: `iteration` tells them apart). */
export interface ActionResult extends ActionRecord {
  type: string
  iteration?: string
  attempts: number
  durationMs: number
}

export interface RunnerDeps {
  catalog: OperationCatalog
  /** The internal token of the flow owner: actions run with exactly their rights. */
  token: string
  now(): number
  /** Resolves after `ms`, or early (rejecting) when the signal aborts. Tests pass an instant one. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Http actions: undefined when the target is allowed, else why not. */
  httpRefusal(url: string): string | undefined
  /** Http actions' connections: the target policy applied to every address as it is connected to. */
  dispatcher: Dispatcher
  record(r: ActionResult): void
}

export interface RunOutcome {
  status: RunStatus
  error?: { code: string; message: string }
}

class Terminate extends Error {
  constructor (
    readonly status: RunStatus,
    readonly runError?: { code: string; message: string }
  ) {
    super('Terminated')
  }
}

class ActionFailure extends Error {
  constructor (
    readonly code: string,
    message: string,
    readonly outputs?: unknown,
    readonly body?: unknown,
    readonly retryable = false,
    readonly retryAfterMs?: number
  ) {
    super(message)
  }
}

interface Loop {
  name: string
  item: unknown
  index: number
}

/** Where an expression is being evaluated: whose records are visible, which loop items are current. */
class Scope {
  readonly records = new Map<string, ActionResult>()
  constructor (
    readonly parent: Scope | undefined,
    readonly loops: Loop[],
    readonly iteration?: string
  ) {}

  find (name: string): ActionResult | undefined {
    return this.records.get(name) ?? this.parent?.find(name)
  }

  child (loop: Loop, iteration: string): Scope {
    return new Scope(this, [...this.loops, loop], iteration)
  }
}

/** Executes one run of a compiled flow: runAfter ordering, conditions, loops, retries, timeouts, Terminate. */
export class FlowRun {
  private readonly variables = new Map<string, { type: string; value: unknown }>()
  /** Every action record of this run so far, for result(). */
  private readonly finished: ActionResult[] = []
  private terminated: Terminate | undefined
  private interrupted = false
  private readonly abort = new AbortController()

  constructor (
    private readonly flow: CompiledFlow,
    private readonly runId: string,
    private readonly triggerBody: unknown,
    private readonly triggerHeaders: Record<string, string>,
    private readonly deps: RunnerDeps
  ) {}

  async execute (): Promise<RunOutcome> {
    try {
      const failed = await this.steps(this.flow.steps, new Scope(undefined, []))
      if (this.interrupted) {
        return {
          status: 'Failed',
          error: {
            code: 'RunInterrupted',
            message: 'The service stopped during this run; the actions listed ran, the rest did not.',
          },
        }
      }
      if (this.terminated) return this.outcomeOfTerminate(this.terminated)
      return failed
        ? { status: 'Failed', error: { code: 'ActionFailed', message: `An action failed: ${failed}.` } }
        : { status: 'Succeeded' }
    } catch (err) {
      if (err instanceof Terminate) return this.outcomeOfTerminate(err)
      throw err
    } finally {
      this.abort.abort()
    }
  }

  /** The service is stopping: delays end now, nothing more starts, and the run ends as interrupted. */
  interrupt (): void {
    this.interrupted = true
    this.abort.abort()
  }

  /** Evaluates the trigger conditions: false means the run is skipped. */
  conditionsHold (): boolean {
    const ctx = this.context(new Scope(undefined, []))
    return this.flow.trigger.conditions.every(c => render(c, ctx) === true)
  }

  private outcomeOfTerminate (t: Terminate): RunOutcome {
    return { status: t.status, ...(t.runError ? { error: t.runError } : {}) }
  }

  private context (scope: Scope): EvalContext {
    return {
      now: () => this.deps.now(),
      triggerOutputs: () => ({ headers: this.triggerHeaders, body: this.triggerBody }),
      action: name => scope.find(name),
      item: loop => {
        const l =
          loop === undefined
            ? scope.loops[scope.loops.length - 1]
            : [...scope.loops].reverse().find(x => x.name === loop)
        if (!l) {
          throw new TemplateError(
            loop === undefined
              ? 'item() is only available inside a Foreach or a Query.'
              : `items('${loop}'): not inside that Foreach.`
          )
        }
        return l.item
      },
      iterationIndex: loop => {
        const l = [...scope.loops].reverse().find(x => x.name === loop)
        if (!l) throw new TemplateError(`iterationIndexes('${loop}'): not inside that Foreach.`)
        return l.index
      },
      variable: name => {
        const v = this.variables.get(name)
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
        },
      }),
      result: name => scopeResult(this.flow.steps, name, this.finished, scope.iteration),
      // Where Logic Apps has a current action (an Until's condition, trackedProperties) the runner supplies it.
      currentAction: () => undefined,
      // The Request trigger's URL, once the runtime has Request triggers.
      callbackUrl: () => undefined,
    }
  }

  /** Runs one scope's actions in runAfter order (independent ones in parallel); returns an unhandled failure's name. */
  private async steps (steps: Step[], scope: Scope): Promise<string | undefined> {
    const byName = new Map(steps.map(s => [s.name, s]))
    const status = new Map<string, RunStatus>()
    const running = new Map<string, Promise<RunStatus>>()
    const start = (s: Step): Promise<RunStatus> => {
      let p = running.get(s.name)
      if (p) return p
      p = (async () => {
        const deps = await Promise.all(
          Object.entries(s.runAfter).map(async ([d, allowed]) => ({
            st: await start(byName.get(d) as Step),
            allowed,
          }))
        )
        let st: RunStatus
        if (this.terminated || this.interrupted) st = 'Cancelled'
        else if (deps.every(d => d.allowed.includes(d.st))) st = await this.step(s, scope)
        else st = this.skip(s, scope)
        status.set(s.name, st)
        return st
      })()
      running.set(s.name, p)
      return p
    }
    await Promise.all(steps.map(start))
    // A failure is handled when an action that runs after it on failure did run (the try/catch pattern).
    for (const s of steps) {
      const st = status.get(s.name)
      if (st !== 'Failed' && st !== 'TimedOut') continue
      const handled = steps.some(
        o =>
          o.runAfter[s.name]?.includes(st) && status.get(o.name) !== 'Skipped' && status.get(o.name) !== 'Cancelled'
      )
      if (!handled) return s.name
    }
    return undefined
  }

  private skip (s: Step, scope: Scope): RunStatus {
    const now = new Date(this.deps.now()).toISOString()
    this.finish(scope, {
      name: s.name,
      type: s.type,
      status: 'Skipped',
      startTime: now,
      endTime: now,
      attempts: 0,
      durationMs: 0,
    })
    return 'Skipped'
  }

  private finish (scope: Scope, r: ActionResult): void {
    const rec = scope.iteration ? { ...r, iteration: scope.iteration } : r
    scope.records.set(r.name, rec)
    this.finished.push(rec)
    this.deps.record(rec)
  }

  /** One action, with its retry policy and timeout; records it and returns its status. */
  private async step (s: Step, scope: Scope): Promise<RunStatus> {
    const started = this.deps.now()
    const ctx = this.context(scope)
    let inputs: unknown
    let attempts = 0
    const base = { name: s.name, type: s.type, startTime: new Date(started).toISOString() }
    const done = (status: RunStatus, extra: Partial<ActionResult>): RunStatus => {
      const end = this.deps.now()
      this.finish(scope, {
        ...base,
        status,
        attempts,
        durationMs: end - started,
        endTime: new Date(end).toISOString(),
        ...(inputs !== undefined ? { inputs } : {}),
        ...extra,
      })
      return status
    }
    try {
      for (;;) {
        attempts++
        try {
          inputs = s.inputs ? render(s.inputs, ctx) : undefined
          const result = await this.withTimeout(s, () => this.run(s, scope, ctx, inputs))
          return done(result.status ?? 'Succeeded', {
            outputs: result.outputs,
            body: result.body,
            ...(result.error ? { error: result.error } : {}),
          })
        } catch (err) {
          if (err instanceof Terminate) {
            this.terminated = err
            done('Succeeded', { outputs: { runStatus: err.status, runError: err.runError ?? null } })
            throw err
          }
          if (err instanceof TemplateError) {
            return done('Failed', { error: { code: 'InvalidTemplate', message: err.message } })
          }
          if (err instanceof TimedOut) {
            return done('TimedOut', {
              error: { code: 'ActionTimedOut', message: `The action did not finish within ${s.timeoutMs} ms.` },
            })
          }
          const failure =
            err instanceof ActionFailure
              ? err
              : new ActionFailure('ActionFailed', (err as Error).message, undefined, undefined, true)
          const delay = this.retryDelay(s, attempts, failure)
          if (delay === undefined || this.terminated || this.interrupted) {
            return done('Failed', {
              outputs: failure.outputs,
              body: failure.body,
              error: { code: failure.code, message: failure.message },
            })
          }
          await this.deps.sleep(delay, this.abort.signal)
        }
      }
    } catch (err) {
      if (err instanceof Terminate) throw err
      return done('Failed', { error: { code: 'ActionFailed', message: (err as Error).message } })
    }
  }

  private retryDelay (s: Step, attempts: number, f: ActionFailure): number | undefined {
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

  private async run (
    s: Step,
    scope: Scope,
    ctx: EvalContext,
    inputs: unknown
  ): Promise<{ status?: RunStatus; outputs?: unknown; body?: unknown; error?: { code: string; message: string } }> {
    const i = (inputs ?? {}) as Record<string, unknown>
    switch (s.type) {
      case 'Compose':
        return { outputs: inputs, body: inputs }
      case 'ApiConnection':
      case 'OpenApiConnection':
        return this.api(s, i)
      case 'Http':
        return this.http(i)
      case 'If': {
        const c = this.condition(s.condition as Condition, ctx)
        const [taken, other] = c ? [s.actions, s.elseActions] : [s.elseActions, s.actions]
        for (const o of other) this.skip(o, scope)
        const failed = await this.steps(taken, scope)
        return { outputs: { expression: c }, ...(failed ? this.inner(failed) : {}) }
      }
      case 'Switch': {
        const value = render(s.switchOn as Template, ctx)
        const match = s.cases.find(c => c.value === value)
        for (const c of s.cases) if (c !== match) for (const o of c.actions) this.skip(o, scope)
        if (match) for (const o of s.defaultActions) this.skip(o, scope)
        const failed = await this.steps(match ? match.actions : s.defaultActions, scope)
        return {
          outputs: { expression: value, case: match?.name ?? 'default' },
          ...(failed ? this.inner(failed) : {}),
        }
      }
      case 'Scope': {
        const failed = await this.steps(s.actions, scope)
        return failed ? this.inner(failed) : {}
      }
      case 'Foreach':
        return this.foreach(s, scope, ctx)
      case 'Terminate': {
        const runError = i.runError as { code?: unknown; message?: unknown } | undefined
        throw new Terminate(
          i.runStatus as RunStatus,
          runError
            ? { code: String(runError.code ?? 'Terminated'), message: String(runError.message ?? '') }
            : undefined
        )
      }
      case 'Wait':
      case 'Delay': {
        const { count, unit } = i.interval as { count: unknown; unit: string }
        const n = typeof count === 'string' ? Number(count) : count
        if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
          throw new TemplateError('Wait: interval.count must be a non-negative number.')
        }
        const now = this.deps.now()
        await this.deps.sleep(addToTime(new Date(now), n, unit).getTime() - now, this.abort.signal)
        return {}
      }
      case 'InitializeVariable': {
        for (const v of i.variables as Array<{ name: string; type: string; value?: unknown }>) {
          const type = v.type.toLowerCase()
          if (this.variables.has(v.name)) {
            throw new ActionFailure('InvalidVariable', `The variable '${v.name}' is already initialized.`)
          }
          const value = VARIABLE_TYPES[type](
            v.value ??
              (type === 'array' ? [] : type === 'object' ? {} : type === 'string' ? '' : type === 'boolean' ? false : 0)
          )
          if (value === undefined) {
            throw new ActionFailure('InvalidVariable', `The value of '${v.name}' is not of type ${v.type}.`)
          }
          this.variables.set(v.name, { type, value })
        }
        return {}
      }
      case 'SetVariable':
      case 'IncrementVariable':
      case 'AppendToArrayVariable': {
        const name = String(i.name)
        const v = this.variables.get(name)
        if (!v) throw new ActionFailure('InvalidVariable', `The variable '${name}' has not been initialized.`)
        let value: unknown
        if (s.type === 'SetVariable') value = i.value
        else if (s.type === 'IncrementVariable') {
          value = addNumbers(v.value, i.value ?? 1)
          if (value === undefined) {
            throw new ActionFailure(
              'InvalidVariable',
              `IncrementVariable needs a number variable and value ('${name}').`
            )
          }
        } else {
          if (!Array.isArray(v.value)) {
            throw new ActionFailure('InvalidVariable', `'${name}' is not an array variable.`)
          }
          value = [...v.value, i.value]
        }
        const typed = VARIABLE_TYPES[v.type](value)
        if (typed === undefined) {
          throw new ActionFailure('InvalidVariable', `The value is not of the variable's type ${v.type}.`)
        }
        v.value = typed
        return { outputs: { name, value: typed } }
      }
      case 'Query': {
        if (!Array.isArray(i.from)) throw new TemplateError('Query: from must be an array.')
        const where = s.where as Template
        const out = i.from.filter(
          (item, index) =>
            render(where, this.context(scope.child({ name: s.name, item, index }, scope.iteration ?? ''))) === true
        )
        return { outputs: { body: out }, body: out }
      }
    }
  }

  private inner (failed: string): { status: RunStatus; error: { code: string; message: string } } {
    return { status: 'Failed', error: { code: 'ActionFailed', message: `An action failed: ${failed}.` } }
  }

  private condition (c: Condition, ctx: EvalContext): boolean {
    const v = ((): unknown => {
      switch (c.t) {
        case 'template':
          return render(c.v, ctx)
        case 'and':
          return c.items.every(x => this.condition(x, ctx))
        case 'or':
          return c.items.some(x => this.condition(x, ctx))
        case 'not':
          return !this.condition(c.item, ctx)
        case 'fn':
          return callFunction(
            c.name,
            c.args.map(a => render(a, ctx)),
            ctx
          )
      }
    })()
    if (typeof v !== 'boolean') {
      throw new TemplateError(`The condition must be true or false, not ${JSON.stringify(v)}.`)
    }
    return v
  }

  private async foreach (
    s: Step,
    scope: Scope,
    ctx: EvalContext
  ): Promise<{ status?: RunStatus; outputs?: unknown; error?: { code: string; message: string } }> {
    const items = render(s.foreach as Template, ctx)
    if (!Array.isArray(items)) {
      throw new TemplateError(`Foreach needs an array, not ${items === null ? 'null' : typeof items}.`)
    }
    let next = 0
    let failed: string | undefined
    const prefix = scope.iteration ? `${scope.iteration}/` : ''
    const worker = async (): Promise<void> => {
      while (next < items.length && !this.terminated && !this.interrupted) {
        const index = next++
        const f = await this.steps(
          s.actions,
          scope.child({ name: s.name, item: items[index], index }, `${prefix}${s.name}[${index}]`)
        )
        failed ??= f
      }
    }
    await Promise.all(Array.from({ length: Math.min(s.concurrency, items.length) }, worker))
    return { outputs: { iterations: items.length }, ...(failed ? this.inner(failed) : {}) }
  }

  private async api (s: Step, i: Record<string, unknown>): Promise<{ outputs: unknown; body: unknown }> {
    let method: string
    let url: string
    let query: Record<string, string>
    let body: unknown
    if (s.operation) {
      ;({ url, query, body } = buildRequest(s.operation, (i.parameters ?? {}) as Record<string, unknown>))
      method = s.operation.method
    } else {
      method = String(i.method).toUpperCase()
      url = String(i.path)
      if (!url.startsWith('/v1/')) {
        throw new ActionFailure(
          'InvalidPath',
          `An ApiConnection path must be one of this connector's (/v1/...), not '${url}'.`
        )
      }
      query = Object.fromEntries(
        Object.entries((i.queries ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])
      )
      body = i.body
    }
    const reply = await this.deps.catalog.call(this.deps.token, method, url, query, body)
    return this.reply(reply)
  }

  private reply (reply: OperationReply): { outputs: unknown; body: unknown } {
    const outputs = { statusCode: reply.statusCode, headers: reply.headers, body: reply.body }
    if (reply.statusCode >= 400) {
      const msg = (reply.body as { message?: unknown } | null)?.message
      throw new ActionFailure(
        String(reply.statusCode),
        typeof msg === 'string' ? msg : `The call answered ${reply.statusCode}.`,
        outputs,
        reply.body,
        reply.statusCode === 408 || reply.statusCode === 429 || reply.statusCode >= 500,
        retryAfterMs(reply.headers['retry-after'], this.deps.now())
      )
    }
    return { outputs, body: reply.body }
  }

  private async http (i: Record<string, unknown>): Promise<{ outputs: unknown; body: unknown }> {
    const uri = new URL(String(i.uri))
    for (const [k, v] of Object.entries((i.queries ?? {}) as Record<string, unknown>)) {
      uri.searchParams.set(k, String(v))
    }
    const refusal = this.deps.httpRefusal(uri.toString())
    if (refusal) throw new ActionFailure('HttpTargetNotAllowed', refusal)
    const headers = Object.fromEntries(
      Object.entries((i.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])
    )
    const hasBody = i.body !== undefined
    if (hasBody && typeof i.body !== 'string') headers['content-type'] ??= 'application/json'
    const res = await fetch(uri, {
      method: String(i.method).toUpperCase(),
      headers,
      redirect: 'manual',
      signal: this.abort.signal,
      dispatcher: this.deps.dispatcher,
      ...(hasBody ? { body: typeof i.body === 'string' ? i.body : JSON.stringify(i.body) } : {}),
    })
    const text = await res.text()
    let body: unknown = text
    if ((res.headers.get('content-type') ?? '').includes('json') && text) {
      try {
        body = JSON.parse(text)
      } catch {
        /* keep the text */
      }
    }
    return this.reply({
      statusCode: res.status,
      headers: Object.fromEntries(res.headers),
      body: text === '' ? null : body,
    })
  }
}

class TimedOut extends Error {}
