/** String functions: concat, indexOf and friends, replace, slice, split, substring, case, trim, guid, chunk. */
import { randomUUID } from 'node:crypto'
import { toText } from '../values.js'
import { type Args, def, type Family, MAX_ARGS } from './context.js'
import { culture } from '../culture.js'
import { formatDotNet } from '../numberformat.js'

// The reference's limit on the result of concat() and join().
export const MAX_STRING = 104_857_600

export function limited (a: Args, s: string): string {
  if (s.length > MAX_STRING) throw a.fail(`produced a string longer than ${MAX_STRING} characters.`)
  return s
}

const lower = (s: string): string => s.toLowerCase()

function lastIndexOf (text: string, search: string): number {
  // Logic Apps' documented .NET Framework behaviour for empty strings.
  if (search === '') return text === '' ? 0 : text.length - 1
  return lower(text).lastIndexOf(lower(search))
}

function nthIndexOf (text: string, search: string, n: number): number {
  const t = lower(text)
  const s = lower(search)
  if (n > 0) {
    let at = -1
    for (let k = 0; k < n; k++) {
      at = t.indexOf(s, at + 1)
      if (at < 0) return -1
    }
    return at
  }
  let at = t.length + 1
  for (let k = 0; k < -n; k++) {
    if (at - 1 < 0) return -1
    at = t.lastIndexOf(s, at - 1)
    if (at < 0) return -1
  }
  return at
}

function slice (text: string, start: number, end?: number): string {
  const len = text.length
  const from = start < 0 ? Math.max(0, len + start) : Math.min(start, len)
  const to = end === undefined ? len : end < 0 ? Math.max(0, len + end) : Math.min(end, len)
  return to <= from ? '' : text.slice(from, to)
}

const GUID_FORMATS: Record<string, (g: string) => string> = {
  d: g => g,
  n: g => g.replace(/-/g, ''),
  b: g => `{${g}}`,
  p: g => `(${g})`,
  x: g => {
    const h = g.replace(/-/g, '')
    const bytes = (from: number, to: number): string =>
      Array.from({ length: (to - from) / 2 }, (_, i) => `0x${h.slice(from + 2 * i, from + 2 * i + 2)}`).join(',')
    return `{0x${h.slice(0, 8)},0x${h.slice(8, 12)},0x${h.slice(12, 16)},{${bytes(16, 32)}}}`
  },
}

export const strings: Family = {
  concat: def(1, MAX_ARGS, a => limited(a, a.values.map(toText).join(''))),
  // contains is in collections; startsWith, endsWith, indexOf ignore case (as the reference says), replace keeps it.
  startsWith: def(2, 2, a => lower(a.str(0)).startsWith(lower(a.str(1)))),
  endsWith: def(2, 2, a => lower(a.str(0)).endsWith(lower(a.str(1)))),
  indexOf: def(2, 2, a => lower(a.str(0)).indexOf(lower(a.str(1)))),
  lastIndexOf: def(2, 2, a => lastIndexOf(a.str(0), a.str(1))),
  nthIndexOf: def(3, 3, a => {
    const n = a.int(2)
    if (n === 0) throw a.fail("expects its third parameter 'occurrence' to be a non-zero integer.")
    return nthIndexOf(a.str(0), a.str(1), n)
  }),
  toLower: def(1, 1, a => a.str(0).toLowerCase()),
  toUpper: def(1, 1, a => a.str(0).toUpperCase()),
  trim: def(1, 1, a => a.str(0).trim()),
  split: def(2, 2, a => {
    const d = a.str(1)
    return d === '' ? [a.str(0)] : a.str(0).split(d)
  }),
  replace: def(3, 3, a => {
    const old = a.str(1)
    if (old === '') throw a.fail("expects its second parameter 'oldText' to be a non-empty string.")
    return a.str(0).split(old).join(a.str(2))
  }),
  substring: def(2, 3, a => {
    const text = a.str(0)
    const start = a.int(1)
    const count = a.has(2) && a.any(2) !== null ? a.int(2) : text.length - start
    if (start < 0 || count < 0 || start + count > text.length) {
      throw a.fail(
        "parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be " +
          'no larger than the length of the string.'
      )
    }
    return text.substr(start, count)
  }),
  slice: def(2, 3, a => slice(a.str(0), a.int(1), a.has(2) && a.any(2) !== null ? a.int(2) : undefined)),
  guid: def(0, 1, a => {
    const format = a.has(0) ? a.str(0) : 'D'
    const f = GUID_FORMATS[format.toLowerCase()]
    if (!f || format.length !== 1) {
      throw a.fail(`was invoked with a format '${format}' that is not valid: use 'N', 'D', 'B', 'P' or 'X'.`)
    }
    return f(randomUUID())
  }),
  formatNumber: def(2, 3, a => formatDotNet(a.num(0), a.str(1), culture(a.optStr(2)))),
}
