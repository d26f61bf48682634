/** Collection functions: contains, empty, first, last, length, join, skip, take, union, intersection, ... */
import { asNum, compareNum } from '../numbers.js'
import { isObject, looseEquals, toText, typeName } from '../values.js'
import { type Args, def, type Family, MAX_ARGS } from './context.js'
import { limited } from './strings.js'

function collection (a: Args, i: number): string | unknown[] {
  const v = a.any(i)
  if (typeof v === 'string' || Array.isArray(v)) return v
  throw a.bad(i, 'an array or a string')
}

function count (a: Args, i: number): number {
  const n = a.int(i)
  if (n < 0) throw a.bad(i, 'a non-negative integer')
  return n
}

function distinct (items: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const x of items) if (!out.some(y => looseEquals(x, y))) out.push(x)
  return out
}

/** union and intersection work on arrays or on objects, never both at once. */
function sets (a: Args, op: 'union' | 'intersection'): unknown {
  const all = a.values
  if (all.every(Array.isArray)) {
    const arrays = all as unknown[][]
    if (op === 'union') return distinct(arrays.flat())
    return distinct(arrays[0].filter(x => arrays.slice(1).every(arr => arr.some(y => looseEquals(x, y)))))
  }
  if (all.every(isObject)) {
    const objects = all as Array<Record<string, unknown>>
    // When a key repeats, the last collection's value wins (as the reference says).
    const merged: Record<string, unknown> = Object.assign({}, ...objects)
    if (op === 'union') return merged
    return Object.fromEntries(Object.entries(merged).filter(([k]) => objects.every(o => Object.hasOwn(o, k))))
  }
  const bad = all.findIndex(v => !Array.isArray(v) && !isObject(v))
  throw a.bad(bad < 0 ? 1 : bad, 'an array or an object, of the same kind as the others')
}

/** sort(): numbers by value, strings ordinally, booleans false first; mixed kinds are an error. */
function sortKey (a: Args, items: unknown[], by: string | undefined): unknown[] {
  const keyed = items.map(x => {
    if (by === undefined) return { x, k: x }
    if (!isObject(x)) {
      throw a.fail(`expects an array of objects when sorting by '${by}'; an item is of type ` +
      `'${typeName(x)}'.`)
    }
    return { x, k: x[by] ?? null }
  })
  const kinds = new Set(keyed.map(({ k }) => (asNum(k) ? 'number' : typeName(k))))
  if (kinds.size > 1) throw a.fail(`cannot sort items of different types: ${[...kinds].join(', ')}.`)
  const kind = [...kinds][0]
  if (kind !== undefined && !['number', 'String', 'Boolean', 'Null'].includes(kind)) {
    throw a.fail(`can sort numbers, strings and booleans, not values of type '${kind}'.`)
  }
  const cmp = (p: unknown, q: unknown): number => {
    const x = asNum(p)
    const y = asNum(q)
    if (x && y) return compareNum(x, y)
    if (typeof p === 'string' && typeof q === 'string') return p < q ? -1 : p > q ? 1 : 0
    return Number(p) - Number(q)
  }
  return keyed.sort((p, q) => cmp(p.k, q.k)).map(({ x }) => x)
}

export const collections: Family = {
  contains: def(2, 2, a => {
    const c = a.any(0)
    if (typeof c === 'string') return c.includes(a.str(1))
    if (Array.isArray(c)) return c.some(x => looseEquals(x, a.any(1)))
    if (isObject(c)) return Object.hasOwn(c, a.str(1))
    throw a.bad(0, 'a string, an array or an object')
  }),
  empty: def(1, 1, a => {
    const v = a.any(0)
    if (v === null || v === undefined) return true
    if (typeof v === 'string' || Array.isArray(v)) return v.length === 0
    if (isObject(v)) return Object.keys(v).length === 0
    throw a.bad(0, 'a string, an array, an object or null')
  }),
  first: def(1, 1, a => collection(a, 0)[0] ?? null),
  last: def(1, 1, a => {
    const c = collection(a, 0)
    return c[c.length - 1] ?? null
  }),
  length: def(1, 1, a => collection(a, 0).length),
  join: def(2, 2, a => limited(a, a.arr(0).map(toText).join(a.str(1)))),
  skip: def(2, 2, a => collection(a, 0).slice(count(a, 1))),
  take: def(2, 2, a => collection(a, 0).slice(0, count(a, 1))),
  reverse: def(1, 1, a => [...a.arr(0)].reverse()),
  sort: def(1, 2, a => sortKey(a, [...a.arr(0)], a.optStr(1))),
  createArray: def(0, MAX_ARGS, a => [...a.values]),
  union: def(2, MAX_ARGS, a => sets(a, 'union')),
  intersection: def(2, MAX_ARGS, a => sets(a, 'intersection')),
  chunk: def(2, 2, a => {
    const c = collection(a, 0)
    const size = a.int(1)
    if (size <= 0) throw a.bad(1, 'a positive integer')
    const out: Array<string | unknown[]> = []
    for (let i = 0; i < c.length; i += size) out.push(c.slice(i, i + size))
    return out
  }),
}
