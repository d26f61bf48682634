import type { Expr, Template } from './expression.js'
import { callFunction, TemplateError, type EvalContext } from './functions.js'
import { asNum } from './numbers.js'
import { asContent, toText, typeName } from './values.js'

const cannot = (why: string): TemplateError =>
  new TemplateError(`The template language expression cannot be evaluated because ${why}`)

function get (target: unknown, key: unknown, safe: boolean): unknown {
  if (target === null || target === undefined) {
    if (safe) return null
    throw cannot(
      `property '${toText(key)}' cannot be selected. Property selection is not supported on values of type 'Null' ` +
        `(use ?['${toText(key)}'] when the value may be missing).`
    )
  }
  if (Array.isArray(target)) {
    const n = asNum(key)
    if (n?.k !== 'int') throw cannot(`an array is indexed by an integer, not by a value of type '${typeName(key)}'.`)
    const i = Number(n.v)
    if (i < 0 || i >= target.length) {
      if (safe) return null
      throw cannot(`the array index '${i}' is outside bounds (0, ${target.length - 1}) of the array.`)
    }
    return target[i]
  }
  // Binary content is read as Logic Apps stores it: {"$content-type", "$content"}.
  const c = asContent(target)
  const obj = c ? c.toJSON() : target
  if (typeof obj === 'object' && asNum(obj) === undefined) {
    const k = toText(key)
    const o = obj as Record<string, unknown>
    if (Object.hasOwn(o, k)) return o[k]
    // Property names match case-insensitively, as in Logic Apps.
    const found = Object.keys(o).find(x => x.toLowerCase() === k.toLowerCase())
    if (found !== undefined) return o[found]
    if (safe) return null
    throw cannot(
      `property '${k}' doesn't exist, available properties are '${Object.keys(o).slice(0, 20).join(', ')}'.`
    )
  }
  if (safe) return null
  throw cannot(
    `property '${toText(key)}' cannot be selected. Property selection is not supported on values of type ` +
      `'${typeName(target)}'.`
  )
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

/** The value of a compiled JSON template: expressions replaced by their values, interpolations by text. */
export function render (t: Template, ctx: EvalContext): unknown {
  switch (t.t) {
    case 'value':
      return t.v
    case 'expr':
      return evaluate(t.e, ctx)
    case 'interp':
      return t.parts.map(p => (typeof p === 'string' ? p : toText(evaluate(p, ctx)))).join('')
    case 'array':
      return t.items.map(x => render(x, ctx))
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, x] of t.entries) out[k] = render(x, ctx)
      return out
    }
  }
}
