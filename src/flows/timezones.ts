/**
 * Time zones by the Windows names Logic Apps takes ("Pacific Standard Time"), mapped onto IANA zones with
 * windows-iana (CLDR's mapping) and converted with Intl's zone data. Converting a wall-clock time into UTC
 * follows .NET's TimeZoneInfo: a time that falls in the gap of a change to daylight time is invalid, and one
 * that occurs twice (the hour after the change back) is read as standard time.
 */
import { findIana, WINDOWS_TO_IANA_MAP } from 'windows-iana'
import { addTicks, DateValueError, type Timestamp } from './datetime.js'

const BY_LOWER = new Map(WINDOWS_TO_IANA_MAP.map(z => [z.windowsName.toLowerCase(), z.windowsName]))

/** The IANA zone of a Windows time zone name (case and stray punctuation ignored), or an error naming it. */
export function ianaZone (windowsName: string): string {
  const key = windowsName.trim().toLowerCase()
  const name = BY_LOWER.get(key) ?? BY_LOWER.get(key.replace(/[^a-z0-9+\-\s]/g, '').replace(/\s+/g, ' '))
  const iana = name ? findIana(name as Parameters<typeof findIana>[0], '001')?.[0] : undefined
  if (!iana) {
    throw new DateValueError(
      `The time zone '${windowsName}' is not valid: use a Windows time zone name such as 'Pacific Standard Time' or ` +
        '\'UTC\'.'
    )
  }
  return iana
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** The zone's offset from UTC, in minutes, at an instant (epoch ms). */
function offsetAt (zone: string, utcMs: number): number {
  let f = formatters.get(zone)
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
      era: 'short',
    })
    formatters.set(zone, f)
  }
  const p = Object.fromEntries(f.formatToParts(new Date(utcMs)).map(x => [x.type, x.value]))
  const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year)
  const d = new Date(0)
  d.setUTCFullYear(year, Number(p.month) - 1, Number(p.day))
  d.setUTCHours(Number(p.hour), Number(p.minute), Number(p.second), 0)
  const instant = utcMs - (((utcMs % 1000) + 1000) % 1000)
  return Math.round((d.getTime() - instant) / 60_000)
}

const minutes = (n: number): bigint => BigInt(n) * 600_000_000n

/** A UTC instant as the wall clock of a zone (kind unspecified, as .NET's ConvertTime gives it). */
export function fromUtc (t: Timestamp, zone: string): Timestamp {
  return { ...addTicks(t, minutes(offsetAt(zone, t.ms))), kind: 'unspecified' }
}

/** A zone's wall-clock time as the UTC instant (kind UTC). */
export function toUtc (t: Timestamp, zone: string): Timestamp {
  const day = 86_400_000
  const candidates = [...new Set([offsetAt(zone, t.ms - day), offsetAt(zone, t.ms + day), offsetAt(zone, t.ms)])]
  const valid = candidates.filter(o => offsetAt(zone, t.ms - o * 60_000) === o)
  if (valid.length === 0) {
    throw new DateValueError(
      'The supplied time is invalid in that time zone: it falls in the gap of a change to daylight saving time.'
    )
  }
  // Twice-occurring times are standard time: the smaller offset.
  return { ...addTicks(t, -minutes(Math.min(...valid))), kind: 'utc' }
}
