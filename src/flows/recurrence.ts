import { addToTime } from './datetime.js'
import type { Recurrence } from './kinds/types.js'
import { fromWallClock, utcClock, wallClock, type WallClock } from './zones.js'

export type { Recurrence } from './kinds/types.js'

const DAY = 86_400_000

/** A start time without a zone designator is read in the recurrence's time zone (UTC when it has none). */
function instant (text: string, zone: string | undefined): number {
  if (/(Z|[+-]\d\d:?\d\d)$/i.test(text)) return Date.parse(text)
  const d = new Date(`${text}Z`)
  if (!zone) return d.getTime()
  return fromWallClock(utcClock(d), zone)
}

const wall = (ms: number, zone: string | undefined): WallClock => (zone ? wallClock(ms, zone) : utcClock(new Date(ms)))
const at = (w: Omit<WallClock, 'weekday'>, zone: string | undefined): number =>
  zone ? fromWallClock(w, zone) : Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
/** Days since 1970-01-01 of a calendar date (zone-free day arithmetic). */
const dayNumber = (w: { year: number; month: number; day: number }): number =>
  Math.floor(Date.UTC(w.year, w.month - 1, w.day) / DAY)

/**
 * The first occurrence strictly after `now`, or undefined after endTime. Without a schedule: every interval from
 * startTime (Day, Week and Month keep the wall-clock time across daylight saving in the time zone, as Logic Apps
 * does; Second, Minute and Hour count elapsed time); without a startTime, one interval after `since` (the
 * service start), so a restart does not fire a nightly job at once. With a schedule (hours, minutes, weekDays,
 * monthDays), the times it names on the days the interval selects, never before startTime; a field left out
 * takes the start time's value.
 */
export function nextOccurrence (r: Recurrence, now: number, since: number): number | undefined {
  const zone = r.zone === 'UTC' ? undefined : r.zone
  const start = r.startTime ? instant(r.startTime, zone) : undefined
  const end = r.endTime ? instant(r.endTime, zone) : undefined
  const next = r.schedule ? scheduled(r, now, start ?? since, zone) : simple(r, now, start, since, zone)
  return next === undefined || (end !== undefined && next > end) ? undefined : next
}

function simple (
  r: Recurrence,
  now: number,
  start: number | undefined,
  since: number,
  zone: string | undefined
): number {
  const fixed = r.frequency === 'Second' || r.frequency === 'Minute' || r.frequency === 'Hour'
  // Counted from `since` by arithmetic where steps are fixed: on several instances `since` is the cluster's first
  // start, which may be long ago.
  if (start === undefined && fixed) {
    const step = addToTime(new Date(0), r.interval, r.frequency).getTime()
    return since + Math.max(1, Math.floor((now - since) / step) + 1) * step
  }
  if (start === undefined) {
    let t = addToTime(new Date(since), r.interval, r.frequency).getTime()
    while (t <= now) t = addToTime(new Date(t), r.interval, r.frequency).getTime()
    return t
  }
  if (start > now) return start
  if (fixed) {
    const step = addToTime(new Date(0), r.interval, r.frequency).getTime()
    return start + (Math.floor((now - start) / step) + 1) * step
  }
  // Calendar steps in the zone's wall clock: the 09:00 job stays at 09:00 when the clocks change.
  const s = wall(start, zone)
  const base = Date.UTC(s.year, s.month - 1, s.day, s.hour, s.minute, s.second)
  for (let k = 1; ; k++) {
    const w = new Date(addToTime(new Date(base), r.interval * k, r.frequency).getTime())
    const t = at(utcClock(w), zone)
    if (t > now) return t
    if (k > 100_000) return t
  }
}

function scheduled (r: Recurrence, now: number, start: number, zone: string | undefined): number | undefined {
  const s = wall(start, zone)
  const sched = r.schedule ?? {}
  const hours = sched.hours ?? [s.hour]
  const minutes = sched.minutes ?? [s.minute]
  const from = Math.max(now + 1, start)
  const f = wall(from, zone)
  const startDay = dayNumber(s)
  // Weeks are counted from the week (Sunday first) the start falls in.
  const startWeek = Math.floor((startDay + 4) / 7)
  for (let d = dayNumber(f); d < dayNumber(f) + 366 * 5 * r.interval; d++) {
    const date = new Date(d * DAY)
    const y = date.getUTCFullYear()
    const m = date.getUTCMonth() + 1
    const day = date.getUTCDate()
    const weekday = date.getUTCDay()
    if (r.frequency === 'Day' && (d - startDay) % r.interval !== 0) continue
    if (r.frequency === 'Week') {
      if ((Math.floor((d + 4) / 7) - startWeek) % r.interval !== 0) continue
      if (!(sched.weekDays ?? [s.weekday]).includes(weekday)) continue
    }
    if (r.frequency === 'Month') {
      if ((y * 12 + m - (s.year * 12 + s.month)) % r.interval !== 0) continue
      const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
      const days = (sched.monthDays ?? [s.day]).map(x => (x === -1 ? last : x))
      if (!days.includes(day)) continue
    }
    if (d < startDay) continue
    for (const h of hours) {
      for (const mi of minutes) {
        const t = at({ year: y, month: m, day, hour: h, minute: mi, second: 0 }, zone)
        if (t >= from) return t
      }
    }
  }
  return undefined
}
