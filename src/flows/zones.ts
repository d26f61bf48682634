import { ianaZone as windowsToIana } from './timezones.js'

/**
 * Wall clocks in a zone, for recurrence schedules: the zone by its Windows name (as Logic Apps takes them:
 * "Pacific Standard Time", mapped in timezones.ts), the conversions between UTC and its wall clock with Intl,
 * never a hand-written table.
 */
const UTC_NAMES = /^(utc|coordinated universal time|etc\/utc|gmt)$/i

/** The IANA zone of a Windows time zone name, or undefined when it names none. */
export function ianaZone (windowsName: string): string | undefined {
  const name = windowsName.trim()
  if (UTC_NAMES.test(name)) return 'UTC'
  try {
    return windowsToIana(name)
  } catch {
    return undefined
  }
}

export interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** 0 = Sunday */
  weekday: number
}

const formats = new Map<string, Intl.DateTimeFormat>()
function format (zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    })
    formats.set(zone, f)
  }
  return f
}
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

/** The wall clock in `zone` at the instant `ms`. */
export function wallClock (ms: number, zone: string): WallClock {
  const parts = Object.fromEntries(
    format(zone)
      .formatToParts(new Date(ms))
      .map(p => [p.type, p.value])
  )
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: DAYS.indexOf(parts.weekday),
  }
}

/** A Date's UTC fields as a wall clock (the clock of a time written without a zone). */
export function utcClock (d: Date): WallClock {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  }
}

const asUtc = (w: Omit<WallClock, 'weekday'>): number =>
  Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)

/** The zone's offset from UTC at the instant `ms`, in ms. */
export function offsetAt (ms: number, zone: string): number {
  return asUtc(wallClock(Math.floor(ms / 1000) * 1000, zone)) - Math.floor(ms / 1000) * 1000
}

/**
 * The instant a wall-clock time in `zone` stands for. A time that does not exist (skipped at the start of
 * daylight saving) moves forward by the gap; one that exists twice (the end of daylight saving) is the first.
 */
export function fromWallClock (w: Omit<WallClock, 'weekday'>, zone: string): number {
  const local = asUtc(w)
  const before = local - offsetAt(local - 86_400_000, zone)
  const after = local - offsetAt(local + 86_400_000, zone)
  const candidates = [before, after].filter(t => asUtc(wallClock(t, zone)) === local).sort((a, b) => a - b)
  if (candidates.length > 0) return candidates[0]
  // In the gap: the offset before the change applies, which lands after it.
  return local - offsetAt(local - 86_400_000, zone)
}
