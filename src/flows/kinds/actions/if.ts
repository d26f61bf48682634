import { Type } from '@sinclair/typebox'
import { objectOf } from '../../schema.js'
import { defineAction, type Step } from '../types.js'
import type { Condition } from '../../conditions.js'
import { innerFailure } from './shared.js'

interface IfData {
  condition?: Condition
  actions: Step[]
  elseActions: Step[]
}

/** If: the expression (a string or the designer's object form) picks a branch; the other branch is Skipped. */
export const ifAction = defineAction<IfData>({
  type: 'If',
  pure: () => true,
  properties: self => ({
    expression: Type.Unknown(),
    actions: Type.Record(Type.String(), self),
    else: objectOf({ actions: Type.Record(Type.String(), self) }),
  }),
  required: ['expression'],
  children: d => [...d.actions, ...d.elseActions],
  compile: (a, c, path) => {
    const condition = c.condition(`${path}/expression`, a.expression)
    return {
      ...(condition ? { condition } : {}),
      actions: c.steps(`${path}/actions`, a.actions ?? {}),
      elseActions: c.steps(`${path}/else/actions`, (a.else as { actions?: unknown } | undefined)?.actions ?? {}),
    }
  },
  run: async ({ data, scope, run }) => {
    const c = run.condition(data.condition as Condition, scope)
    const [taken, other] = c ? [data.actions, data.elseActions] : [data.elseActions, data.actions]
    run.skip(other, scope)
    const failed = await run.runSteps(taken, scope)
    return { outputs: { expression: c }, ...(failed ? innerFailure(failed) : {}) }
  },
})
