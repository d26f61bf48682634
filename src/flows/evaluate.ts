import type { Expr, Template } from './expression.js'
import { callFunction, TemplateError, type EvalContext } from './functions.js'

function get (target: unknown, key: unknown, safe: boolean): unknown {
  if (target === null || target === undefined) {
    if (safe) return null
    throw new TemplateError(
      `Cannot read '${String(key)}' of null (use ?['${String(key)}'] when the value may be missing).`
    )
  }
  if (Array.isArray(target)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) {
      throw new TemplateError(`An array is indexed by an integer, not ${JSON.stringify(key)}.`)
    }
    if (key < 0 || key >= target.length) {
      if (safe) return null
      throw new TemplateError(`Index ${key} is outside the array of length ${target.length}.`)
    }
    return target[key]
  }
  if (typeof target === 'object') {
    const k = String(key)
    if (Object.prototype.hasOwnProperty.call(target, k)) return (target as Record<string, unknown>)[k]
    // Property names match case-insensitively, as in Logic Apps.
    const found = Object.keys(target).find(x => x.toLowerCase() === k.toLowerCase())
    if (found !== undefined) return (target as Record<string, unknown>)[found]
    if (safe) return null
    throw new TemplateError(
      `The property '${k}' does not exist (available: ${Object.keys(target).slice(0, 10).join(', ') || 'none'}).`
    )
  }
  if (safe) return null
  throw new TemplateError(`Cannot read '${String(key)}' of a ${typeof target}.`)
}

export function evaluate (e: Expr, ctx: EvalContext): unknown {
  switch (e.k) {
    case 'lit':
      return e.v
    case 'get':
      return get(evaluate(e.target, ctx), evaluate(e.key, ctx), e.safe)
    case 'call':
      return callFunction(
        e.name,
        e.args.map(a => evaluate(a, ctx)),
        ctx
      )
  }
}

const asText = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : v === null || v === undefined
      ? ''
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v)

/** The value of a compiled JSON template: expressions replaced by their values, interpolations by text. */
export function render (t: Template, ctx: EvalContext): unknown {
  switch (t.t) {
    case 'value':
      return t.v
    case 'expr':
      return evaluate(t.e, ctx)
    case 'interp':
      return t.parts.map(p => (typeof p === 'string' ? p : asText(evaluate(p, ctx)))).join('')
    case 'array':
      return t.items.map(x => render(x, ctx))
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, x] of t.entries) out[k] = render(x, ctx)
      return out
    }
  }
}
