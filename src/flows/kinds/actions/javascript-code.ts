import { Script } from 'node:vm'
import { Type } from '@sinclair/typebox'
import { compileString, type Template } from '../../expression.js'
import { toJsonText } from '../../values.js'
import { ActionFailure, defineAction } from '../types.js'
import { inputsOf } from './shared.js'

/** Logic Apps Standard's limit on an inline code action's code. */
export const MAX_CODE_CHARS = 100_000

const IDENT = String.raw`[A-Za-z_$][\w$]*`
const ACTION_REF = new RegExp(
  String.raw`workflowContext\s*\.\s*actions\s*(?:\.\s*(${IDENT})|\[\s*(['"\x60])((?:(?!\2)[^\\\n])*)\2\s*\])`,
  'g'
)
const TRIGGER_REF = /workflowContext\s*(?:\.\s*trigger\b|\[\s*(['"`])trigger\1\s*\])/

/** The actions and trigger the code names (workflowContext.actions.X, workflowContext.actions["X.Y"]). */
function references (code: string): { actions: string[]; trigger: boolean } {
  const actions = new Set<string>()
  for (const m of code.matchAll(ACTION_REF)) actions.add(m[1] ?? m[3])
  return { actions: [...actions], trigger: TRIGGER_REF.test(code) }
}

/** Parses (never runs) the code as the function body Logic Apps makes of it; the parser's message, if any. */
function syntaxError (code: string): string | undefined {
  try {
    // eslint-disable-next-line no-new
    new Script(`(async function (workflowContext) {\n${code}\n})`, { filename: 'inline-code.js' })
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

const invalid = (name: string, why: string): string =>
  `The input parameter 'code' for inline code action '${name}' contains invalid code. Parsing the code failed ` +
  `with error '${why}'.`

/**
 * JavaScriptCode (Inline Code, "Execute JavaScript Code"): `code` is a function body run with a read-only
 * `workflowContext` of `actions` (each named one as actions('X') shows it: the ones the code names and
 * `explicitDependencies.actions`), `trigger` (trigger(), when the code names it or `includeTrigger` is true) and
 * `workflow` (workflow()); what it returns is the action's outputs and body. It runs in the sandbox (sandbox/),
 * never in the service's process; Logic Apps Standard's limits apply: 100,000 characters of code, 15 s, 50 MB of
 * data, no require(). Code is parsed at load, as Logic Apps validates it when the workflow is saved.
 */
export const javascriptCode = defineAction<{ context: Template | undefined; literal: boolean }>({
  type: 'JavaScriptCode',
  inputs: inputsOf(
    {
      code: Type.Unknown(),
      explicitDependencies: Type.Object(
        { actions: Type.Optional(Type.Array(Type.String())), includeTrigger: Type.Optional(Type.Boolean()) },
        { additionalProperties: false }
      ),
    },
    ['code']
  ),
  inputsRequired: true,
  compile: (a, c, path, name) => {
    const available = c.inlineCode()
    if (!available.ok) {
      const why = `JavaScriptCode cannot run here: inline code runs only in a sandbox, and ${available.reason}`
      c.problem(`${path}/type`, why)
    }
    const i = a.inputs as { code: unknown; explicitDependencies?: { actions?: string[]; includeTrigger?: boolean } }
    if (typeof i.code !== 'string') {
      c.problem(`${path}/inputs/code`, 'must be a string of JavaScript')
      return { context: undefined, literal: false }
    }
    let literal = false
    try {
      literal = compileString(i.code).t === 'value'
    } catch {
      /* the inputs' own template check reports it */
    }
    if (literal) {
      if (i.code.length > MAX_CODE_CHARS) {
        c.problem(`${path}/inputs/code`, `has ${i.code.length} characters; inline code takes at most ${MAX_CODE_CHARS}`)
      }
      const why = syntaxError(i.code)
      if (why) c.problem(`${path}/inputs/code`, invalid(name, why))
    }
    const refs = references(i.code)
    const deps = i.explicitDependencies ?? {}
    const names = [...new Set([...refs.actions, ...(deps.actions ?? [])])]
    const quote = (n: string): string => `'${n.replace(/'/g, "''")}'`
    // The context is a template of actions('X'), trigger(), workflow(): the loader checks the names exist, and the
    // run evaluates it as those functions would.
    const context = c.template(`${path}/inputs/explicitDependencies`, {
      actions: Object.fromEntries(names.map(n => [n, `@actions(${quote(n)})`])),
      ...(refs.trigger || deps.includeTrigger ? { trigger: '@trigger()' } : {}),
      workflow: '@workflow()',
    })
    return { context, literal }
  },
  run: async ({ step, data, inputs, scope, run }) => {
    const code = (inputs as { code: unknown }).code
    if (typeof code !== 'string') throw new ActionFailure('InvalidTemplate', "The input 'code' must be a string.")
    if (!data.literal) {
      if (code.length > MAX_CODE_CHARS) {
        throw new ActionFailure('InvalidTemplate', `The code has ${code.length} characters; at most ${MAX_CODE_CHARS}.`)
      }
      const why = syntaxError(code)
      if (why) throw new ActionFailure('InvalidTemplate', invalid(step.name, why))
    }
    const context = data.context ? run.render(data.context, scope) : {}
    const r = await run.inlineCode(code, toJsonText(context))
    if (!r.ok) {
      throw new ActionFailure(
        'InlineCodeScriptRuntimeFailure',
        `The inline code action '${step.name}' execution failed, with error '${r.error}'.`
      )
    }
    // Standard's "Outputs" token is the return value itself (Microsoft's samples read outputs('X')['xml']), and
    // Consumption's "Result" token is body('X'): both give the value.
    return { outputs: r.value, body: r.value }
  },
})
