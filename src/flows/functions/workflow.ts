/**
 * Workflow functions: what the run knows. They read the evaluation context the runner provides; the shapes
 * returned are Logic Apps' (actions() and result() items: name, inputs, outputs, startTime, endTime,
 * trackingId, clientTrackingId, code, status, error).
 */
import { createHash } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import { asContent, isObject, toText } from '../values.js'
import { type ActionRecord, type Args, def, type EvalContext, type Family } from './context.js'

function record (a: Args, ctx: EvalContext): ActionRecord {
  const name = a.str(0)
  const r = ctx.action(name)
  if (!r) {
    throw a.fail(
      `cannot be evaluated because the action '${name}' has not run (check its runAfter) or does not exist in this ` +
        'scope.'
    )
  }
  return r
}

const runName = (ctx: EvalContext): string => {
  const w = ctx.workflow() as { run?: { name?: unknown } } | null
  return typeof w?.run?.name === 'string' ? w.run.name : ''
}

/** The status code name Logic Apps gives an action: the HTTP status's .NET name, else from its outcome. */
function code (r: ActionRecord): string {
  const status = (r.outputs as { statusCode?: unknown } | undefined)?.statusCode
  if (typeof status === 'number' && STATUS_CODES[status]) {
    return status === 200 ? 'OK' : STATUS_CODES[status].replace(/[^A-Za-z]/g, '')
  }
  switch (r.status) {
    case 'Succeeded':
      return 'OK'
    case 'Skipped':
      return 'ActionSkipped'
    case 'TimedOut':
      return 'ActionTimedOut'
    case 'Cancelled':
      return 'Cancelled'
    default:
      return r.error?.code === 'InvalidTemplate' ? 'BadRequest' : (r.error?.code ?? 'ActionFailed')
  }
}

/** An action as actions('Name') and result() show it. */
export function actionView (r: ActionRecord, run: string): Record<string, unknown> {
  const hash = createHash('sha1')
    .update(`${run}\n${r.name}\n${r.iteration ?? ''}`)
    .digest('hex')
  return {
    name: r.name,
    ...(r.inputs !== undefined ? { inputs: r.inputs } : {}),
    ...(r.outputs !== undefined ? { outputs: r.outputs } : {}),
    ...(r.startTime ? { startTime: r.startTime } : {}),
    ...(r.endTime ? { endTime: r.endTime } : {}),
    trackingId: hash.slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
    clientTrackingId: run,
    code: code(r),
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
  }
}

/** Form posts as Logic Apps keeps them: `$formdata` pairs, an encoded `$content`, or multipart parts with names. */
function formValues (a: Args, body: unknown, key: string): string[] {
  if (isObject(body) && Array.isArray(body.$formdata)) {
    return body.$formdata
      .filter((p): p is { key: string; value: unknown } => isObject(p) && p.key === key)
      .map(p => toText(p.value))
  }
  if (isObject(body) && Array.isArray(body.$multipart)) {
    return body.$multipart.filter(p => partName(p) === key).map(p => toText(isObject(p) ? p.body : null))
  }
  const c = asContent(body)
  if (c && /application\/x-www-form-urlencoded/i.test(c.contentType)) return new URLSearchParams(c.text()).getAll(key)
  throw a.fail('expects form data: the body is not form-data or form-encoded content.')
}

function partName (p: unknown): string | undefined {
  if (!isObject(p) || !isObject(p.headers)) return undefined
  const header = Object.entries(p.headers).find(([k]) => k.toLowerCase() === 'content-disposition')?.[1]
  return typeof header === 'string' ? /\bname="?([^";]+)"?/i.exec(header)?.[1] : undefined
}

function singleValue (a: Args, values: string[], key: string): string {
  if (values.length > 1) throw a.fail(`found more than one value for the key '${key}'; use the MultiValues function.`)
  if (values.length === 0) throw a.fail(`found no value for the key '${key}'.`)
  return values[0]
}

function part (a: Args, body: unknown, index: number): unknown {
  const parts = isObject(body) ? body.$multipart : undefined
  if (!Array.isArray(parts)) throw a.fail('expects multipart content: the body has no parts.')
  if (index < 0 || index >= parts.length) {
    throw a.fail(`was asked for part ${index} of content with ` +
    `${parts.length} parts.`)
  }
  const p = parts[index]
  return isObject(p) ? (p.body ?? null) : null
}

const outputsBody = (r: ActionRecord): unknown => (r.outputs as { body?: unknown } | undefined)?.body ?? r.body

export const workflow: Family = {
  trigger: def(0, 0, (_, c) => ({
    outputs: c.triggerOutputs(),
    status: 'Succeeded',
    code: 'OK',
    clientTrackingId: runName(c),
  })),
  triggerBody: def(0, 0, (_, c) => c.triggerOutputs().body ?? null),
  triggerOutputs: def(0, 0, (_, c) => c.triggerOutputs()),
  triggerFormDataValue: def(1, 1, (a, c) =>
    singleValue(a, formValues(a, c.triggerOutputs().body, a.str(0)), a.str(0))
  ),
  triggerFormDataMultiValues: def(1, 1, (a, c) => formValues(a, c.triggerOutputs().body, a.str(0))),
  triggerMultipartBody: def(1, 1, (a, c) => part(a, c.triggerOutputs().body, a.int(0))),
  body: def(1, 1, (a, c) => record(a, c).body ?? null, 'action'),
  actionBody: def(1, 1, (a, c) => record(a, c).body ?? null, 'action'),
  outputs: def(1, 1, (a, c) => record(a, c).outputs ?? null, 'action'),
  actionOutputs: def(1, 1, (a, c) => record(a, c).outputs ?? null, 'action'),
  actions: def(1, 1, (a, c) => actionView(record(a, c), runName(c)), 'action'),
  action: def(0, 0, (a, c) => {
    const r = c.currentAction()
    if (!r) {
      throw a.fail(
        "can only be used in an Until loop's condition, an action's trackedProperties or a webhook's unsubscribe."
      )
    }
    return actionView(r, runName(c))
  }),
  formDataValue: def(
    2,
    2,
    (a, c) => singleValue(a, formValues(a, outputsBody(record(a, c)), a.str(1)), a.str(1)),
    'action'
  ),
  formDataMultiValues: def(2, 2, (a, c) => formValues(a, outputsBody(record(a, c)), a.str(1)), 'action'),
  multipartBody: def(2, 2, (a, c) => part(a, outputsBody(record(a, c)), a.int(1)), 'action'),
  items: def(1, 1, (a, c) => c.item(a.str(0)), 'loop'),
  item: def(0, 0, (_, c) => c.item()),
  iterationIndexes: def(1, 1, (a, c) => c.iterationIndex(a.str(0)), 'loop'),
  variables: def(1, 1, (a, c) => c.variable(a.str(0)), 'variable'),
  parameters: def(1, 1, (a, c) => c.parameter(a.str(0))),
  // Logic Apps Standard: the value of an app setting (a string). A literal name is checked at load.
  appsetting: def(
    1,
    1,
    (a, c) => {
      const v = c.appSetting?.(a.str(0))
      if (v === undefined) throw a.fail(`cannot be evaluated: there is no app setting named '${a.str(0)}'.`)
      return v
    },
    'appsetting'
  ),
  // Inside an Agent's tool: an argument the model called the tool with (its agentParameterSchema names them).
  agentParameters: def(1, 1, (a, c) => {
    const params = c.agentParameters?.()
    if (!params) throw a.fail("can only be used in the actions of an Agent's tool.")
    return params[a.str(0)] ?? null
  }),
  workflow: def(0, 0, (_, c) => c.workflow()),
  result: def(
    1,
    1,
    (a, c) => {
      const name = a.str(0)
      const r = c.result(name)
      if (!r) {
        throw a.fail(
          `cannot be evaluated because the scoped action '${name}' has not run or is not a Scope, Foreach, Until, If ` +
            'or Switch.'
        )
      }
      const run = runName(c)
      if (r.kind === 'scope') return r.records.map(x => actionView(x, run))
      return r.actions.map(x => ({ name: x.name, outputs: x.iterations.map(i => actionView(i, run)) }))
    },
    'scope'
  ),
  listCallbackUrl: def(
    0,
    0,
    (a, c) => {
      const url = c.callbackUrl()
      if (url === undefined) throw a.fail('can only be used in a flow whose trigger or action has a callback URL.')
      return url
    },
    undefined,
    'Request'
  ),
}
