import { Type } from '@sinclair/typebox'
import { defineAction } from '../types.js'

/** Compose: its output is its inputs, evaluated. */
export const compose = defineAction({
  type: 'Compose',
  pure: () => true,
  inputs: Type.Unknown(),
  inputsRequired: true,
  run: async ({ inputs }) => ({ outputs: inputs, body: inputs }),
})
