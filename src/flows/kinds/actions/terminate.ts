import { Type } from '@sinclair/typebox'
import { defineAction, TerminateSignal, type RunStatus } from '../types.js'
import { inputsOf } from './shared.js'

const STATUSES = ['Succeeded', 'Failed', 'Cancelled']

/** Terminate: the run stops with runStatus (and runError); actions still running are cancelled. */
export const terminate = defineAction({
  type: 'Terminate',
  pure: () => true,
  inputs: inputsOf({ runStatus: Type.String(), runError: Type.Unknown() }, ['runStatus']),
  inputsRequired: true,
  compile: (a, c, path) => {
    const s = (a.inputs as { runStatus?: unknown }).runStatus
    if (typeof s === 'string' && !s.startsWith('@') && !STATUSES.some(x => x.toLowerCase() === s.toLowerCase())) {
      c.problem(`${path}/inputs/runStatus`, 'must be Failed, Cancelled or Succeeded')
    }
    if (c.inLoop) c.problem(path, 'Terminate cannot be inside a Foreach or Until loop (as in Logic Apps)')
  },
  run: async ({ inputs }) => {
    const i = inputs as { runStatus: string; runError?: { code?: unknown; message?: unknown } }
    const status = STATUSES.find(x => x.toLowerCase() === String(i.runStatus).toLowerCase())
    if (!status) throw new TerminateSignal('Failed', { code: 'InvalidRunStatus', message: `Terminate: ${i.runStatus}` })
    throw new TerminateSignal(
      status as RunStatus,
      i.runError
        ? { code: String(i.runError.code ?? 'Terminated'), message: String(i.runError.message ?? '') }
        : undefined
    )
  },
})
