/**
 * Timestamps as Logic Apps writes them: UTC, ISO 8601 with seven fractional digits by default, and .NET
 * custom format strings ('yyyy-MM-dd HH:mm') or the common standard ones ('o', 's', 'u', 'd', 'D', 'g', 'r').
 */
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const STANDARD: Record<string, string> = {
  o: "yyyy-MM-dd'T'HH:mm:ss.fffffffK",
  O: "yyyy-MM-dd'T'HH:mm:ss.fffffffK",
  s: "yyyy-MM-dd'T'HH:mm:ss",
  u: "yyyy-MM-dd HH:mm:ss'Z'",
  d: 'M/d/yyyy',
  D: 'dddd, MMMM d, yyyy',
  t: 'h:mm tt',
  T: 'h:mm:ss tt',
  g: 'M/d/yyyy h:mm tt',
  G: 'M/d/yyyy h:mm:ss tt',
  r: "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
  R: "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
}

export class DateValueError extends Error {
  override name = 'DateValueError'
}

export function parseTimestamp (value: unknown, fn: string): Date {
  if (typeof value !== 'string') {
    throw new DateValueError(`${fn} expects a timestamp string, not ${JSON.stringify(value)}.`)
  }
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw new DateValueError(`${fn}: '${value}' is not a valid timestamp.`)
  return d
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

export function formatTimestamp (d: Date, format = 'o'): string {
  const f = STANDARD[format] ?? format
  if (format.length === 1 && !STANDARD[format]) {
    throw new DateValueError(`'${format}' is not a supported standard date format.`)
  }
  let out = ''
  let i = 0
  while (i < f.length) {
    const c = f[i]
    if (c === "'" || c === '"') {
      const end = f.indexOf(c, i + 1)
      if (end < 0) throw new DateValueError(`Unclosed quote in date format '${format}'.`)
      out += f.slice(i + 1, end)
      i = end + 1
      continue
    }
    if (c === '\\') {
      out += f[i + 1] ?? ''
      i += 2
      continue
    }
    let n = 1
    while (f[i + n] === c) n++
    const h = d.getUTCHours()
    switch (c) {
      case 'y':
        out += n <= 2 ? pad(d.getUTCFullYear() % 100, n) : pad(d.getUTCFullYear(), n)
        break
      case 'M':
        out +=
          n >= 4
            ? MONTHS[d.getUTCMonth()]
            : n === 3
              ? MONTHS[d.getUTCMonth()].slice(0, 3)
              : pad(d.getUTCMonth() + 1, n)
        break
      case 'd':
        out += n >= 4 ? DAYS[d.getUTCDay()] : n === 3 ? DAYS[d.getUTCDay()].slice(0, 3) : pad(d.getUTCDate(), n)
        break
      case 'H':
        out += pad(h, n)
        break
      case 'h':
        out += pad(h % 12 === 0 ? 12 : h % 12, n)
        break
      case 'm':
        out += pad(d.getUTCMinutes(), n)
        break
      case 's':
        out += pad(d.getUTCSeconds(), n)
        break
      case 'f':
        out += pad(d.getUTCMilliseconds(), 3).padEnd(7, '0').slice(0, n)
        break
      // F drops trailing zeros (and a dot just before nothing stays, as .NET leaves it).
      case 'F':
        out += pad(d.getUTCMilliseconds(), 3).padEnd(7, '0').slice(0, n).replace(/0+$/, '')
        break
      case 't':
        out += (h < 12 ? 'AM' : 'PM').slice(0, n)
        break
      // Times here are UTC: K is "Z", z/zz/zzz the zero offset; Z (like T) is no specifier in .NET, so it is literal.
      case 'K':
        out += 'Z'
        n = 1
        break
      case 'z':
        out += n === 1 ? '+0' : n === 2 ? '+00' : '+00:00'
        break
      default:
        out += c.repeat(n)
    }
    i += n
  }
  return out
}

const UNIT_MS: Record<string, number> = {
  Second: 1000,
  Minute: 60_000,
  Hour: 3_600_000,
  Day: 86_400_000,
  Week: 604_800_000,
}

/** Adds an amount of a Logic Apps time unit (Second .. Week, Month, Year). */
export function addToTime (d: Date, amount: number, unit: string): Date {
  const u = unit.charAt(0).toUpperCase() + unit.slice(1).toLowerCase().replace(/s$/, '')
  if (u === 'Month' || u === 'Year') {
    const r = new Date(d)
    r.setUTCMonth(r.getUTCMonth() + amount * (u === 'Year' ? 12 : 1))
    return r
  }
  const ms = UNIT_MS[u]
  if (ms === undefined) {
    throw new DateValueError(`'${unit}' is not a time unit (Second, Minute, Hour, Day, Week, Month, Year).`)
  }
  return new Date(d.getTime() + amount * ms)
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
