/**
 * Timestamps as Logic Apps has them: .NET DateTime values with 100 ns ticks and a kind (UTC when written with
 * Z, GMT or an offset, which is converted to UTC; unspecified when written without a zone, and then printed
 * without one). Formatting takes .NET standard and custom format strings in any culture (culture.ts, over
 * Intl); reading accepts what .NET's DateTime.Parse does for a culture, or exactly a given format.
 */
import { culture, type Culture } from './culture.js'
import { FormatError, ValueError } from './errors.js'

export class DateValueError extends ValueError {
  override name = 'DateValueError'
}

/** A date format string that is not one. */
export class DateFormatError extends FormatError {
  override name = 'DateFormatError'
}

export type Kind = 'utc' | 'unspecified'

/** `ms`: the wall clock as epoch milliseconds; `sub`: the ticks (100 ns) within that millisecond. */
export interface Timestamp {
  ms: number
  sub: number
  kind: Kind
}

const MS_PER_DAY = 86_400_000
/** 0001-01-01T00:00:00 as epoch milliseconds: where .NET's ticks start. */
const TICKS_ORIGIN_MS = -62_135_596_800_000
const MAX_MS = 253_402_300_799_999 // 9999-12-31T23:59:59.999

export interface Fields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** 0 .. 9_999_999: the fraction of the second in ticks. */
  fraction: number
  dayOfWeek: number
}

function utcDate (ms: number): Date {
  return new Date(ms)
}

export function fields (t: Timestamp): Fields {
  const d = utcDate(t.ms)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    fraction: d.getUTCMilliseconds() * 10_000 + t.sub,
    dayOfWeek: d.getUTCDay(),
  }
}

/** Epoch ms of a wall-clock date (years below 100 included, which Date.UTC would move to the 1900s). */
function wallMs (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  d.setUTCHours(hour, minute, second, ms)
  return d.getTime()
}

export const daysInMonth = (year: number, month: number): number => utcDate(wallMs(year, month + 1, 0)).getUTCDate()

export function checked (t: Timestamp): Timestamp {
  if (!Number.isFinite(t.ms) || t.ms < TICKS_ORIGIN_MS || t.ms > MAX_MS) {
    throw new DateValueError('The timestamp is outside the range of dates (0001-01-01 to 9999-12-31).')
  }
  return t
}

export function fromFields (f: Omit<Fields, 'dayOfWeek'>, kind: Kind): Timestamp {
  const ms = wallMs(f.year, f.month, f.day, f.hour, f.minute, f.second, Math.floor(f.fraction / 10_000))
  return checked({ ms, sub: f.fraction % 10_000, kind })
}

export function ticksOf (t: Timestamp): bigint {
  return (BigInt(t.ms) - BigInt(TICKS_ORIGIN_MS)) * 10_000n + BigInt(t.sub)
}

export function fromTicks (ticks: bigint, kind: Kind): Timestamp {
  const ms = Number(ticks / 10_000n) + TICKS_ORIGIN_MS
  return checked({ ms, sub: Number(ticks % 10_000n), kind })
}

/** Now, from an epoch-milliseconds clock (a fraction is kept as ticks). */
export function fromEpoch (epochMs: number, kind: Kind = 'utc'): Timestamp {
  const ms = Math.floor(epochMs)
  return checked({ ms, sub: Math.min(9_999, Math.round((epochMs - ms) * 10_000)), kind })
}

export function addTicks (t: Timestamp, ticks: bigint): Timestamp {
  return fromTicks(ticksOf(t) + ticks, t.kind)
}

/** .NET's AddMonths: the day is kept, or the month's last day when the month is shorter. */
export function addMonths (t: Timestamp, months: number): Timestamp {
  if (!Number.isInteger(months)) throw new DateValueError('A number of months or years must be a whole number.')
  const f = fields(t)
  const total = f.year * 12 + (f.month - 1) + months
  const year = Math.floor(total / 12)
  const month = (total % 12) + 1
  if (year < 1 || year > 9999) {
    throw new DateValueError('The timestamp is outside the range of dates (0001-01-01 ' +
    'to 9999-12-31).')
  }
  return fromFields({ ...f, year, month, day: Math.min(f.day, daysInMonth(year, month)) }, t.kind)
}

const UNIT_TICKS: Record<string, bigint> = {
  second: 10_000_000n,
  minute: 600_000_000n,
  hour: 36_000_000_000n,
  day: 864_000_000_000n,
  week: 6_048_000_000_000n,
}

/** The time units addToTime() and friends take: Second, Minute, Hour, Day, Week, Month, Year. */
export function unitName (unit: string): string | undefined {
  const u = unit.toLowerCase().replace(/s$/, '')
  return u in UNIT_TICKS || u === 'month' || u === 'year' ? u : undefined
}

/** Adds an amount of a time unit; fractions of seconds to weeks round to the millisecond, as .NET's AddDays does. */
export function addUnits (t: Timestamp, amount: number, unit: string): Timestamp {
  const u = unitName(unit)
  if (!u) {
    throw new DateValueError(
      `The time unit '${unit}' is not valid: use Second, Minute, Hour, Day, Week, Month or Year.`
    )
  }
  if (u === 'month') return addMonths(t, amount)
  if (u === 'year') return addMonths(t, amount * 12)
  if (Number.isInteger(amount)) return addTicks(t, BigInt(amount) * UNIT_TICKS[u])
  const ms = Math.round(amount * Number(UNIT_TICKS[u] / 10_000n))
  return addTicks(t, BigInt(ms) * 10_000n)
}

/** Adds an amount of a Logic Apps time unit to a Date (the runner's Wait and the recurrence use it). */
export function addToTime (d: Date, amount: number, unit: string): Date {
  const t = addUnits(fromEpoch(d.getTime()), amount, unit)
  return new Date(t.ms)
}

export function startOf (t: Timestamp, what: 'day' | 'hour' | 'month'): Timestamp {
  const f = fields(t)
  return fromFields(
    {
      ...f,
      day: what === 'month' ? 1 : f.day,
      hour: what === 'hour' ? f.hour : 0,
      minute: 0,
      second: 0,
      fraction: 0,
    },
    t.kind
  )
}

export function dayOfYear (t: Timestamp): number {
  const f = fields(t)
  return Math.round((wallMs(f.year, f.month, f.day) - wallMs(f.year, 1, 1)) / MS_PER_DAY) + 1
}

/** A .NET TimeSpan in its invariant text form: [-][d.]hh:mm:ss[.fffffff]. */
export function formatTimeSpan (ticks: bigint): string {
  const negative = ticks < 0n
  let t = negative ? -ticks : ticks
  const fraction = t % 10_000_000n
  t /= 10_000_000n
  const seconds = t % 60n
  t /= 60n
  const minutes = t % 60n
  t /= 60n
  const hours = t % 24n
  const days = t / 24n
  const two = (n: bigint): string => n.toString().padStart(2, '0')
  return (
    (negative ? '-' : '') +
    (days > 0n ? `${days}.` : '') +
    `${two(hours)}:${two(minutes)}:${two(seconds)}` +
    (fraction > 0n ? `.${fraction.toString().padStart(7, '0')}` : '')
  )
}

// ---------------------------------------------------------------------------------------------- formatting

const INVARIANT: Record<string, string> = {
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
}

/** A standard format specifier as the custom pattern it stands for in a culture (and which culture to use). */
function standardPattern (format: string, c: Culture): { pattern: string; culture: Culture } | undefined {
  if (INVARIANT[format]) return { pattern: INVARIANT[format], culture: culture('en-US') }
  const p = (x: 'd' | 'D' | 't' | 'T' | 'M' | 'Y'): string => c.datePattern(x)
  const patterns: Record<string, () => string> = {
    d: () => p('d'),
    D: () => p('D'),
    t: () => p('t'),
    T: () => p('T'),
    f: () => `${p('D')} ${p('t')}`,
    F: () => `${p('D')} ${p('T')}`,
    U: () => `${p('D')} ${p('T')}`,
    g: () => `${p('d')} ${p('t')}`,
    G: () => `${p('d')} ${p('T')}`,
    m: () => p('M'),
    M: () => p('M'),
    y: () => p('Y'),
    Y: () => p('Y'),
  }
  const make = patterns[format]
  return make ? { pattern: make(), culture: c } : undefined
}

type Token = { t: 'field'; c: string; n: number } | { t: 'literal'; s: string } | { t: 'timesep' } | { t: 'datesep' }

/** Splits a .NET custom date format into its specifiers and literal text. */
function tokenize (format: string): Token[] {
  const out: Token[] = []
  let i = 0
  const lit = (s: string): void => {
    const last = out[out.length - 1]
    if (last?.t === 'literal') last.s += s
    else out.push({ t: 'literal', s })
  }
  while (i < format.length) {
    const c = format[i]
    if (c === "'" || c === '"') {
      const end = format.indexOf(c, i + 1)
      if (end < 0) throw new DateFormatError(`The date format '${format}' has an unclosed quote.`)
      lit(format.slice(i + 1, end))
      i = end + 1
      continue
    }
    if (c === '\\') {
      if (i + 1 >= format.length) {
        throw new DateFormatError(`The date format '${format}' ends with an escape ` +
        'character.')
      }
      lit(format[i + 1])
      i += 2
      continue
    }
    if (c === '%') {
      i++
      continue
    }
    if (c === ':') {
      out.push({ t: 'timesep' })
      i++
      continue
    }
    if (c === '/') {
      out.push({ t: 'datesep' })
      i++
      continue
    }
    if ('yMdhHmsfFtzKg'.includes(c)) {
      let n = 1
      while (format[i + n] === c) n++
      if ((c === 'f' || c === 'F') && n > 7) {
        throw new DateFormatError(`The date format '${format}' has more than ` +
        `seven '${c}'.`)
      }
      if (c === 'K') {
        for (let k = 0; k < n; k++) out.push({ t: 'field', c, n: 1 })
      } else out.push({ t: 'field', c, n })
      i += n
      continue
    }
    lit(c)
    i++
  }
  return out
}

/** The custom pattern a format string stands for (a single character is a standard format, as in .NET). */
function resolve (format: string, c: Culture): { tokens: Token[]; culture: Culture } {
  if (format.length === 1) {
    const std = standardPattern(format, c)
    if (!std) throw new DateFormatError(`The date format '${format}' is not a valid standard format specifier.`)
    return { tokens: tokenize(std.pattern), culture: std.culture }
  }
  return { tokens: tokenize(format), culture: c }
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** Formats a timestamp with a .NET standard or custom format string, in a culture (default en-US). */
export function formatTimestamp (t: Timestamp, format = 'o', locale?: Culture): string {
  const { tokens, culture: c } = resolve(format, locale ?? culture())
  const f = fields(t)
  const genitive = tokens.some(x => x.t === 'field' && x.c === 'd' && x.n <= 2)
  let out = ''
  for (const tok of tokens) {
    if (tok.t === 'literal') out += tok.s
    else if (tok.t === 'timesep') out += c.timeSeparator
    else if (tok.t === 'datesep') out += c.dateSeparator
    else {
      const { c: ch, n } = tok
      switch (ch) {
        case 'y':
          out += n === 1 ? String(f.year % 100) : n === 2 ? pad(f.year % 100, 2) : pad(f.year, n)
          break
        case 'M':
          out +=
            n >= 4
              ? c.monthNames(false, genitive)[f.month - 1]
              : n === 3
                ? c.monthNames(true, genitive)[f.month - 1]
                : pad(f.month, n)
          break
        case 'd':
          out += n >= 4 ? c.dayNames(false)[f.dayOfWeek] : n === 3 ? c.dayNames(true)[f.dayOfWeek] : pad(f.day, n)
          break
        case 'h':
          out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, Math.min(n, 2))
          break
        case 'H':
          out += pad(f.hour, Math.min(n, 2))
          break
        case 'm':
          out += pad(f.minute, Math.min(n, 2))
          break
        case 's':
          out += pad(f.second, Math.min(n, 2))
          break
        case 'f':
          out += pad(f.fraction, 7).slice(0, n)
          break
        case 'F': {
          const digits = pad(f.fraction, 7).slice(0, n).replace(/0+$/, '')
          // A point just before F digits that all vanished goes too, as in .NET.
          if (digits === '' && out.endsWith('.')) out = out.slice(0, -1)
          out += digits
          break
        }
        case 't': {
          const d = c.designators[f.hour < 12 ? 0 : 1]
          out += n === 1 ? d.slice(0, 1) : d
          break
        }
        case 'g':
          out += c.eraName
          break
        // A UTC timestamp prints Z; one without a zone prints nothing, as .NET's K does.
        case 'K':
          out += t.kind === 'utc' ? 'Z' : ''
          break
        // Logic Apps runs on UTC machines: the local offset .NET prints for z is always zero.
        case 'z':
          out += n === 1 ? '+0' : n === 2 ? '+00' : '+00:00'
          break
      }
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------- reading

const TWO_DIGIT_YEAR_MAX = 2049

function fullYear (digits: string): number {
  const n = Number(digits)
  if (digits.length > 2) return n
  const century = Math.floor(TWO_DIGIT_YEAR_MAX / 100) * 100
  return n + century > TWO_DIGIT_YEAR_MAX ? n + century - 100 : n + century
}

function build (
  y: number,
  M: number,
  d: number,
  h: number,
  m: number,
  s: number,
  fraction: number,
  zone: number | 'utc' | undefined
): Timestamp | undefined {
  if (M < 1 || M > 12 || y < 1 || y > 9999 || d < 1 || d > daysInMonth(y, M) || h > 23 || m > 59 || s > 59) {
    return undefined
  }
  const t = fromFields(
    { year: y, month: M, day: d, hour: h, minute: m, second: s, fraction },
    zone === undefined ? 'unspecified' : 'utc'
  )
  return typeof zone === 'number' ? addTicks(t, BigInt(-zone) * 600_000_000n) : t
}

function zoneOffset (sign: string, hh: string, mm: string | undefined): number {
  return (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm ?? 0))
}

const ISO =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:(Z)|([+-])(\d{2}):?(\d{2})?)?\s*$/i

const fractionTicks = (digits: string | undefined): number => (digits ? Number(digits.slice(0, 7).padEnd(7, '0')) : 0)

/**
 * Reads a timestamp as .NET's DateTime.Parse does for a culture: ISO 8601, the culture's numeric dates
 * (month/day/year in en-US), dates with month names ("20 octobre 2010", "Thu, 15 Mar 2018 13:27:36 GMT"),
 * optional times with AM/PM, and Z, GMT or an offset. A string it cannot read is undefined, never a guess.
 */
export function parseTimestamp (
  text: string,
  c: Culture = culture(),
  now: () => number = Date.now
): Timestamp | undefined {
  const iso = ISO.exec(text)
  if (iso) {
    const [, y, M, d, h, m, s, f, z, sign, oh, om] = iso
    return build(
      Number(y),
      Number(M),
      Number(d),
      Number(h ?? 0),
      Number(m ?? 0),
      Number(s ?? 0),
      fractionTicks(f),
      z ? 'utc' : sign ? zoneOffset(sign, oh, om) : undefined
    )
  }
  let rest = ` ${text.trim()} `
  let zone: number | 'utc' | undefined
  const tz = /\s(?:(Z|GMT|UTC)|(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?)\s*$/i.exec(rest)
  if (tz) {
    zone = tz[1] ? 'utc' : zoneOffset(tz[2], tz[3], tz[4])
    rest = rest.slice(0, tz.index) + ' '
  }
  let hour = 0
  let minute = 0
  let second = 0
  let fraction = 0
  const [am, pm] = c.designators.map(x => x.toLowerCase())
  const time = /[\sT](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:\s*(\p{L}[\p{L}.]*))?(?=\s)/iu.exec(rest)
  if (time) {
    hour = Number(time[1])
    minute = Number(time[2])
    second = Number(time[3] ?? 0)
    fraction = fractionTicks(time[4])
    const designator = time[5]?.toLowerCase()
    if (designator !== undefined) {
      const isAm = designator === am || designator === 'am' || designator === 'a'
      const isPm = designator === pm || designator === 'pm' || designator === 'p'
      if (!isAm && !isPm) return undefined
      if (hour < 1 || hour > 12) return undefined
      hour = (hour % 12) + (isPm ? 12 : 0)
    }
    rest = rest.slice(0, time.index) + ' ' + rest.slice(time.index + time[0].length)
  }
  const words = rest.match(/\p{L}+\.?/gu) ?? []
  const numbers = rest.match(/\d+/g) ?? []
  if (rest.replace(/\p{L}+\.?|\d+|[\s,./-]/gu, '') !== '') return undefined
  let month: number | undefined
  const norm = (w: string): string => w.toLowerCase().replace(/\.$/, '')
  const lists = [
    c.monthNames(false, false),
    c.monthNames(false, true),
    c.monthNames(true, false),
    c.monthNames(true, true),
  ]
  const dayLists = [c.dayNames(false), c.dayNames(true)]
  for (const w of words) {
    const n = norm(w)
    const m = lists.map(l => l.findIndex(x => norm(x) === n)).find(i => i >= 0)
    if (m !== undefined) {
      if (month !== undefined) return undefined
      month = m + 1
    } else if (dayLists.some(l => l.some(x => norm(x) === n)) || c.dateWords.includes(n) || n === 't') {
      continue
    } else return undefined
  }
  const today = fields(fromEpoch(now()))
  let y: number
  let M: number
  let d: number
  if (month !== undefined) {
    M = month
    if (numbers.length === 0 || numbers.length > 2) return undefined
    if (numbers.length === 1) {
      ;[d, y] = numbers[0].length > 2 ? [1, Number(numbers[0])] : [Number(numbers[0]), today.year]
    } else {
      const [first, second] = numbers as [string, string]
      const yearFirst =
        first.length > 2 || (second.length <= 2 && c.dateOrder.indexOf('y') < c.dateOrder.indexOf('d'))
      const [yy, dd] = yearFirst ? [first, second] : [second, first]
      y = fullYear(yy)
      d = Number(dd)
    }
  } else if (numbers.length === 3) {
    const order = numbers[0].length > 2 ? (['y', 'M', 'd'] as const) : c.dateOrder
    const at = (k: 'd' | 'M' | 'y'): string => numbers[order.indexOf(k)]
    y = fullYear(at('y'))
    M = Number(at('M'))
    d = Number(at('d'))
  } else if (numbers.length === 2) {
    const order = c.dateOrder.filter(k => k !== 'y')
    M = Number(numbers[order.indexOf('M')])
    d = Number(numbers[order.indexOf('d')])
    y = today.year
  } else if (numbers.length === 0 && time) {
    ;[y, M, d] = [today.year, today.month, today.day]
  } else return undefined
  return build(y, M, d, hour, minute, second, fraction, zone)
}

/** Reads a timestamp written exactly in a .NET format (DateTime.ParseExact), in a culture. */
export function parseExact (text: string, format: string, locale?: Culture): Timestamp | undefined {
  const { tokens, culture: c } = resolve(format, locale ?? culture())
  const genitive = tokens.some(x => x.t === 'field' && x.c === 'd' && x.n <= 2)
  let i = 0
  let y = 1
  let M = 1
  let d = 1
  let h = 0
  let m = 0
  let s = 0
  let fraction = 0
  let pmFlag: boolean | undefined
  let twelve = false
  let zone: number | 'utc' | undefined
  const digits = (min: number, max: number): number | undefined => {
    const match = new RegExp(`^\\d{${min},${max}}`).exec(text.slice(i))
    if (!match) return undefined
    i += match[0].length
    return Number(match[0])
  }
  const word = (names: string[]): number | undefined => {
    const lower = text.slice(i).toLowerCase()
    let best = -1
    let len = 0
    names.forEach((n, k) => {
      if (n && lower.startsWith(n.toLowerCase()) && n.length > len) {
        best = k
        len = n.length
      }
    })
    if (best < 0) return undefined
    i += len
    return best
  }
  for (const tok of tokens) {
    if (tok.t === 'literal' || tok.t === 'timesep' || tok.t === 'datesep') {
      const lit = tok.t === 'literal' ? tok.s : tok.t === 'timesep' ? c.timeSeparator : c.dateSeparator
      if (!text.startsWith(lit, i)) return undefined
      i += lit.length
      continue
    }
    const { c: ch, n } = tok
    let v: number | undefined
    switch (ch) {
      case 'y':
        if (n <= 2) {
          const start = i
          v = digits(n === 1 ? 1 : 2, 2)
          if (v !== undefined) v = fullYear(text.slice(start, i))
        } else v = digits(n, Math.max(n, 4))
        if (v !== undefined) y = v
        break
      case 'M':
        v = n >= 3 ? word(c.monthNames(n === 3, genitive)) : digits(n, 2)
        if (v !== undefined) M = n >= 3 ? v + 1 : v
        break
      case 'd':
        v = n >= 3 ? word(c.dayNames(n === 3)) : digits(n, 2)
        if (v !== undefined && n <= 2) d = v
        break
      case 'h':
        v = digits(n, 2)
        if (v !== undefined) h = v
        twelve = true
        break
      case 'H':
        v = digits(n, 2)
        if (v !== undefined) h = v
        break
      case 'm':
        v = digits(n, 2)
        if (v !== undefined) m = v
        break
      case 's':
        v = digits(n, 2)
        if (v !== undefined) s = v
        break
      case 'f':
      case 'F': {
        const start = i
        v = digits(ch === 'f' ? n : 0, n)
        if (v !== undefined) fraction = fractionTicks(text.slice(start, i))
        break
      }
      case 't': {
        const [am, pm] = c.designators
        v = word(n === 1 ? [am.slice(0, 1), pm.slice(0, 1)] : [am, pm])
        if (v !== undefined) pmFlag = v === 1
        break
      }
      case 'g':
        v = word([c.eraName])
        break
      case 'K':
      case 'z': {
        const zm = /^(?:(Z)|([+-])(\d{1,2})(?::?(\d{2}))?)/i.exec(text.slice(i))
        if (!zm) {
          v = ch === 'K' ? 0 : undefined
          break
        }
        i += zm[0].length
        zone = zm[1] ? 'utc' : zoneOffset(zm[2], zm[3], zm[4])
        v = 0
        break
      }
    }
    if (v === undefined) return undefined
  }
  if (i !== text.length) return undefined
  if (twelve || pmFlag !== undefined) {
    if (twelve && (h < 1 || h > 12)) return undefined
    if (pmFlag !== undefined) h = (h % 12) + (pmFlag ? 12 : 0)
  }
  return build(y, M, d, h, m, s, fraction, zone)
}

/** ISO 8601 durations as retry policies and timeouts use them: PT10S, PT1M, P1D, P1DT2H. */
export function parseDuration (s: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s)
  if (!m || s === 'P' || s.endsWith('T')) return undefined
  const [, w, d, h, min, sec] = m
  return (
    ((Number(w ?? 0) * 7 + Number(d ?? 0)) * 86_400 +
      Number(h ?? 0) * 3600 +
      Number(min ?? 0) * 60 +
      Number(sec ?? 0)) *
    1000
  )
}
