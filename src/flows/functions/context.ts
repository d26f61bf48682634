/**
 * What the functions share: the evaluation context the runner provides, the error every failed evaluation
 * raises (the action fails with code InvalidTemplate and its message), the shape of a function's entry in
 * the table, and argument checks that word their errors as Logic Apps does.
 */
import { ValueError } from '../errors.js'
import { asNum, type Num } from '../numbers.js'
import { asContent, type Content, isObject, typeName } from '../values.js'

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
  /** Inside a Foreach, which iteration (e.g. `Loop[3]`). */
  iteration?: string
}

/**
 * result('Name'): the records of the top-level actions of a scoped action. A Scope, If or Switch ran its
 * actions once (`records`); a Foreach or Until once per iteration (`iterations`, per action, in order).
 */
export type ScopeResult =
  | { kind: 'scope'; records: ActionRecord[] }
  | { kind: 'loop'; actions: Array<{ name: string; iterations: ActionRecord[] }> }

/** Everything an expression can reach at run time. */
export interface EvalContext {
  /** Epoch milliseconds (a fraction gives sub-millisecond ticks). */
  now(): number
  /**
   * The trigger's outputs. Bodies that are not JSON come as Logic Apps stores them: form posts as
   * `{"$content-type": "application/x-www-form-urlencoded", "$content", "$formdata": [{key, value}]}`,
   * multipart as `{"$content-type": "multipart/...", "$multipart": [{headers, body}]}`, other bytes as
   * `{"$content-type", "$content"}` (base64); the form-data and multipart functions read those shapes.
   */
  triggerOutputs(): { headers: Record<string, string>; body: unknown }
  action(name: string): ActionRecord | undefined
  /** The current item of the named Foreach (or the innermost one). */
  item(loop?: string): unknown
  iterationIndex(loop: string): number
  variable(name: string): unknown
  parameter(name: string): unknown
  workflow(): unknown
  /** result('Name'); undefined when no scoped action of that name has run. */
  result(name: string): ScopeResult | undefined
  /** action(): the action being evaluated, where Logic Apps has one (an Until's condition); else undefined. */
  currentAction(): ActionRecord | undefined
  /** listCallbackUrl(): the URL that calls this flow's Request trigger; undefined when there is none. */
  callbackUrl(): string | undefined
  /** appsetting(): the operator's app settings (FLOWS_APP_SETTINGS); undefined when the name is not one. */
  appSetting?(name: string): string | undefined
  /** agentParameters(): inside an Agent's tool, the argument the model gave; undefined outside a tool. */
  agentParameters?(): Record<string, unknown> | undefined
}

export type Fn = (args: unknown[], ctx: EvalContext) => unknown

/** One function of the language: its argument counts (checked at load) and its implementation. */
export interface FnSpec {
  min: number
  max: number
  fn: Fn
  /** The first argument names an action, a loop or a variable of the flow: checked at load when literal. */
  ref?: 'action' | 'loop' | 'variable' | 'scope' | 'appsetting'
  /** The function works only in a flow whose trigger has this type (listCallbackUrl: Request): checked at load. */
  trigger?: string
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth']

/** "its parameter" for one-argument functions, "its second parameter" otherwise. */
export const which = (spec: { max: number }, i: number): string =>
  spec.max === 1 ? 'its parameter' : `its ${ORDINALS[i] ?? `${i + 1}th`} parameter`

/** The Logic Apps wording of a wrong argument: which function, which parameter, what it got. */
export function badArg (fn: string, i: number, max: number, expected: string, v: unknown): TemplateError {
  return new TemplateError(
    `The template language function '${fn}' expects ${which({ max }, i)} to be ${expected}. ` +
      `The provided value is of type '${typeName(v)}'.`
  )
}

export function fail (fn: string, reason: string): TemplateError {
  return new TemplateError(`The template language function '${fn}' ${reason}`)
}

/** Argument readers bound to one function, so every error names it and the parameter. */
export class Args {
  constructor (
    readonly fn: string,
    readonly values: unknown[],
    readonly max: number
  ) {}

  get length (): number {
    return this.values.length
  }

  has (i: number): boolean {
    return this.values.length > i
  }

  any (i: number): unknown {
    return this.values[i]
  }

  bad (i: number, expected: string): TemplateError {
    return badArg(this.fn, i, this.max, expected, this.values[i])
  }

  str (i: number): string {
    const v = this.values[i]
    if (typeof v === 'string') return v
    throw this.bad(i, 'a string')
  }

  optStr (i: number): string | undefined {
    return this.has(i) && this.values[i] !== null ? this.str(i) : undefined
  }

  num (i: number): Num {
    const n = asNum(this.values[i])
    if (n) return n
    throw this.bad(i, 'a number')
  }

  /** An integer argument as a JS number (counts, indexes, lengths). */
  int (i: number): number {
    const n = asNum(this.values[i])
    if (n?.k === 'int' && n.v >= BigInt(Number.MIN_SAFE_INTEGER) && n.v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      return Number(n.v)
    }
    throw this.bad(i, 'an integer')
  }

  /** A number used as an amount of time units: integers, and whole floats. */
  amount (i: number): number {
    const n = asNum(this.values[i])
    if (n && n.k !== 'decimal') return Number(n.v)
    if (n) return n.v.toNumber()
    throw this.bad(i, 'an integer')
  }

  bool (i: number): boolean {
    const v = this.values[i]
    if (typeof v === 'boolean') return v
    throw this.bad(i, 'a boolean')
  }

  arr (i: number): unknown[] {
    const v = this.values[i]
    if (Array.isArray(v)) return v
    throw this.bad(i, 'an array')
  }

  obj (i: number): Record<string, unknown> {
    const v = this.values[i]
    if (isObject(v)) return v
    throw this.bad(i, 'an object')
  }

  content (i: number): Content | undefined {
    return asContent(this.values[i])
  }

  fail (reason: string): TemplateError {
    return fail(this.fn, reason)
  }
}

/** Builds a table entry whose implementation reads its arguments through Args. */
export function def (
  min: number,
  max: number,
  fn: (a: Args, ctx: EvalContext) => unknown,
  ref?: FnSpec['ref'],
  trigger?: string
): (name: string) => FnSpec {
  return name => ({
    min,
    max,
    ...(ref ? { ref } : {}),
    ...(trigger ? { trigger } : {}),
    fn: (values, ctx) => {
      try {
        return fn(new Args(name, values, max), ctx)
      } catch (err) {
        if (err instanceof ValueError) throw fail(name, `${err.wording} ${err.message}`)
        throw err
      }
    },
  })
}

/** A family module's functions: name -> entry builder (the name goes into its messages). */
export type Family = Record<string, (name: string) => FnSpec>

export const MAX_ARGS = 64
