import { Type } from '@sinclair/typebox'
import { defineAction, type Step } from '../types.js'
import { innerFailure } from './shared.js'

/** Scope: its actions run as a group; the scope fails when one of them fails unhandled. */
export const scope = defineAction<Step[]>({
  type: 'Scope',
  pure: () => true,
  properties: self => ({ actions: Type.Record(Type.String(), self) }),
  required: ['actions'],
  children: d => d,
  compile: (a, c, path) => c.steps(`${path}/actions`, a.actions),
  run: async ({ data, scope, run }) => {
    const failed = await run.runSteps(data, scope)
    return failed ? innerFailure(failed) : {}
  },
})
