import { addToTime } from './datetime.js'

export interface Recurrence {
  frequency: string
  interval: number
  startTime?: string
}

/**
 * The first occurrence strictly after `now`. With a startTime the schedule is anchored there (every
 * interval from it); without one the first run is one interval after `since` (the service start), so a
 * restart does not fire a nightly job at once.
 */
export function nextOccurrence (r: Recurrence, now: number, since: number): number {
  if (!r.startTime) {
    let t = addToTime(new Date(since), r.interval, r.frequency).getTime()
    while (t <= now) t = addToTime(new Date(t), r.interval, r.frequency).getTime()
    return t
  }
  const start = Date.parse(r.startTime)
  if (start > now) return start
  if (r.frequency === 'Month') {
    let k = 0
    let t = start
    while (t <= now) t = addToTime(new Date(start), r.interval * ++k, 'Month').getTime()
    return t
  }
  const step = addToTime(new Date(0), r.interval, r.frequency).getTime()
  return start + (Math.floor((now - start) / step) + 1) * step
}
