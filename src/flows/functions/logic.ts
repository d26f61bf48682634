/** Logical comparison functions: and, or, not, if, equals, greater, greaterOrEquals, less, lessOrEquals. */
import { asNum, compareNum } from '../numbers.js'
import { looseEquals, typeName } from '../values.js'
import { type Args, def, type Family, MAX_ARGS } from './context.js'

function booleans (a: Args): boolean[] {
  return a.values.map((_, i) => a.bool(i))
}

/** Two numbers (of any kinds) or two strings (ordinal); anything else is an error naming both types. */
function compare (a: Args): number {
  const [x, y] = a.values
  const nx = asNum(x)
  const ny = asNum(y)
  if (nx && ny) return compareNum(nx, ny)
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0
  throw a.fail(
    'expects two parameters of matching types: both numbers or both strings. The provided values are of types ' +
      `'${typeName(x)}' and '${typeName(y)}'.`
  )
}

export const logic: Family = {
  and: def(1, MAX_ARGS, a => booleans(a).every(Boolean)),
  or: def(1, MAX_ARGS, a => booleans(a).some(Boolean)),
  not: def(1, 1, a => !a.bool(0)),
  // Logic Apps evaluates every parameter, left to right, before choosing one.
  if: def(3, 3, a => (a.bool(0) ? a.any(1) : a.any(2))),
  equals: def(2, 2, a => looseEquals(a.any(0), a.any(1))),
  greater: def(2, 2, a => compare(a) > 0),
  greaterOrEquals: def(2, 2, a => compare(a) >= 0),
  less: def(2, 2, a => compare(a) < 0),
  lessOrEquals: def(2, 2, a => compare(a) <= 0),
}
