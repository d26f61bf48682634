import { Type } from '@sinclair/typebox'
import { addToTime, formatTimestamp, parseTimestamp } from '../../datetime.js'
import { callFunction, TemplateError } from '../../functions.js'
import { fromWallClock, ianaZone, utcClock, wallClock } from '../../zones.js'
import { defineAction, type ActionRun } from '../types.js'
import { timeUnit } from './shared.js'

type Inputs = Record<string, unknown>
interface ExpressionKind {
  inputs: string[]
  required: string[]
  run(i: Inputs, x: ActionRun<unknown>): unknown
}

const unit = (v: unknown): string => {
  const u = timeUnit(v)
  if (!u) throw new TemplateError(`The time unit must be Second, Minute, Hour, Day, Week or Month, not '${String(v)}'.`)
  return u
}
const amount = (v: unknown): number => {
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new TemplateError(`The interval must be a number, not '${String(v)}'.`)
  }
  return n
}
const zone = (v: unknown): string => {
  const z = typeof v === 'string' ? ianaZone(v) : undefined
  if (!z) throw new TemplateError(`'${String(v)}' is not a Windows time zone name (such as 'Pacific Standard Time').`)
  return z
}
const shifted = (base: unknown, n: number, u: string, fn: string): string =>
  formatTimestamp(addToTime(parseTimestamp(base, fn), n, u), 'o')

/** The Date Time and Text Expression actions of the designer (type Expression, kind ...): their body is the result. */
const KINDS: Record<string, ExpressionKind> = {
  CurrentTime: { inputs: [], required: [], run: (_i, x) => formatTimestamp(new Date(x.run.now()), 'o') },
  GetPastTime: {
    inputs: ['interval', 'timeUnit'],
    required: ['interval', 'timeUnit'],
    run: (i, x) => shifted(new Date(x.run.now()).toISOString(), -amount(i.interval), unit(i.timeUnit), 'GetPastTime'),
  },
  GetFutureTime: {
    inputs: ['interval', 'timeUnit'],
    required: ['interval', 'timeUnit'],
    run: (i, x) => shifted(new Date(x.run.now()).toISOString(), amount(i.interval), unit(i.timeUnit), 'GetFutureTime'),
  },
  AddToTime: {
    inputs: ['baseTime', 'interval', 'timeUnit'],
    required: ['baseTime', 'interval', 'timeUnit'],
    run: i => shifted(i.baseTime, amount(i.interval), unit(i.timeUnit), 'AddToTime'),
  },
  SubtractFromTime: {
    inputs: ['baseTime', 'interval', 'timeUnit'],
    required: ['baseTime', 'interval', 'timeUnit'],
    run: i => shifted(i.baseTime, -amount(i.interval), unit(i.timeUnit), 'SubtractFromTime'),
  },
  ConvertTimeZone: {
    inputs: ['baseTime', 'sourceTimeZone', 'destinationTimeZone', 'formatString'],
    required: ['baseTime', 'sourceTimeZone', 'destinationTimeZone'],
    run: i => {
      const base = parseTimestamp(i.baseTime, 'ConvertTimeZone')
      // A time with an explicit offset is an instant; one without is the source zone's wall clock.
      const instant = /(Z|[+-]\d\d:?\d\d)$/i.test(String(i.baseTime).trim())
        ? base.getTime()
        : fromWallClock(utcClock(base), zone(i.sourceTimeZone))
      const w = wallClock(instant, zone(i.destinationTimeZone))
      const local = new Date(
        Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, base.getUTCMilliseconds())
      )
      const format = typeof i.formatString === 'string' && i.formatString ? i.formatString : 'd'
      // The result is a wall-clock time: no zone designator, as convertTimeZone() gives it.
      return formatTimestamp(local, format).replace(/Z$/, '')
    },
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
