/** Math functions: add, sub, mul, div, mod, min, max, rand, range, with Logic Apps' integer/float/decimal types. */
import { randomInt } from 'node:crypto'
import { arith, asNum, compareNum, type Num, type Op } from '../numbers.js'
import { type Args, def, type Family, MAX_ARGS } from './context.js'

const binary = (op: Op) => def(2, 2, a => arith(op, a.num(0), a.num(1)))

/** min/max over numbers given one by one or as one array. */
function extreme (a: Args, sign: 1 | -1): unknown {
  const fromArray = a.length === 1 && Array.isArray(a.any(0))
  const items = fromArray ? (a.any(0) as unknown[]) : a.values
  if (items.length === 0) throw a.bad(0, 'a non-empty array of numbers')
  let best: { v: unknown; n: Num } | undefined
  items.forEach((v, i) => {
    const n = asNum(v)
    if (!n) throw fromArray ? a.fail(`expects an array of numbers; item ${i} is not a number.`) : a.bad(i, 'a number')
    if (!best || compareNum(n, best.n) * sign > 0) best = { v, n }
  })
  return best!.v
}

export const math: Family = {
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  mod: binary('mod'),
  min: def(1, MAX_ARGS, a => extreme(a, -1)),
  max: def(1, MAX_ARGS, a => extreme(a, 1)),
  rand: def(2, 2, a => {
    const lo = a.int(0)
    const hi = a.int(1)
    if (lo >= hi) {
      throw a.fail("expects its first parameter 'minValue' to be less than its second parameter " +
      "'maxValue'.")
    }
    return randomInt(lo, hi)
  }),
  range: def(2, 2, a => {
    const start = a.int(0)
    const n = a.int(1)
    if (n < 0 || n > 100_000) throw a.bad(1, 'an integer from 0 to 100000')
    if (start + n > 2_147_483_647) throw a.fail('expects the sum of its parameters to be no larger than 2147483647.')
    return Array.from({ length: n }, (_, i) => start + i)
  }),
}
