import { Type } from '@sinclair/typebox'
import { objectOf } from '../../schema.js'
import type { Template } from '../../expression.js'
import { defineAction, type Step } from '../types.js'
import { innerFailure } from './shared.js'

interface SwitchData {
  on?: Template
  cases: Array<{ name: string; value: unknown; actions: Step[] }>
  defaultActions: Step[]
}

/** Switch: the first case whose value equals the expression's runs, else the default; the rest are Skipped. */
export const switchAction = defineAction<SwitchData>({
  type: 'Switch',
  pure: () => true,
  properties: self => ({
    expression: Type.Unknown(),
    cases: Type.Record(
      Type.String(),
      objectOf(
        { case: Type.Union([Type.String(), Type.Number(), Type.Boolean()]), actions: Type.Record(Type.String(), self) },
        ['case']
      )
    ),
    default: objectOf({ actions: Type.Record(Type.String(), self) }),
  }),
  required: ['expression', 'cases'],
  children: d => [...d.cases.flatMap(c => c.actions), ...d.defaultActions],
  compile: (a, c, path) => {
    const on = c.template(`${path}/expression`, a.expression)
    const cases = Object.entries((a.cases ?? {}) as Record<string, { case: unknown; actions?: unknown }>).map(
      ([name, v]) => ({ name, value: v.case, actions: c.steps(`${path}/cases/${name}/actions`, v.actions ?? {}) })
    )
    const values = cases.map(x => JSON.stringify(x.value))
    values.forEach((v, i) => {
      if (values.indexOf(v) !== i) c.problem(`${path}/cases/${cases[i].name}/case`, `the case value ${v} is used twice`)
    })
    return {
      ...(on ? { on } : {}),
      cases,
      defaultActions: c.steps(
        `${path}/default/actions`,
        (a.default as { actions?: unknown } | undefined)?.actions ?? {}
      ),
    }
  },
  run: async ({ data, scope, run }) => {
    const value = run.render(data.on as Template, scope)
    const match = data.cases.find(c => c.value === value)
    for (const c of data.cases) if (c !== match) run.skip(c.actions, scope)
    if (match) run.skip(data.defaultActions, scope)
    const failed = await run.runSteps(match ? match.actions : data.defaultActions, scope)
    return { outputs: { expression: value, case: match?.name ?? 'default' }, ...(failed ? innerFailure(failed) : {}) }
  },
})
