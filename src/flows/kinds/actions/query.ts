import { Type } from '@sinclair/typebox'
import type { Template } from '../../expression.js'
import { defineAction } from '../types.js'
import { asArray, inputsOf } from './shared.js'

/** Query (Filter array): the elements of `from` for which `where` (with item()) is true. */
export const query = defineAction<{ where?: Template }>({
  type: 'Query',
  pure: () => true,
  inputs: inputsOf({ from: Type.Unknown(), where: Type.Unknown() }, ['from', 'where']),
  inputsRequired: true,
  evaluated: ({ where: _where, ...from }) => from,
  compile: (a, c, path) => {
    const where = c.template(`${path}/inputs/where`, (a.inputs as { where: unknown }).where)
    return where ? { where } : {}
  },
  run: async ({ step, data, inputs, scope, run }) => {
    const from = asArray((inputs as { from: unknown }).from, 'Query: from')
    const out = from.filter(
      (item, index) =>
        run.render(data.where as Template, run.childScope(scope, { name: step.name, item, index }, '')) === true
    )
    return { outputs: { body: out }, body: out }
  },
})
