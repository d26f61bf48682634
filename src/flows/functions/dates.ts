/**
 * Date and time functions. Timestamps are strings read as .NET reads them (datetime.ts) and written back in
 * the format asked for (default "o", seven fractional digits, Z only when the timestamp is UTC).
 */
import { culture, type Culture } from '../culture.js'
import {
  addUnits,
  dayOfYear,
  fields,
  formatTimeSpan,
  formatTimestamp,
  fromEpoch,
  parseExact,
  parseTimestamp,
  startOf,
  ticksOf,
  type Timestamp,
} from '../datetime.js'
import { intValue } from '../numbers.js'
import { fromUtc, ianaZone, toUtc } from '../timezones.js'
import { type Args, def, type EvalContext, type Family, which } from './context.js'

function timestamp (a: Args, i: number, ctx: EvalContext): Timestamp {
  const s = a.str(i)
  const t = parseTimestamp(s, culture(), () => ctx.now())
  if (!t) {
    throw a.fail(
      `expects ${which({ max: a.max }, i)} to be a timestamp; the provided value '${s}' cannot be read as one.`
    )
  }
  return t
}

const format = (a: Args, t: Timestamp, i: number, c?: Culture): string => formatTimestamp(t, a.optStr(i) ?? 'o', c)
const locale = (a: Args, i: number): Culture => culture(a.optStr(i))

const unit = (u: string) => def(2, 3, (a, ctx) => format(a, addUnits(timestamp(a, 0, ctx), a.amount(1), u), 2))

const now = (ctx: EvalContext): Timestamp => fromEpoch(ctx.now())

export const dates: Family = {
  utcNow: def(0, 1, (a, ctx) => format(a, now(ctx), 0)),
  addDays: unit('day'),
  addHours: unit('hour'),
  addMinutes: unit('minute'),
  addSeconds: unit('second'),
  addToTime: def(3, 4, (a, ctx) => format(a, addUnits(timestamp(a, 0, ctx), a.amount(1), a.str(2)), 3)),
  subtractFromTime: def(3, 4, (a, ctx) => format(a, addUnits(timestamp(a, 0, ctx), -a.amount(1), a.str(2)), 3)),
  getFutureTime: def(2, 3, (a, ctx) => format(a, addUnits(now(ctx), a.amount(0), a.str(1)), 2)),
  getPastTime: def(2, 3, (a, ctx) => format(a, addUnits(now(ctx), -a.amount(0), a.str(1)), 2)),
  startOfDay: def(1, 2, (a, ctx) => format(a, startOf(timestamp(a, 0, ctx), 'day'), 1)),
  startOfHour: def(1, 2, (a, ctx) => format(a, startOf(timestamp(a, 0, ctx), 'hour'), 1)),
  startOfMonth: def(1, 2, (a, ctx) => format(a, startOf(timestamp(a, 0, ctx), 'month'), 1)),
  dayOfMonth: def(1, 1, (a, ctx) => fields(timestamp(a, 0, ctx)).day),
  dayOfWeek: def(1, 1, (a, ctx) => fields(timestamp(a, 0, ctx)).dayOfWeek),
  dayOfYear: def(1, 1, (a, ctx) => dayOfYear(timestamp(a, 0, ctx))),
  ticks: def(1, 1, (a, ctx) => intValue(ticksOf(timestamp(a, 0, ctx)))),
  dateDifference: def(2, 2, (a, ctx) =>
    formatTimeSpan(ticksOf(timestamp(a, 1, ctx)) - ticksOf(timestamp(a, 0, ctx)))
  ),
  formatDateTime: def(1, 3, (a, ctx) => {
    const t = timestamp(a, 0, ctx)
    return format(a, t, 1, locale(a, 2))
  }),
  parseDateTime: def(1, 3, (a, ctx) => {
    const text = a.str(0)
    const c = locale(a, 1)
    const f = a.optStr(2)
    const t = f === undefined ? parseTimestamp(text, c, () => ctx.now()) : parseExact(text, f, c)
    if (!t) {
      throw a.fail(
        `could not read '${text}' as a timestamp${f === undefined ? '' : ` in the format '${f}'`} in the locale ` +
          `'${c.locale}'.`
      )
    }
    return formatTimestamp(t, 'o')
  }),
  convertFromUtc: def(2, 3, (a, ctx) => {
    const t = timestamp(a, 0, ctx)
    return format(a, fromUtc({ ...t, kind: 'utc' }, ianaZone(a.str(1))), 2)
  }),
  convertToUtc: def(2, 3, (a, ctx) => {
    const t = timestamp(a, 0, ctx)
    return format(a, toUtc(t, ianaZone(a.str(1))), 2)
  }),
  convertTimeZone: def(3, 4, (a, ctx) => {
    const utc = toUtc(timestamp(a, 0, ctx), ianaZone(a.str(1)))
    const target = ianaZone(a.str(2))
    return format(a, target === 'Etc/UTC' ? utc : fromUtc(utc, target), 3)
  }),
}
