/**
 * The expression language's functions: the table (functions/index.ts, one module per family) and the one
 * entry point evaluation uses. A failure inside a function is always a TemplateError worded as Logic Apps
 * words it, never a JavaScript exception's text.
 */
import { lookup, TABLE } from './functions/index.js'
import { fail, type EvalContext, type FnSpec, TemplateError } from './functions/context.js'

export { TemplateError } from './functions/context.js'
export type { ActionRecord, EvalContext, FnSpec, ScopeResult } from './functions/context.js'

export function functionSpec (name: string): FnSpec | undefined {
  return lookup(name)
}

/** What the first argument of a function names, when the loader should check it exists. */
export function referenceKind (name: string): FnSpec['ref'] {
  return lookup(name)?.ref
}

export const FUNCTION_NAMES = Object.keys(TABLE).sort()

export function callFunction (name: string, args: unknown[], ctx: EvalContext): unknown {
  const spec = lookup(name)
  if (!spec) throw new TemplateError(`The template language function '${name}' is not defined or not valid.`)
  try {
    return spec.fn(args, ctx)
  } catch (err) {
    if (err instanceof TemplateError) throw err
    throw fail(name, 'could not be evaluated with the values it was given.')
  }
}
