import { readFileSync, readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import { FlowFile, type Action } from './schema.js'
import { calls, compileTemplate, ExpressionSyntaxError, type Template } from './expression.js'
import { functionSpec, referenceKind } from './functions.js'
import { parseDuration } from './datetime.js'
import { TRIGGERS, type Trigger } from '../triggers/catalog.js'
import { parseFilter } from '../triggers/filters.js'
import type { Operation, OperationCatalog } from './operations.js'

export type RunStatus = 'Succeeded' | 'Failed' | 'Skipped' | 'TimedOut' | 'Cancelled'

export type Condition =
  | { t: 'template'; v: Template }
  | { t: 'and' | 'or'; items: Condition[] }
  | { t: 'not'; item: Condition }
  | { t: 'fn'; name: string; args: Template[] }

export interface Retry {
  type: 'none' | 'fixed' | 'exponential'
  count: number
  intervalMs: number
  minMs: number
  maxMs: number
}

export interface Step {
  name: string
  type: Action['type']
  runAfter: Record<string, string[]>
  inputs?: Template
  condition?: Condition
  switchOn?: Template
  actions: Step[]
  elseActions: Step[]
  cases: Array<{ name: string; value: unknown; actions: Step[] }>
  defaultActions: Step[]
  foreach?: Template
  /** Query: the per-item condition. */
  where?: Template
  concurrency: number
  retry: Retry
  timeoutMs?: number
  operation?: Operation
}

export type FlowTrigger =
  | { name: string; kind: 'webhook'; trigger: Trigger; filter?: string; conditions: Template[] }
  | {
    name: string
    kind: 'recurrence'
    frequency: string
    interval: number
    startTime?: string
    conditions: Template[]
  }

export interface CompiledFlow {
  /** The file name without .json: the flow's id in the API and the CLI. */
  id: string
  file: string
  description: string
  owner: string
  enabled: boolean
  trigger: FlowTrigger
  steps: Step[]
  parameters: Record<string, unknown>
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

/** ajv's errors, minus the noise of if/then wrappers, with the offending value's path. */
const ptr = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1')

function schemaProblems (errors: ErrorObject[]): FlowProblem[] {
  const out: FlowProblem[] = []
  for (const e of errors) {
    if (e.keyword === 'if') continue
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'enum') message += `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
    if (e.keyword === 'additionalProperties') {
      message = `unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'`
    }
    let path = e.instancePath
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

/** Compiles one flow file's JSON, collecting every problem rather than stopping at the first. */
export function compileFlow (id: string, file: string, json: unknown, catalog: OperationCatalog): CompiledFlow {
  if (!validateFile(json)) throw new FlowLoadError(file, schemaProblems(validateFile.errors ?? []))
  const flow = json
  const problems: FlowProblem[] = []
  const problem = (path: string, message: string): void => {
    problems.push({ path, message })
  }
  const names = new Map<string, string>()
  const loops = new Set<string>()
  const variables = new Set<string>()
  const checks: Array<{ path: string; t: Template; loops: Set<string> }> = []

  const template = (path: string, v: unknown, enclosing: Set<string>): Template | undefined => {
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

  const condition = (path: string, v: unknown, enclosing: Set<string>): Condition | undefined => {
    if (typeof v === 'string' || typeof v === 'boolean') {
      const t = template(path, v, enclosing)
      return t ? { t: 'template', v: t } : undefined
    }
    if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length !== 1) {
      problem(
        path,
        "must be an expression string or an object with one key such as 'and', 'or', 'not' or a function name"
      )
      return undefined
    }
    const [[key, arg]] = Object.entries(v)
    if (key === 'and' || key === 'or') {
      if (!Array.isArray(arg) || arg.length === 0) {
        problem(`${path}/${key}`, 'must be a non-empty array of conditions')
        return undefined
      }
      const items = arg.map((x, i) => condition(`${path}/${key}/${i}`, x, enclosing))
      return items.every(Boolean) ? { t: key, items: items as Condition[] } : undefined
    }
    if (key === 'not') {
      const item = condition(`${path}/not`, arg, enclosing)
      return item ? { t: 'not', item } : undefined
    }
    const spec = functionSpec(key)
    if (!spec) {
      problem(path, `'${key}' is not a known function`)
      return undefined
    }
    const args = Array.isArray(arg) ? arg : [arg]
    if (args.length < spec.min || args.length > spec.max) {
      problem(
        `${path}/${key}`,
        `${key} takes ${spec.min === spec.max ? spec.min : `${spec.min} to ${spec.max}`} arguments, not ${args.length}`
      )
    }
    const compiled = args.map((a, i) => template(`${path}/${key}/${i}`, a, enclosing))
    return compiled.every(Boolean) ? { t: 'fn', name: key, args: compiled as Template[] } : undefined
  }

  const retryOf = (path: string, a: Action): Retry => {
    const r = a.retryPolicy
    if (!r) {
      return a.type === 'ApiConnection' || a.type === 'OpenApiConnection' || a.type === 'Http'
        ? DEFAULT_RETRY
        : NO_RETRY
    }
    if (r.type === 'none') return NO_RETRY
    const ms = (v: string | undefined, fallback: number): number =>
      v === undefined ? fallback : (parseDuration(v) ?? fallback)
    if (r.type === 'fixed' && !r.interval) {
      problem(`${path}/retryPolicy/interval`, 'a fixed retry policy needs an interval')
    }
    const intervalMs = ms(r.interval, DEFAULT_RETRY.intervalMs)
    return {
      type: r.type,
      count: r.count ?? 4,
      intervalMs,
      minMs: ms(r.minimumInterval, Math.min(intervalMs, DEFAULT_RETRY.minMs)),
      maxMs: ms(r.maximumInterval, DEFAULT_RETRY.maxMs),
    }
  }

  const apiOperation = (path: string, inputs: Record<string, unknown>): Operation | undefined => {
    const host = inputs.host as { operationId?: string }
    if (!host.operationId) {
      if (typeof inputs.method !== 'string' || typeof inputs.path !== 'string') {
        problem(`${path}/host`, 'name the connector operation (host.operationId) or give method and path')
      }
      return undefined
    }
    const op = catalog.get(host.operationId)
    if (!op) {
      problem(`${path}/host/operationId`, `'${host.operationId}' is not an operation of the connector`)
      return undefined
    }
    const params = (inputs.parameters ?? {}) as Record<string, unknown>
    if (typeof params !== 'object' || Array.isArray(params)) {
      problem(`${path}/parameters`, 'must be an object')
      return op
    }
    for (const name of Object.keys(params)) {
      const known =
        op.path.includes(name) ||
        op.query.includes(name) ||
        (op.hasBody && (name === 'body' || (name.startsWith('body/') && op.body.includes(name.slice(5)))))
      if (!known) {
        const all = [...op.path, ...op.query, ...op.body.map(b => `body/${b}`)]
        problem(
          `${path}/parameters/${ptr(name)}`,
          `${op.operationId} has no parameter '${name}' (it has: ${all.join(', ') || 'none'})`
        )
      }
    }
    for (const req of op.required) {
      if (req.startsWith('body/') && 'body' in params) continue
      if (!(req in params)) problem(`${path}/parameters`, `${op.operationId} needs the parameter '${req}'`)
    }
    return op
  }

  // Nested actions come typed as unknown from the recursive schema; ajv has validated them as Actions.
  const steps = (path: string, actions: Record<string, unknown>, enclosing: Set<string>): Step[] => {
    const out: Step[] = []
    for (const [name, raw] of Object.entries(actions)) {
      const a = raw as Action
      const at = `${path}/${ptr(name)}`
      if (names.has(name)) {
        problem(
          at,
          `the action name '${name}' is used twice (also at ${names.get(name)}); names are unique across the flow`
        )
      }
      names.set(name, at)
      const runAfter = a.runAfter ?? {}
      for (const dep of Object.keys(runAfter)) {
        if (dep === name) problem(`${at}/runAfter`, 'an action cannot run after itself')
        else if (!(dep in actions)) {
          problem(`${at}/runAfter/${ptr(dep)}`, `'${dep}' is not an action in the same scope`)
        }
      }
      const inputs = (a.inputs ?? {}) as Record<string, unknown>
      const inner = a.type === 'Foreach' ? new Set([...enclosing, name]) : enclosing
      if (a.type === 'Foreach') loops.add(name)
      const step: Step = {
        name,
        type: a.type,
        runAfter,
        actions: [],
        elseActions: [],
        cases: [],
        defaultActions: [],
        concurrency: a.runtimeConfiguration?.concurrency?.repetitions ?? 20,
        retry: retryOf(at, a),
      }
      if (a.limit?.timeout) step.timeoutMs = parseDuration(a.limit.timeout)
      if (a.inputs !== undefined) {
        // The connection reference is the designer's business: never evaluated here.
        const { host: _host, ...rest } = inputs
        // A Query's where is evaluated per item (item() is the element), so it is kept apart from the inputs.
        const { where, ...from } = inputs
        const own =
          a.type === 'ApiConnection' || a.type === 'OpenApiConnection' ? rest : a.type === 'Query' ? from : a.inputs
        step.inputs = template(`${at}/inputs`, own, enclosing)
        if (a.type === 'Query') step.where = template(`${at}/inputs/where`, where, enclosing)
      }
      switch (a.type) {
        case 'ApiConnection':
        case 'OpenApiConnection': {
          const op = apiOperation(`${at}/inputs`, inputs)
          if (op) step.operation = op
          break
        }
        case 'If': {
          const c = condition(`${at}/expression`, a.expression, enclosing)
          if (c) step.condition = c
          break
        }
        case 'Switch':
          step.switchOn = template(`${at}/expression`, a.expression, enclosing)
          break
        case 'Foreach':
          step.foreach = template(`${at}/foreach`, a.foreach, enclosing)
          break
        case 'Terminate':
          if (!['Failed', 'Cancelled', 'Succeeded'].includes(String(inputs.runStatus))) {
            problem(`${at}/inputs/runStatus`, 'must be Failed, Cancelled or Succeeded')
          }
          break
        case 'Wait':
        case 'Delay': {
          const interval = inputs.interval as { count?: unknown; unit?: unknown }
          if (
            typeof interval !== 'object' ||
            !['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month'].includes(String(interval?.unit))
          ) {
            problem(
              `${at}/inputs/interval`,
              'must be { count, unit } with unit Second, Minute, Hour, Day, Week or Month'
            )
          }
          break
        }
        case 'InitializeVariable': {
          if (at.split('/actions/').length > 2) {
            problem(
              at,
              'InitializeVariable must be at the top level of the flow, not inside If, Switch, Scope or Foreach (as ' +
                'in Logic Apps)'
            )
          }
          const vars = inputs.variables
          if (!Array.isArray(vars) || vars.length === 0) {
            problem(`${at}/inputs/variables`, 'must be a non-empty array of { name, type, value }')
            break
          }
          vars.forEach((v: { name?: unknown; type?: unknown }, i) => {
            if (typeof v?.name !== 'string' || !v.name) problem(`${at}/inputs/variables/${i}/name`, 'is required')
            else variables.add(v.name)
            if (
              !['string', 'integer', 'float', 'boolean', 'array', 'object'].includes(String(v?.type).toLowerCase())
            ) {
              problem(`${at}/inputs/variables/${i}/type`, 'must be string, integer, float, boolean, array or object')
            }
          })
          break
        }
      }
      step.actions = steps(`${at}/actions`, a.actions ?? {}, inner)
      step.elseActions = steps(`${at}/else/actions`, a.else?.actions ?? {}, enclosing)
      step.cases = Object.entries(a.cases ?? {}).map(([c, v]) => ({
        name: c,
        value: v.case,
        actions: steps(`${at}/cases/${ptr(c)}/actions`, v.actions, enclosing),
      }))
      step.defaultActions = steps(`${at}/default/actions`, a.default?.actions ?? {}, enclosing)
      out.push(step)
    }
    cycles(path, out, problem)
    return out
  }

  const [[triggerName, t]] = Object.entries(flow.definition.triggers)
  const tPath = `/definition/triggers/${ptr(triggerName)}`
  const conditions = (t.conditions ?? [])
    .map((c, i) => template(`${tPath}/conditions/${i}/expression`, c.expression, new Set()))
    .filter((x): x is Template => !!x)
  // Accepted by the definition language but not by this runtime: refused here rather than silently ignored.
  if (t.splitOn !== undefined) problem(`${tPath}/splitOn`, 'splitOn is not supported: each event starts one run')
  const tz = t.recurrence?.timeZone
  if (tz !== undefined && !/^(UTC|Coordinated Universal Time|Etc\/UTC)$/i.test(tz)) {
    problem(`${tPath}/recurrence/timeZone`, `only UTC is supported, not '${tz}'`)
  }
  let trigger: FlowTrigger | undefined
  if (t.type === 'Recurrence') {
    const r = t.recurrence as NonNullable<typeof t.recurrence>
    trigger = {
      name: triggerName,
      kind: 'recurrence',
      frequency: r.frequency,
      interval: r.interval,
      conditions,
      ...(r.startTime ? { startTime: r.startTime } : {}),
    }
  } else {
    const opId = t.inputs?.host.operationId
    const known = TRIGGERS.find(x => x.operationId === opId)
    if (!known) {
      problem(
        `${tPath}/inputs/host/operationId`,
        `must name one of the connector's triggers: ${TRIGGERS.map(x => x.operationId).join(', ')}`
      )
    } else {
      const p = t.inputs?.parameters ?? {}
      const filter = [p.roomId ? `roomId=${p.roomId}` : '', p.filter ?? ''].filter(Boolean).join('&')
      try {
        parseFilter(known.resource, filter)
      } catch (err) {
        problem(`${tPath}/inputs/parameters`, (err as Error).message)
      }
      trigger = { name: triggerName, kind: 'webhook', trigger: known, conditions, ...(filter ? { filter } : {}) }
    }
  }

  const compiledSteps = steps('/definition/actions', flow.definition.actions, new Set())

  // Expressions: every function known and called with the right number of arguments; names of actions,
  // loops and variables given as literals must exist (the designer would not let them dangle either).
  for (const { path, t: tpl, loops: enclosing } of checks) {
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
      if (spec.trigger && spec.trigger !== String(t.type)) {
        problem(path, `${call.name}() needs a flow with a ${spec.trigger} trigger; this flow's trigger is ${t.type}`)
      }
      const kind = referenceKind(call.name)
      const first = call.args[0]
      if (!kind || first?.k !== 'lit' || typeof first.v !== 'string') continue
      if ((kind === 'action' || kind === 'scope') && !names.has(first.v)) {
        problem(path, `${call.name}('${first.v}'): there is no action named '${first.v}'`)
      }
      if (kind === 'loop' && !enclosing.has(first.v)) {
        problem(path, `${call.name}('${first.v}'): not inside a Foreach named '${first.v}'`)
      }
      if (kind === 'variable' && !variables.has(first.v)) {
        problem(path, `variables('${first.v}'): no InitializeVariable declares '${first.v}'`)
      }
    }
  }
  if (problems.length > 0 || !trigger) throw new FlowLoadError(file, problems)
  const parameters: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(flow.definition.parameters ?? {})) parameters[k] = v.defaultValue ?? null
  return {
    id,
    file,
    description: flow.description ?? '',
    owner: flow.owner,
    enabled: flow.enabled ?? true,
    trigger,
    steps: compiledSteps,
    parameters,
    definition: flow.definition,
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

export function loadFlowFile (file: string, catalog: OperationCatalog): CompiledFlow {
  const text = readFileSync(file, 'utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new FlowLoadError(file, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }])
  }
  return compileFlow(basename(file, '.json'), file, json, catalog)
}

/** Every flows/*.json, compiled; problems of all files together. */
export function loadFlowDir (
  dir: string,
  catalog: OperationCatalog
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
      flows.push(loadFlowFile(join(dir, f), catalog))
    } catch (err) {
      if (err instanceof FlowLoadError) errors.push(err)
      else throw err
    }
  }
  return { flows, errors }
}
