import { Type } from '@sinclair/typebox'
import type { Template } from '../../expression.js'
import { defineAction } from '../types.js'
import { asArray, inputsOf } from './shared.js'

/** Select: each element of `from` mapped through `select` (an object of expressions, or one expression). */
export const select = defineAction<{ map?: Template }>({
  type: 'Select',
  pure: () => true,
  inputs: inputsOf({ from: Type.Unknown(), select: Type.Unknown() }, ['from', 'select']),
  inputsRequired: true,
  evaluated: ({ select: _select, ...from }) => from,
  compile: (a, c, path) => {
    const map = c.template(`${path}/inputs/select`, (a.inputs as { select: unknown }).select)
    return map ? { map } : {}
  },
  run: async ({ step, data, inputs, scope, run }) => {
    const from = asArray((inputs as { from: unknown }).from, 'Select: from')
    const out = from.map((item, index) =>
      run.render(data.map as Template, run.childScope(scope, { name: step.name, item, index }, ''))
    )
    return { outputs: { body: out }, body: out }
  },
})
