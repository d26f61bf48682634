/** The years whose ISO text has four digits (toISOString writes others as ±YYYYYY): 0000-01-01 to 9999-12-31. */
const FIRST = -62_167_219_200_000
const END = 253_402_300_800_000

/** The second last formatted, and its text up to the milliseconds ("2026-12-07T14:21:24."). */
let second = Number.NaN
let prefix = ''

/**
 * `new Date(ms).toISOString()`, formatting only the milliseconds when the second is the one of the last call: a
 * flow run stamps every action's start and end (a message with the shipped flows, some 20 times), and Date's
 * formatting was ~1.5 µs each.
 */
export function isoTime (ms: number): string {
  if (!Number.isInteger(ms) || ms < FIRST || ms >= END) return new Date(ms).toISOString()
  const within = ((ms % 1000) + 1000) % 1000
  const s = ms - within
  if (s !== second) {
    prefix = new Date(s).toISOString().slice(0, 20)
    second = s
  }
  return `${prefix}${within < 10 ? '00' : within < 100 ? '0' : ''}${within}Z`
}
