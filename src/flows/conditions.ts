import type { Template } from './expression.js'
import { render } from './evaluate.js'
import { callFunction, functionSpec, TemplateError, type EvalContext } from './functions.js'

/** A condition of If / Until: an expression, or the designer's object form ({ and: [{ equals: [a, b] }] }). */
export type Condition =
  | { t: 'template'; v: Template }
  | { t: 'and' | 'or'; items: Condition[] }
  | { t: 'not'; item: Condition }
  | { t: 'fn'; name: string; args: Template[] }

export function compileCondition (
  path: string,
  v: unknown,
  template: (path: string, v: unknown) => Template | undefined,
  problem: (path: string, message: string) => void
): Condition | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') {
    const t = template(path, v)
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
  const lower = key.toLowerCase()
  if (lower === 'and' || lower === 'or') {
    if (!Array.isArray(arg) || arg.length === 0) {
      problem(`${path}/${key}`, 'must be a non-empty array of conditions')
      return undefined
    }
    const items = arg.map((x, i) => compileCondition(`${path}/${key}/${i}`, x, template, problem))
    return items.every(Boolean) ? { t: lower, items: items as Condition[] } : undefined
  }
  if (lower === 'not') {
    const item = compileCondition(`${path}/${key}`, arg, template, problem)
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
  const compiled = args.map((a, i) => template(`${path}/${key}/${i}`, a))
  return compiled.every(Boolean) ? { t: 'fn', name: key, args: compiled as Template[] } : undefined
}

export function evaluateCondition (c: Condition, ctx: EvalContext): boolean {
  const v = ((): unknown => {
    switch (c.t) {
      case 'template':
        return render(c.v, ctx)
      case 'and':
        return c.items.every(x => evaluateCondition(x, ctx))
      case 'or':
        return c.items.some(x => evaluateCondition(x, ctx))
      case 'not':
        return !evaluateCondition(c.item, ctx)
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
