import { Type } from '@sinclair/typebox'
import { TemplateError } from '../../functions.js'
import { defineAction } from '../types.js'
import { asArray, inputsOf } from './shared.js'

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)

/** Join: the elements of `from` as text, separated by `joinWith`. */
export const join = defineAction({
  type: 'Join',
  pure: () => true,
  inputs: inputsOf({ from: Type.Unknown(), joinWith: Type.Unknown() }, ['from', 'joinWith']),
  inputsRequired: true,
  run: async ({ inputs }) => {
    const i = inputs as { from: unknown; joinWith: unknown }
    if (typeof i.joinWith !== 'string') throw new TemplateError('Join: joinWith must be a string.')
    const out = asArray(i.from, 'Join: from').map(text).join(i.joinWith)
    return { outputs: { body: out }, body: out }
  },
})
