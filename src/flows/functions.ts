import { randomUUID } from 'node:crypto'
import { addToTime, DateValueError, formatTimestamp, parseTimestamp } from './datetime.js'

/** Evaluating an expression went wrong: the action fails with code InvalidTemplate and this message. */
export class TemplateError extends Error {
  override name = 'TemplateError'
}

/** What an action left behind, as the workflow functions (body, outputs, actions, result) read it. */
export interface ActionRecord {
  name: string
  status: 'Succeeded' | 'Failed' | 'Skipped' | 'TimedOut' | 'Cancelled'
  inputs?: unknown
  outputs?: unknown
  body?: unknown
  error?: { code: string; message: string }
  startTime?: string
  endTime?: string
}

/** Everything an expression can reach at run time. */
export interface EvalContext {
  now(): number
  triggerOutputs(): { headers: Record<string, string>; body: unknown }
  action(name: string): ActionRecord | undefined
  /** The current item of the named Foreach (or the innermost one). */
  item(loop?: string): unknown
  iterationIndex(loop: string): number
  variable(name: string): unknown
  parameter(name: string): unknown
  workflow(): unknown
}

type Fn = (args: unknown[], ctx: EvalContext) => unknown
interface FnSpec {
  min: number
  max: number
  fn: Fn
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

function str (v: unknown, fn: string): string {
  if (typeof v === 'string') return v
  throw new TemplateError(`${fn} expects a string, not ${typeName(v)}.`)
}
function num (v: unknown, fn: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  throw new TemplateError(`${fn} expects a number, not ${typeName(v)}.`)
}
function arr (v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v
  throw new TemplateError(`${fn} expects an array, not ${typeName(v)}.`)
}
function int (v: unknown, fn: string): number {
  const n = num(v, fn)
  if (!Number.isInteger(n)) throw new TemplateError(`${fn} expects an integer, not ${n}.`)
  return n
}

/**
 * equals as flows see it: strings with their case (equals('Ashish', 'ashish') is false in Power Automate),
 * a boolean and a number by value (the reference's equals(true, 1) is true), arrays and objects structurally.
 */
export function looseEquals (a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b
  if (typeof a === 'number' && typeof b === 'boolean') return a === Number(b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => looseEquals(x, b[i]))
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return (
      ka.length === kb.length &&
      ka.every(k => looseEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    )
  }
  return a === b
}

function compare (a: unknown, b: unknown, fn: string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  throw new TemplateError(`${fn} compares two numbers or two strings, not ${typeName(a)} and ${typeName(b)}.`)
}

function length (v: unknown, fn = 'length'): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length
  throw new TemplateError(`${fn} expects a string or an array, not ${typeName(v)}.`)
}

function toText (v: unknown): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

function dateFn (fn: string, unitOrMs: string): FnSpec {
  return {
    min: 2,
    max: 3,
    fn: ([ts, n, format]) =>
      formatTimestamp(
        addToTime(parseTimestamp(ts, fn), num(n, fn), unitOrMs),
        format === undefined ? 'o' : str(format, fn)
      ),
  }
}

function action (ctx: EvalContext, name: unknown, fn: string): ActionRecord {
  const a = ctx.action(str(name, fn))
  if (!a) throw new TemplateError(`${fn}('${String(name)}'): the action has not run (check its runAfter).`)
  return a
}

const F: Record<string, FnSpec> = {
  // Workflow
  trigger: { min: 0, max: 0, fn: (_, c) => ({ ...c.triggerOutputs(), outputs: c.triggerOutputs() }) },
  triggerBody: { min: 0, max: 0, fn: (_, c) => c.triggerOutputs().body },
  triggerOutputs: { min: 0, max: 0, fn: (_, c) => c.triggerOutputs() },
  body: { min: 1, max: 1, fn: ([n], c) => action(c, n, 'body').body ?? null },
  outputs: { min: 1, max: 1, fn: ([n], c) => action(c, n, 'outputs').outputs ?? null },
  actions: { min: 1, max: 1, fn: ([n], c) => action(c, n, 'actions') },
  items: { min: 1, max: 1, fn: ([n], c) => c.item(str(n, 'items')) },
  item: { min: 0, max: 0, fn: (_, c) => c.item() },
  iterationIndexes: { min: 1, max: 1, fn: ([n], c) => c.iterationIndex(str(n, 'iterationIndexes')) },
  variables: { min: 1, max: 1, fn: ([n], c) => c.variable(str(n, 'variables')) },
  parameters: { min: 1, max: 1, fn: ([n], c) => c.parameter(str(n, 'parameters')) },
  workflow: { min: 0, max: 0, fn: (_, c) => c.workflow() },
  // The runner's context carries the trigger's (or an HttpWebhook action's) signed callback URL.
  listCallbackUrl: {
    min: 0,
    max: 0,
    fn: (_, c) => {
      const url = (c as EvalContext & { listCallbackUrl?: () => string }).listCallbackUrl?.()
      if (url === undefined) throw new TemplateError('listCallbackUrl(): this flow has no callback URL.')
      return url
    },
  },
  // Logical
  equals: { min: 2, max: 2, fn: ([a, b]) => looseEquals(a, b) },
  not: {
    min: 1,
    max: 1,
    fn: ([a]) => {
      if (typeof a !== 'boolean') throw new TemplateError(`not expects a boolean, not ${typeName(a)}.`)
      return !a
    },
  },
  and: {
    min: 1,
    max: 64,
    fn: args =>
      args.every(a => {
        if (typeof a !== 'boolean') throw new TemplateError('and expects booleans.')
        return a
      }),
  },
  or: {
    min: 1,
    max: 64,
    fn: args =>
      args.some(a => {
        if (typeof a !== 'boolean') throw new TemplateError('or expects booleans.')
        return a
      }),
  },
  if: {
    min: 3,
    max: 3,
    fn: ([c, a, b]) => {
      if (typeof c !== 'boolean') throw new TemplateError('if expects a boolean condition.')
      return c ? a : b
    },
  },
  greater: { min: 2, max: 2, fn: ([a, b]) => compare(a, b, 'greater') > 0 },
  greaterOrEquals: { min: 2, max: 2, fn: ([a, b]) => compare(a, b, 'greaterOrEquals') >= 0 },
  less: { min: 2, max: 2, fn: ([a, b]) => compare(a, b, 'less') < 0 },
  lessOrEquals: { min: 2, max: 2, fn: ([a, b]) => compare(a, b, 'lessOrEquals') <= 0 },
  // Strings
  concat: { min: 1, max: 64, fn: args => args.map(toText).join('') },
  // contains is case-sensitive on strings; startsWith/endsWith/indexOf are not (as Logic Apps documents).
  contains: {
    min: 2,
    max: 2,
    fn: ([c, v]) => {
      if (typeof c === 'string') return c.includes(str(v, 'contains'))
      if (Array.isArray(c)) return c.some(x => looseEquals(x, v))
      if (c && typeof c === 'object') return Object.prototype.hasOwnProperty.call(c, str(v, 'contains'))
      throw new TemplateError(`contains expects a string, array or object, not ${typeName(c)}.`)
    },
  },
  startsWith: {
    min: 2,
    max: 2,
    fn: ([s, p]) => str(s, 'startsWith').toLowerCase().startsWith(str(p, 'startsWith').toLowerCase()),
  },
  endsWith: {
    min: 2,
    max: 2,
    fn: ([s, p]) => str(s, 'endsWith').toLowerCase().endsWith(str(p, 'endsWith').toLowerCase()),
  },
  indexOf: {
    min: 2,
    max: 2,
    fn: ([s, p]) => str(s, 'indexOf').toLowerCase().indexOf(str(p, 'indexOf').toLowerCase()),
  },
  lastIndexOf: {
    min: 2,
    max: 2,
    fn: ([s, p]) => str(s, 'lastIndexOf').toLowerCase().lastIndexOf(str(p, 'lastIndexOf').toLowerCase()),
  },
  toLower: { min: 1, max: 1, fn: ([s]) => str(s, 'toLower').toLowerCase() },
  toUpper: { min: 1, max: 1, fn: ([s]) => str(s, 'toUpper').toUpperCase() },
  trim: { min: 1, max: 1, fn: ([s]) => str(s, 'trim').trim() },
  split: { min: 2, max: 2, fn: ([s, d]) => str(s, 'split').split(str(d, 'split')) },
  join: { min: 2, max: 2, fn: ([a, d]) => arr(a, 'join').map(toText).join(str(d, 'join')) },
  replace: { min: 3, max: 3, fn: ([s, o, n]) => str(s, 'replace').split(str(o, 'replace')).join(str(n, 'replace')) },
  substring: {
    min: 2,
    max: 3,
    fn: ([s, start, len]) => {
      const text = str(s, 'substring')
      const from = int(start, 'substring')
      const count = len === undefined ? text.length - from : int(len, 'substring')
      if (from < 0 || count < 0 || from + count > text.length) {
        throw new TemplateError(`substring(${from}, ${count}) is outside the string of length ${text.length}.`)
      }
      return text.substr(from, count)
    },
  },
  slice: {
    min: 2,
    max: 3,
    fn: ([s, a, b]) => str(s, 'slice').slice(int(a, 'slice'), b === undefined ? undefined : int(b, 'slice')),
  },
  guid: { min: 0, max: 1, fn: () => randomUUID() },
  // Collections
  length: { min: 1, max: 1, fn: ([v]) => length(v) },
  empty: {
    min: 1,
    max: 1,
    fn: ([v]) =>
      v === null ||
      v === undefined ||
      v === '' ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0),
  },
  first: {
    min: 1,
    max: 1,
    fn: ([v]) => {
      length(v, 'first')
      return (v as string | unknown[])[0] ?? null
    },
  },
  last: {
    min: 1,
    max: 1,
    fn: ([v]) => {
      const n = length(v, 'last')
      return (v as string | unknown[])[n - 1] ?? null
    },
  },
  skip: { min: 2, max: 2, fn: ([a, n]) => arr(a, 'skip').slice(int(n, 'skip')) },
  take: {
    min: 2,
    max: 2,
    fn: ([a, n]) => (typeof a === 'string' ? a.slice(0, int(n, 'take')) : arr(a, 'take').slice(0, int(n, 'take'))),
  },
  createArray: { min: 0, max: 64, fn: args => args },
  union: {
    min: 2,
    max: 64,
    fn: args => {
      const out: unknown[] = []
      for (const a of args) for (const x of arr(a, 'union')) if (!out.some(y => looseEquals(x, y))) out.push(x)
      return out
    },
  },
  intersection: {
    min: 2,
    max: 64,
    fn: args =>
      arr(args[0], 'intersection').filter(x =>
        args.slice(1).every(a => arr(a, 'intersection').some(y => looseEquals(x, y)))
      ),
  },
  // Conversion
  int: {
    min: 1,
    max: 1,
    fn: ([v]) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : NaN
      if (!Number.isInteger(n)) throw new TemplateError(`int: ${JSON.stringify(v)} is not an integer.`)
      return n
    },
  },
  float: {
    min: 1,
    max: 1,
    fn: ([v]) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
      if (Number.isNaN(n)) throw new TemplateError(`float: ${JSON.stringify(v)} is not a number.`)
      return n
    },
  },
  string: { min: 1, max: 1, fn: ([v]) => (v === null ? '' : toText(v)) },
  bool: {
    min: 1,
    max: 1,
    fn: ([v]) => {
      if (typeof v === 'boolean') return v
      if (typeof v === 'number') return v !== 0
      if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true'
      throw new TemplateError(`bool: ${JSON.stringify(v)} is not a boolean.`)
    },
  },
  json: {
    min: 1,
    max: 1,
    fn: ([v]) => {
      if (typeof v !== 'string') return v
      try {
        return JSON.parse(v) as unknown
      } catch {
        throw new TemplateError(`json: the text is not valid JSON: ${v.slice(0, 80)}`)
      }
    },
  },
  array: { min: 1, max: 1, fn: ([v]) => [v] },
  coalesce: { min: 1, max: 64, fn: args => args.find(a => a !== null && a !== undefined) ?? null },
  base64: { min: 1, max: 1, fn: ([v]) => Buffer.from(toText(v)).toString('base64') },
  base64ToString: { min: 1, max: 1, fn: ([v]) => Buffer.from(str(v, 'base64ToString'), 'base64').toString('utf8') },
  encodeUriComponent: { min: 1, max: 1, fn: ([v]) => encodeURIComponent(toText(v)) },
  decodeUriComponent: { min: 1, max: 1, fn: ([v]) => decodeURIComponent(str(v, 'decodeUriComponent')) },
  // Math
  add: { min: 2, max: 2, fn: ([a, b]) => num(a, 'add') + num(b, 'add') },
  sub: { min: 2, max: 2, fn: ([a, b]) => num(a, 'sub') - num(b, 'sub') },
  mul: { min: 2, max: 2, fn: ([a, b]) => num(a, 'mul') * num(b, 'mul') },
  div: {
    min: 2,
    max: 2,
    fn: ([a, b]) => {
      const x = num(a, 'div')
      const y = num(b, 'div')
      if (y === 0) throw new TemplateError('div: division by zero.')
      return Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y
    },
  },
  mod: {
    min: 2,
    max: 2,
    fn: ([a, b]) => {
      const y = num(b, 'mod')
      if (y === 0) throw new TemplateError('mod: division by zero.')
      return num(a, 'mod') % y
    },
  },
  min: {
    min: 1,
    max: 64,
    fn: args => Math.min(...(args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map(v => num(v, 'min'))),
  },
  max: {
    min: 1,
    max: 64,
    fn: args => Math.max(...(args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map(v => num(v, 'max'))),
  },
  range: {
    min: 2,
    max: 2,
    fn: ([s, n]) =>
      Array.from({ length: Math.min(100_000, Math.max(0, int(n, 'range'))) }, (_, i) => int(s, 'range') + i),
  },
  // Dates
  utcNow: {
    min: 0,
    max: 1,
    fn: ([format], c) => formatTimestamp(new Date(c.now()), format === undefined ? 'o' : str(format, 'utcNow')),
  },
  addDays: dateFn('addDays', 'Day'),
  addHours: dateFn('addHours', 'Hour'),
  addMinutes: dateFn('addMinutes', 'Minute'),
  addSeconds: dateFn('addSeconds', 'Second'),
  addToTime: {
    min: 3,
    max: 4,
    fn: ([ts, n, unit, format]) =>
      formatTimestamp(
        addToTime(parseTimestamp(ts, 'addToTime'), num(n, 'addToTime'), str(unit, 'addToTime')),
        format === undefined ? 'o' : str(format, 'addToTime')
      ),
  },
  getPastTime: {
    min: 2,
    max: 3,
    fn: ([n, unit, format], c) =>
      formatTimestamp(
        addToTime(new Date(c.now()), -num(n, 'getPastTime'), str(unit, 'getPastTime')),
        format === undefined ? 'o' : str(format, 'getPastTime')
      ),
  },
  getFutureTime: {
    min: 2,
    max: 3,
    fn: ([n, unit, format], c) =>
      formatTimestamp(
        addToTime(new Date(c.now()), num(n, 'getFutureTime'), str(unit, 'getFutureTime')),
        format === undefined ? 'o' : str(format, 'getFutureTime')
      ),
  },
  startOfDay: {
    min: 1,
    max: 2,
    fn: ([ts, format]) => {
      const d = parseTimestamp(ts, 'startOfDay')
      return formatTimestamp(
        new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())),
        format === undefined ? 'o' : str(format, 'startOfDay')
      )
    },
  },
  formatDateTime: {
    min: 1,
    max: 2,
    fn: ([ts, format]) =>
      formatTimestamp(
        parseTimestamp(ts, 'formatDateTime'),
        format === undefined ? 'o' : str(format, 'formatDateTime')
      ),
  },
  dayOfWeek: { min: 1, max: 1, fn: ([ts]) => parseTimestamp(ts, 'dayOfWeek').getUTCDay() },
  ticks: { min: 1, max: 1, fn: ([ts]) => parseTimestamp(ts, 'ticks').getTime() * 10_000 + 621_355_968_000_000_000 },
}

/** Functions whose first argument names an action or loop of the flow: checked at load. */
export const REFERENCES: Record<string, 'action' | 'loop' | 'variable'> = {
  body: 'action',
  outputs: 'action',
  actions: 'action',
  items: 'loop',
  iterationIndexes: 'loop',
  variables: 'variable',
}

// Function names are case-insensitive in the language ('toLower' and 'tolower' are one function).
const BY_LOWER = new Map(Object.entries(F).map(([k, v]) => [k.toLowerCase(), v]))

export function functionSpec (name: string): FnSpec | undefined {
  return BY_LOWER.get(name.toLowerCase())
}

export function referenceKind (name: string): 'action' | 'loop' | 'variable' | undefined {
  return REFERENCES[Object.keys(REFERENCES).find(k => k.toLowerCase() === name.toLowerCase()) ?? '']
}

export const FUNCTION_NAMES = Object.keys(F).sort()

export function callFunction (name: string, args: unknown[], ctx: EvalContext): unknown {
  const spec = functionSpec(name)
  if (!spec) throw new TemplateError(`The function '${name}' is not known.`)
  try {
    return spec.fn(args, ctx)
  } catch (err) {
    if (err instanceof DateValueError) throw new TemplateError(err.message)
    throw err
  }
}
