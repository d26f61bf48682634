import { Type } from '@sinclair/typebox'
import { addToTime, parseTimestamp } from '../../datetime.js'
import { asNum } from '../../numbers.js'
import { TemplateError } from '../../functions.js'
import { defineAction } from '../types.js'
import { inputsOf, timeUnit } from './shared.js'

/** Wait (Delay): for an interval { count, unit }, or until { timestamp }; not both. */
export const wait = defineAction({
  type: 'Wait',
  inputs: inputsOf({ interval: Type.Unknown(), until: Type.Unknown() }),
  inputsRequired: true,
  compile: (a, c, path) => {
    const i = a.inputs as { interval?: { unit?: unknown }; until?: { timestamp?: unknown } }
    if ((i.interval === undefined) === (i.until === undefined)) {
      c.problem(`${path}/inputs`, 'must have interval { count, unit } or until { timestamp }, not both')
    }
    if (i.interval !== undefined) {
      const unit = i.interval?.unit
      if (typeof i.interval !== 'object' || (!(typeof unit === 'string' && unit.startsWith('@')) && !timeUnit(unit))) {
        c.problem(
          `${path}/inputs/interval`,
          'must be { count, unit } with unit Second, Minute, Hour, Day, Week or Month'
        )
      }
    }
    if (i.until !== undefined && (typeof i.until !== 'object' || i.until?.timestamp === undefined)) {
      c.problem(`${path}/inputs/until`, 'must be { timestamp }')
    }
  },
  run: async ({ inputs, run }) => {
    const i = inputs as { interval?: { count: unknown; unit: unknown }; until?: { timestamp: unknown } }
    const now = run.now()
    let end: number
    if (i.until) {
      const until = typeof i.until.timestamp === 'string' ? parseTimestamp(i.until.timestamp) : undefined
      if (!until) throw new TemplateError(`Wait: until.timestamp '${String(i.until.timestamp)}' is not a timestamp.`)
      end = until.ms
    } else {
      const { count, unit } = i.interval as { count: unknown; unit: unknown }
      const num = asNum(typeof count === 'string' && count.trim() !== '' ? Number(count) : count)
      const n = num === undefined ? undefined : Number(num.k === 'decimal' ? num.v.toNumber() : num.v)
      const u = timeUnit(unit)
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || !u) {
        throw new TemplateError('Wait: interval needs a non-negative count and a unit Second .. Month.')
      }
      end = addToTime(new Date(now), n, u).getTime()
    }
    if (end > now) await run.sleep(end - now)
    return {}
  },
})
