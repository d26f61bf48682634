import { readFileSync, readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import { Type, type TSchema } from '@sinclair/typebox'
import { ActionCommon, FlowFile, objectOf, RecurrenceSchema, RetryPolicy, TriggerCommon } from './schema.js'
import { calls, compileTemplate, ExpressionSyntaxError, type Template } from './expression.js'
import { functionSpec, referenceKind } from './functions.js'
import { parseDuration } from './datetime.js'
import { compileCondition } from './conditions.js'
import { ianaZone } from './zones.js'
import { actionKind, ACTION_TYPE_NAMES, refusedKind, triggerKind, TRIGGER_TYPE_NAMES } from './kinds/index.js'
import {
  RUN_AFTER_STATUSES,
  type ActionJson,
  type ActionKind,
  type Compiler,
  type Recurrence,
  type Retry,
  type RunStatus,
  type Step,
  type TriggerData,
  type TriggerKind,
} from './kinds/types.js'
import type { OperationCatalog } from './operations.js'
import type { AppSettings } from './app-settings.js'

export type { RunStatus, Step } from './kinds/types.js'

/** The trigger, compiled: its kind's data and the options every trigger has. */
export interface CompiledTrigger {
  name: string
  type: string
  kind: TriggerKind
  data: TriggerData
  conditions: Template[]
  splitOn?: Template
  clientTrackingId?: Template
  /** runtimeConfiguration.concurrency (SingleInstance = runs 1): runs of this flow at once, and how many wait. */
  concurrency?: { runs: number; maximumWaitingRuns: number }
  options: Set<string>
  secure: { inputs: boolean; outputs: boolean }
}

export interface CompiledFlow {
  /** The file name without .json: the flow's id in the API and the CLI. */
  id: string
  file: string
  description: string
  owner: string
  enabled: boolean
  trigger: CompiledTrigger
  steps: Step[]
  parameters: Record<string, unknown>
  /** definition.outputs, evaluated when the run ends. */
  outputs?: Template
  /** The flow has a Response action: a Request caller waits for it (unless it is Asynchronous or splitOn is set). */
  response?: { asynchronous: boolean }
  definition: FlowFile['definition']
}

export interface FlowProblem {
  path: string
  message: string
}

export class FlowLoadError extends Error {
  override name = 'FlowLoadError'
  constructor (
    readonly file: string,
    readonly problems: FlowProblem[]
  ) {
    super(`${file}:\n${problems.map(p => `  ${p.path || '/'}: ${p.message}`).join('\n')}`)
  }
}

const ajv = new Ajv({ allErrors: true, strict: false })
;(addFormatsPlugin as unknown as (a: Ajv) => void)(ajv)
const validateFile = ajv.compile<FlowFile>(FlowFile)
const validators = new WeakMap<object, ValidateFunction>()
function validator (schema: TSchema): ValidateFunction {
  let v = validators.get(schema)
  if (!v) {
    v = ajv.compile(schema)
    validators.set(schema, v)
  }
  return v
}

export const ptr = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1')

/** ajv's errors, minus the noise of if/then wrappers, with the offending value's path. */
export function schemaProblems (errors: ErrorObject[], prefix = ''): FlowProblem[] {
  const out: FlowProblem[] = []
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'anyOf') continue
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'enum') message += `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
    if (e.keyword === 'additionalProperties') {
      const name = (e.params as { additionalProperty: string }).additionalProperty
      const hint = name === 'retryPolicy' ? ' (Logic Apps puts it in inputs.retryPolicy)' : ''
      message = `unknown property '${name}'${hint}`
    }
    let path = prefix + e.instancePath
    // A missing property is reported where it belongs, so the path is the one to add.
    if (e.keyword === 'required') {
      path += `/${ptr((e.params as { missingProperty: string }).missingProperty)}`
      message = 'is required'
    }
    const problem = { path, message }
    if (!out.some(p => p.path === problem.path && p.message === problem.message)) out.push(problem)
  }
  return out
}

// Logic Apps' Default policy: up to 4 retries, intervals scaling by 7.5 s, capped between 5 and 45 s.
const DEFAULT_RETRY: Retry = { type: 'exponential', count: 4, intervalMs: 7_500, minMs: 5_000, maxMs: 45_000 }
const NO_RETRY: Retry = { type: 'none', count: 0, intervalMs: 0, minMs: 0, maxMs: 0 }
const FREQUENCIES = ['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month'] as const
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const TRIGGER_OPTIONS = ['SingleInstance']

const canonicalStatus = (s: unknown): string =>
  RUN_AFTER_STATUSES.find(x => x.toLowerCase() === String(s).toLowerCase()) ?? String(s)
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
const optionList = (v: unknown): string[] =>
  String(v ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)

/** What flows are checked against besides themselves: the operator's app settings (appsetting()). */
export interface LoadEnv {
  appSettings?: AppSettings
  /** Whether inline code can run (the sandbox's availability); without it JavaScriptCode is refused. */
  inlineCode?: () => { ok: true } | { ok: false; reason: string }
}

/** Compiles one flow file's JSON, collecting every problem rather than stopping at the first. */
export function compileFlow (
  id: string,
  file: string,
  json: unknown,
  catalog: OperationCatalog,
  env: LoadEnv = {}
): CompiledFlow {
  if (!validateFile(json)) throw new FlowLoadError(file, schemaProblems(validateFile.errors ?? []))
  const flow = json
  const definition = flow.definition
  const problems: FlowProblem[] = []
  const problem = (path: string, message: string): void => {
    problems.push({ path, message })
  }
  /** Action names by lower case (Logic Apps matches them ignoring case): where each is. */
  const names = new Map<string, string>()
  const loops = new Map<string, 'foreach' | 'until'>()
  const variables = new Set<string>()
  const checks: Array<{ path: string; t: Template; loops: Set<string> }> = []
  let enclosing = new Set<string>()
  let response: CompiledFlow['response']

  const template = (path: string, v: unknown): Template | undefined => {
    try {
      const t = compileTemplate(v)
      checks.push({ path, t, loops: enclosing })
      return t
    } catch (err) {
      if (err instanceof ExpressionSyntaxError) {
        problem(path, err.message)
        return undefined
      }
      throw err
    }
  }
  const shape = (path: string, schema: TSchema, value: unknown): boolean => {
    const v = validator(schema)
    if (v(value)) return true
    for (const p of schemaProblems(v.errors ?? [], path)) problem(p.path, p.message)
    return false
  }

  const [[triggerName, rawTrigger]] = Object.entries(definition.triggers)
  const tPath = `/definition/triggers/${ptr(triggerName)}`
  const tFound = typeof rawTrigger.type === 'string' ? triggerKind(rawTrigger.type) : undefined
  const splitOnSet = typeof rawTrigger.splitOn === 'string'

  const recurrence = (path: string, v: unknown): Recurrence | undefined => {
    if (!shape(path, RecurrenceSchema, v)) return undefined
    const r = v as Record<string, unknown>
    const frequency = FREQUENCIES.find(f => f.toLowerCase() === String(r.frequency).toLowerCase())
    if (!frequency) {
      problem(`${path}/frequency`, `must be equal to one of the allowed values: ${FREQUENCIES.join(', ')}`)
      return undefined
    }
    const out: Recurrence = { frequency, interval: Number(r.interval) }
    for (const k of ['startTime', 'endTime'] as const) {
      if (r[k] === undefined) continue
      const text = String(r[k])
      if (Number.isNaN(Date.parse(/(Z|[+-]\d\d:\d\d)$/i.test(text) ? text : `${text}Z`))) {
        problem(`${path}/${k}`, 'must be a date and time such as 2024-01-01T09:00:00')
      } else out[k] = text
    }
    if (r.timeZone !== undefined) {
      const zone = ianaZone(String(r.timeZone))
      if (!zone) {
        problem(
          `${path}/timeZone`,
          `'${String(r.timeZone)}' is not a Windows time zone name (such as 'Pacific Standard Time')`
        )
      } else {
        out.zone = zone
        out.timeZone = String(r.timeZone)
      }
    }
    if (r.schedule !== undefined) {
      const s = r.schedule as Record<string, unknown>
      const list = (k: string, min: number, max: number): number[] | undefined => {
        if (s[k] === undefined) return undefined
        const values = (Array.isArray(s[k]) ? s[k] : String(s[k]).split(',')) as unknown[]
        const nums = values.map(x =>
          k === 'weekDays' ? WEEKDAYS.findIndex(d => d.toLowerCase() === String(x).trim().toLowerCase()) : Number(x)
        )
        if (nums.some(n => !Number.isInteger(n) || n < min || n > max)) {
          problem(
            `${path}/schedule/${k}`,
            k === 'weekDays' ? `must be day names (${WEEKDAYS.join(', ')})` : `must be integers from ${min} to ${max}`
          )
          return undefined
        }
        return [...new Set(nums)].sort((a, b) => a - b)
      }
      const schedule = {
        hours: list('hours', 0, 23),
        minutes: list('minutes', 0, 59),
        weekDays: list('weekDays', 0, 6),
        monthDays: list('monthDays', -1, 31),
      }
      if (schedule.weekDays && frequency !== 'Week') {
        problem(`${path}/schedule/weekDays`, 'applies only when frequency is Week')
      }
      if (schedule.monthDays && frequency !== 'Month') {
        problem(`${path}/schedule/monthDays`, 'applies only when frequency is Month')
      }
      if ((schedule.hours || schedule.minutes) && !['Day', 'Week', 'Month'].includes(frequency)) {
        problem(`${path}/schedule`, 'hours and minutes apply only when frequency is Day, Week or Month')
      }
      out.schedule = Object.fromEntries(Object.entries(schedule).filter(([, x]) => x !== undefined))
    }
    return out
  }

  // ---------------------------------------------------------------- actions
  const retryOf = (path: string, kind: ActionKind, inputs: unknown): Retry => {
    const r = isObject(inputs) ? inputs.retryPolicy : undefined
    if (r === undefined) return kind.retries ? DEFAULT_RETRY : NO_RETRY
    if (!shape(`${path}/inputs/retryPolicy`, RetryPolicy, r)) return NO_RETRY
    const p = r as {
      type: string
      count?: number
      interval?: string
      minimumInterval?: string
      maximumInterval?: string
    }
    if (p.type === 'none') return NO_RETRY
    const ms = (v: string | undefined, fallback: number): number =>
      v === undefined ? fallback : (parseDuration(v) ?? fallback)
    if (p.type === 'fixed' && !p.interval) {
      problem(`${path}/inputs/retryPolicy/interval`, 'a fixed retry policy needs an interval')
    }
    const intervalMs = ms(p.interval, DEFAULT_RETRY.intervalMs)
    return {
      type: p.type as Retry['type'],
      count: p.count ?? 4,
      intervalMs,
      minMs: ms(p.minimumInterval, Math.min(intervalMs, DEFAULT_RETRY.minMs)),
      maxMs: ms(p.maximumInterval, DEFAULT_RETRY.maxMs),
    }
  }

  const action = (
    at: string,
    name: string,
    raw: unknown,
    ctx: { inLoop: boolean; topLevel: boolean }
  ): Step | undefined => {
    if (!isObject(raw)) {
      problem(at, 'must be an object')
      return undefined
    }
    const type = typeof raw.type === 'string' ? raw.type : undefined
    if (!type) {
      problem(`${at}/type`, 'is required')
      return undefined
    }
    const refused = refusedKind(type)
    if (refused) {
      problem(`${at}/type`, `${refused.type} actions are refused: it ${refused.reason}`)
      return undefined
    }
    const found = actionKind(type)
    if (!found) {
      problem(`${at}/type`, `must be equal to one of the allowed values: ${ACTION_TYPE_NAMES.join(', ')}`)
      return undefined
    }
    const kind = found.kind
    // Canonical case for what the schema checks: type names and runAfter statuses as Logic Apps matches them.
    const a: ActionJson = { ...raw, type: found.name }
    if (isObject(raw.runAfter)) {
      a.runAfter = Object.fromEntries(
        Object.entries(raw.runAfter).map(([k, v]) => [k, Array.isArray(v) ? v.map(canonicalStatus) : v])
      ) as Record<string, string[]>
    }
    const own = kind.properties?.(Type.Unknown()) ?? {}
    const common = { ...ActionCommon }
    shape(
      at,
      objectOf({ ...common, ...own }, ['type', ...(kind.required ?? []), ...(kind.inputsRequired ? ['inputs'] : [])]),
      a
    )
    if (a.inputs !== undefined) {
      if (!kind.inputs) problem(`${at}/inputs`, `a ${found.name} action takes no inputs`)
      else if (!(typeof a.inputs === 'string' && a.inputs.startsWith('@') && kind.type === 'Compose')) {
        shape(`${at}/inputs`, kind.inputs, a.inputs)
      }
    }
    // Options a kind does not take are refused, never ignored.
    const rc = isObject(a.runtimeConfiguration) ? a.runtimeConfiguration : {}
    for (const k of ['concurrency', 'paginationPolicy', 'contentTransfer'] as const) {
      if (k in rc && !kind.runtime?.includes(k)) {
        problem(`${at}/runtimeConfiguration/${k}`, `runtimeConfiguration.${k} does not apply to a ${found.name} action`)
      }
    }
    const options = new Set<string>()
    for (const o of optionList(a.operationOptions)) {
      const known = kind.operationOptions?.find(x => x.toLowerCase() === o.toLowerCase())
      if (!known) {
        problem(
          `${at}/operationOptions`,
          `'${o}' does not apply to a ${found.name} action` +
            (kind.operationOptions ? ` (it takes: ${kind.operationOptions.join(', ')})` : '')
        )
      } else options.add(known.toLowerCase())
    }
    const limit = isObject(a.limit) ? a.limit : {}
    if ('count' in limit && !kind.limit?.includes('count')) {
      problem(`${at}/limit/count`, `limit.count applies to Until, not ${found.name}`)
    }
    // A Compose's inputs are data, whatever their keys; elsewhere a retry policy belongs to kinds that call out.
    if (isObject(a.inputs) && 'retryPolicy' in a.inputs && !kind.retries && kind.type !== 'Compose') {
      problem(`${at}/inputs/retryPolicy`, `a ${found.name} action does not call out, so it has no retry policy`)
    }

    const secureProps = (rc.secureData as { properties?: string[] } | undefined)?.properties ?? []
    const step: Step = {
      name,
      kind,
      runAfter: (a.runAfter ?? {}) as Record<string, RunStatus[]>,
      data: undefined,
      retry: kind.retries ? retryOf(at, kind, a.inputs) : NO_RETRY,
      secure: { inputs: secureProps.includes('inputs'), outputs: secureProps.includes('outputs') },
      options,
      chunked: (rc.contentTransfer as { transferMode?: string } | undefined)?.transferMode === 'Chunked',
      path: at,
    }
    const min = (rc.paginationPolicy as { minimumItemCount?: number } | undefined)?.minimumItemCount
    if (min !== undefined) step.minimumItemCount = min
    // A loop's limit.timeout bounds its repetitions (the kind keeps it); elsewhere it bounds the action.
    if (typeof limit.timeout === 'string' && !kind.limit?.includes('count')) {
      step.timeoutMs = parseDuration(limit.timeout)
    }
    if (a.inputs !== undefined && kind.inputs) {
      const evaluated =
        isObject(a.inputs) && kind.type !== 'Compose'
          ? (kind.evaluated ?? (({ retryPolicy: _r, ...rest }: Record<string, unknown>) => rest))(a.inputs)
          : a.inputs
      const t = template(`${at}/inputs`, evaluated)
      if (t) step.inputs = t
    }
    if (a.trackedProperties !== undefined) {
      const t = template(`${at}/trackedProperties`, a.trackedProperties)
      if (t) step.tracked = t
    }
    const sr = rc.staticResult as { name?: string; staticResultOptions?: string } | undefined
    if (sr && sr.staticResultOptions !== 'Disabled') {
      const results = (definition.staticResults ?? {}) as Record<
        string,
        { status: string; outputs?: unknown; error?: unknown }
      >
      const found = sr.name ? results[sr.name] : undefined
      if (!found) {
        problem(`${at}/runtimeConfiguration/staticResult/name`, `definition.staticResults has no '${sr.name}'`)
      } else {
        const status = canonicalStatus(found.status) as RunStatus
        if (!['Succeeded', 'Failed', 'Skipped', 'TimedOut'].includes(status)) {
          problem(
            `/definition/staticResults/${ptr(String(sr.name))}/status`,
            'must be Succeeded, Failed, Skipped or TimedOut'
          )
        }
        const e = found.error as { code?: unknown; message?: unknown } | undefined
        step.staticResult = {
          status,
          ...(found.outputs !== undefined ? { outputs: found.outputs } : {}),
          ...(e ? { error: { code: String(e.code ?? 'StaticResultError'), message: String(e.message ?? '') } } : {}),
        }
      }
    }
    if (kind.type === 'Response') {
      const asynchronous = options.has('asynchronous')
      response = { asynchronous: (response?.asynchronous ?? false) || asynchronous }
    }
    const compiler: Compiler = {
      catalog,
      problem,
      template,
      condition: (path, v) => compileCondition(path, v, template, problem),
      steps: (path, actions, loop) => {
        const saved = enclosing
        if (loop) {
          loops.set(loop.name.toLowerCase(), loop.foreach ? 'foreach' : 'until')
          enclosing = new Set([...enclosing, loop.name.toLowerCase()])
        }
        try {
          return steps(path, actions, { inLoop: ctx.inLoop || !!loop, topLevel: false })
        } finally {
          enclosing = saved
        }
      },
      declareVariable: n => variables.add(n.toLowerCase()),
      inLoop: ctx.inLoop,
      topLevel: ctx.topLevel,
      triggerType: tFound?.name ?? String(rawTrigger.type),
      splitOn: splitOnSet,
      inlineCode: env.inlineCode ?? (() => ({ ok: false, reason: 'no sandbox was given to this check' })),
    }
    step.data = kind.compile?.(a, compiler, at, name)
    return step
  }

  const steps = (path: string, actions: unknown, ctx: { inLoop: boolean; topLevel: boolean }): Step[] => {
    if (!isObject(actions)) {
      if (actions !== undefined) problem(path, 'must be an object of actions')
      return []
    }
    const out: Step[] = []
    for (const [name, raw] of Object.entries(actions)) {
      const at = `${path}/${ptr(name)}`
      if (name.length < 1 || name.length > 80) problem(at, 'an action name has 1 to 80 characters')
      const seen = names.get(name.toLowerCase())
      if (seen) {
        problem(at, `the action name '${name}' is used twice (also at ${seen}); names are unique across the flow`)
      }
      names.set(name.toLowerCase(), at)
      const step = action(at, name, raw, ctx)
      if (step) out.push(step)
    }
    // runAfter names a sibling, matched ignoring case; the keys become the siblings' own names.
    const siblings = new Map(Object.keys(actions).map(n => [n.toLowerCase(), n]))
    for (const s of out) {
      const runAfter: Record<string, RunStatus[]> = {}
      for (const [dep, statuses] of Object.entries(s.runAfter)) {
        const sibling = siblings.get(dep.toLowerCase())
        if (sibling === s.name) problem(`${s.path}/runAfter`, 'an action cannot run after itself')
        else if (!sibling && dep.toLowerCase() === triggerName.toLowerCase()) {
          // Logic Apps' designer writes runAfter on the trigger only for the Agent of a conversational agent
          // workflow, whose Request trigger (kind Agent) is refused here; elsewhere it removes it.
          problem(
            `${s.path}/runAfter/${ptr(dep)}`,
            `'${dep}' is the trigger: an action runs after the trigger by having no runAfter (only the Agent of a ` +
              'conversational agent workflow, whose Request trigger of kind Agent is refused here, names it there)'
          )
        } else if (!sibling) problem(`${s.path}/runAfter/${ptr(dep)}`, `'${dep}' is not an action in the same scope`)
        else runAfter[sibling] = statuses.length === 0 ? ['Succeeded'] : statuses
      }
      s.runAfter = runAfter
    }
    cycles(path, out, problem)
    return out
  }

  // ---------------------------------------------------------------- the trigger
  let trigger: CompiledTrigger | undefined
  if (typeof rawTrigger.type !== 'string') problem(`${tPath}/type`, 'is required')
  else if (!tFound) {
    problem(`${tPath}/type`, `must be equal to one of the allowed values: ${TRIGGER_TYPE_NAMES.join(', ')}`)
  } else {
    const kind = tFound.kind
    const t: ActionJson = { ...rawTrigger, type: tFound.name }
    const own = kind.properties?.() ?? {}
    shape(tPath, objectOf({ ...TriggerCommon, ...own }, ['type', ...(kind.required ?? [])]), t)
    const conditions = ((t.conditions ?? []) as Array<{ expression: string }>)
      .map((c, i) => template(`${tPath}/conditions/${i}/expression`, c.expression))
      .filter((x): x is Template => !!x)
    const options = new Set<string>()
    for (const o of optionList(t.operationOptions)) {
      const known = [...TRIGGER_OPTIONS, ...(kind.operationOptions ?? [])].find(
        x => x.toLowerCase() === o.toLowerCase()
      )
      if (!known) problem(`${tPath}/operationOptions`, `'${o}' does not apply to a ${tFound.name} trigger`)
      else options.add(known.toLowerCase())
    }
    const rc = isObject(t.runtimeConfiguration) ? t.runtimeConfiguration : {}
    const conc = rc.concurrency as { runs?: number; maximumWaitingRuns?: number } | undefined
    if (options.has('singleinstance') && conc?.runs !== undefined) {
      problem(`${tPath}/operationOptions`, 'set SingleInstance or runtimeConfiguration.concurrency.runs, not both')
    }
    const runs = options.has('singleinstance') ? 1 : conc?.runs
    const secureProps = (rc.secureData as { properties?: string[] } | undefined)?.properties ?? []
    const data = kind.compile(t, { catalog, problem, template, recurrence }, tPath)
    const splitOn = typeof t.splitOn === 'string' ? template(`${tPath}/splitOn`, t.splitOn) : undefined
    const tracking = (t.correlation as { clientTrackingId?: string } | undefined)?.clientTrackingId
    const clientTrackingId =
      tracking !== undefined ? template(`${tPath}/correlation/clientTrackingId`, tracking) : undefined
    if (data) {
      trigger = {
        name: triggerName,
        type: tFound.name,
        kind,
        data,
        conditions,
        options,
        secure: { inputs: secureProps.includes('inputs'), outputs: secureProps.includes('outputs') },
        ...(splitOn ? { splitOn } : {}),
        ...(clientTrackingId ? { clientTrackingId } : {}),
        ...(runs !== undefined || conc?.maximumWaitingRuns !== undefined
          ? {
              concurrency: {
                runs: runs ?? 100,
                maximumWaitingRuns: conc?.maximumWaitingRuns ?? Math.min(100, 10 + (runs ?? 100)),
              },
            }
          : {}),
      }
    }
  }

  const compiledSteps = steps('/definition/actions', definition.actions, { inLoop: false, topLevel: true })
  let outputs: Template | undefined
  if (definition.outputs !== undefined) {
    const values = Object.fromEntries(
      Object.entries(definition.outputs).map(([k, v]) => [k, isObject(v) && 'value' in v ? v.value : v])
    )
    outputs = template('/definition/outputs', values)
  }

  // A callback URL (listCallbackUrl()) exists where the trigger or an HttpWebhook action has one: a Request,
  // HttpWebhook or connector webhook trigger, or any HttpWebhook action (its own URL, inside its inputs).
  const callbackTypes = new Set<string>()
  if (tFound?.kind.callback) callbackTypes.add('request')
  if (hasActionOfType(definition.actions, 'httpwebhook')) callbackTypes.add('request')

  // Expressions: every function known and called with the right number of arguments; names of actions,
  // loops and variables given as literals must exist (the designer would not let them dangle either).
  for (const { path, t: tpl, loops: inside } of checks) {
    for (const call of calls(tpl)) {
      const spec = functionSpec(call.name)
      if (!spec) {
        problem(path, `'${call.name}' is not a known function`)
        continue
      }
      if (call.args.length < spec.min || call.args.length > spec.max) {
        problem(
          path,
          `${call.name} takes ${spec.min === spec.max ? spec.min : `${spec.min} to ${spec.max}`} arguments, not ` +
            `${call.args.length}`
        )
      }
      if (spec.trigger && !callbackTypes.has(spec.trigger.toLowerCase())) {
        problem(
          path,
          `${call.name}() needs a flow with a ${spec.trigger}, HttpWebhook or ApiConnectionWebhook trigger, or an ` +
            `HttpWebhook action; this flow's trigger is ${String(rawTrigger.type)}`
        )
      }
      const kind = referenceKind(call.name)
      const first = call.args[0]
      if (!kind || first?.k !== 'lit' || typeof first.v !== 'string') continue
      const lower = first.v.toLowerCase()
      if ((kind === 'action' || kind === 'scope') && !names.has(lower)) {
        problem(path, `${call.name}('${first.v}'): there is no action named '${first.v}'`)
      }
      if (
        kind === 'loop' &&
        !(inside.has(lower) && (call.name.toLowerCase() !== 'items' || loops.get(lower) === 'foreach'))
      ) {
        problem(path, `${call.name}('${first.v}'): not inside a Foreach named '${first.v}'`)
      }
      if (kind === 'variable' && !variables.has(lower)) {
        problem(path, `variables('${first.v}'): no InitializeVariable declares '${first.v}'`)
      }
      if (kind === 'appsetting' && !env.appSettings?.has(first.v)) {
        problem(
          path,
          `${call.name}('${first.v}'): there is no app setting '${first.v}' ` +
            (env.appSettings?.source
              ? `in ${env.appSettings.source} (FLOWS_APP_SETTINGS)`
              : '(FLOWS_APP_SETTINGS names the file of app settings; none is set)')
        )
      }
    }
  }
  if (problems.length > 0 || !trigger) throw new FlowLoadError(file, problems)
  const parameters: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(definition.parameters ?? {})) parameters[k] = v.defaultValue ?? null
  return {
    id,
    file,
    description: flow.description ?? definition.description ?? '',
    owner: flow.owner,
    enabled: flow.enabled ?? true,
    trigger,
    steps: compiledSteps,
    parameters,
    definition,
    ...(outputs ? { outputs } : {}),
    ...(response ? { response } : {}),
  }
}

/** runAfter must not loop: Kahn's algorithm over one scope. */
function cycles (path: string, steps: Step[], problem: (p: string, m: string) => void): void {
  const pending = new Map(
    steps.map(s => [s.name, Object.keys(s.runAfter).filter(d => steps.some(x => x.name === d)).length])
  )
  const ready = steps.filter(s => pending.get(s.name) === 0).map(s => s.name)
  let seen = 0
  while (ready.length > 0) {
    const n = ready.pop() as string
    seen++
    for (const s of steps) {
      if (n in s.runAfter) {
        const left = (pending.get(s.name) ?? 0) - 1
        pending.set(s.name, left)
        if (left === 0) ready.push(s.name)
      }
    }
  }
  if (seen < steps.length) {
    problem(
      path,
      `runAfter forms a cycle among: ${steps
        .filter(s => (pending.get(s.name) ?? 0) > 0)
        .map(s => s.name)
        .join(', ')}`
    )
  }
}

export function loadFlowFile (file: string, catalog: OperationCatalog, env: LoadEnv = {}): CompiledFlow {
  const text = readFileSync(file, 'utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new FlowLoadError(file, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }])
  }
  return compileFlow(basename(file, '.json'), file, json, catalog, env)
}

/** Every flows/*.json, compiled; problems of all files together. */
export function loadFlowDir (
  dir: string,
  catalog: OperationCatalog,
  env: LoadEnv = {}
): { flows: CompiledFlow[]; errors: FlowLoadError[] } {
  const flows: CompiledFlow[] = []
  const errors: FlowLoadError[] = []
  let files: string[]
  try {
    files = readdirSync(dir)
      .filter(f => f.endsWith('.json'))
      .sort()
  } catch {
    return { flows, errors }
  }
  for (const f of files) {
    try {
      flows.push(loadFlowFile(join(dir, f), catalog, env))
    } catch (err) {
      if (err instanceof FlowLoadError) errors.push(err)
      else throw err
    }
  }
  return { flows, errors }
}

/** Whether an action of this type (lower case) is anywhere among these actions, nested ones included. */
function hasActionOfType (actions: unknown, type: string): boolean {
  if (!isObject(actions)) return false
  return Object.values(actions).some(a => {
    if (!isObject(a)) return false
    if (String(a.type).toLowerCase() === type) return true
    const cases = isObject(a.cases) ? Object.values(a.cases) : []
    const nested = [a.actions, (a.else as { actions?: unknown } | undefined)?.actions]
    nested.push(...cases.map(c => (c as { actions?: unknown }).actions))
    nested.push((a.default as { actions?: unknown } | undefined)?.actions)
    return nested.some(x => hasActionOfType(x, type))
  })
}
