import { Type } from '@sinclair/typebox'
import { callFunction } from '../../functions.js'
import { defineAction, type ActionRun } from '../types.js'

type Inputs = Record<string, unknown>
interface ExpressionKind {
  inputs: string[]
  required: string[]
  run(i: Inputs, x: ActionRun<unknown>): unknown
}

/** A designer Date Time action is the expression function of the same name over its inputs. */
const fn = (name: string, args: (i: Inputs) => unknown[]) => (i: Inputs, x: ActionRun<unknown>) =>
  callFunction(name, args(i).filter(a => a !== undefined), x.ctx)

/** The Date Time and Text Expression actions of the designer (type Expression, kind ...): their body is the result. */
const KINDS: Record<string, ExpressionKind> = {
  CurrentTime: { inputs: [], required: [], run: fn('utcNow', () => []) },
  GetPastTime: {
    inputs: ['interval', 'timeUnit'],
    required: ['interval', 'timeUnit'],
    run: fn('getPastTime', i => [i.interval, i.timeUnit]),
  },
  GetFutureTime: {
    inputs: ['interval', 'timeUnit'],
    required: ['interval', 'timeUnit'],
    run: fn('getFutureTime', i => [i.interval, i.timeUnit]),
  },
  AddToTime: {
    inputs: ['baseTime', 'interval', 'timeUnit'],
    required: ['baseTime', 'interval', 'timeUnit'],
    run: fn('addToTime', i => [i.baseTime, i.interval, i.timeUnit]),
  },
  SubtractFromTime: {
    inputs: ['baseTime', 'interval', 'timeUnit'],
    required: ['baseTime', 'interval', 'timeUnit'],
    run: fn('subtractFromTime', i => [i.baseTime, i.interval, i.timeUnit]),
  },
  ConvertTimeZone: {
    inputs: ['baseTime', 'sourceTimeZone', 'destinationTimeZone', 'formatString'],
    required: ['baseTime', 'sourceTimeZone', 'destinationTimeZone'],
    // The designer's action formats as 'd' unless told otherwise.
    run: fn('convertTimeZone', i => [
      i.baseTime,
      i.sourceTimeZone,
      i.destinationTimeZone,
      typeof i.formatString === 'string' && i.formatString ? i.formatString : 'd',
    ]),
  },
  IndexOf: {
    inputs: ['text', 'searchText'],
    required: ['text', 'searchText'],
    run: (i, x) => callFunction('indexOf', [i.text, i.searchText], x.ctx),
  },
}
const NAMES = Object.keys(KINDS)

export const expression = defineAction<{ kind: string }>({
  type: 'Expression',
  pure: () => true,
  properties: () => ({ kind: Type.String() }),
  required: ['kind'],
  inputs: Type.Record(Type.String(), Type.Unknown()),
  compile: (a, c, path) => {
    const kind = NAMES.find(k => k.toLowerCase() === String(a.kind).toLowerCase())
    if (!kind) {
      c.problem(`${path}/kind`, `must be one of the Expression actions: ${NAMES.join(', ')}`)
      return { kind: '' }
    }
    const inputs = (a.inputs ?? {}) as Inputs
    for (const k of Object.keys(inputs)) {
      if (!KINDS[kind].inputs.includes(k)) c.problem(`${path}/inputs`, `unknown property '${k}' for the ${kind} action`)
    }
    for (const k of KINDS[kind].required) if (!(k in inputs)) c.problem(`${path}/inputs/${k}`, 'is required')
    return { kind }
  },
  run: async x => {
    const out = KINDS[x.data.kind].run((x.inputs ?? {}) as Inputs, x)
    return { outputs: { body: out }, body: out }
  },
})
