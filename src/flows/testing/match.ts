/** A problem of the test file found while running it: its message starts with the JSON path. */
export class TestFileError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v))

/**
 * Where `actual` differs from `expected` read as a partial object (every property it names must match, the
 * others are free; arrays match element by element and have the same length), as `path: expected X, got Y`.
 */
export function mismatches (expected: unknown, actual: unknown, path = ''): string[] {
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${path || '/'}: expected an object, got ${show(actual)}`]
    return Object.entries(expected).flatMap(([k, v]) => mismatches(v, actual[k], `${path}/${k}`))
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path || '/'}: expected an array, got ${show(actual)}`]
    if (actual.length !== expected.length) {
      return [`${path || '/'}: expected ${expected.length} item(s), got ${actual.length}: ${show(actual)}`]
    }
    return expected.flatMap((v, i) => mismatches(v, actual[i], `${path}/${i}`))
  }
  return expected === actual ? [] : [`${path || '/'}: expected ${show(expected)}, got ${show(actual)}`]
}

/**
 * `${name.path}` in the strings of a test file: the demo organisation's ids (`${demo.apollo}`), a receiver's URL
 * (`${crm.url}`), a field of a data step's answer (`${card.id}`). A whole-string reference keeps the value's type.
 */
export function substitute (value: unknown, vars: Record<string, unknown>, path = ''): unknown {
  if (typeof value === 'string') {
    const lookup = (ref: string): unknown => {
      let v: unknown = vars
      for (const part of ref.split('.')) {
        v = isObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined
      }
      if (v === undefined) throw new TestFileError(`${path || '/'}: \${${ref}} names nothing`)
      return v
    }
    const whole = /^\$\{([^}]+)\}$/.exec(value)
    if (whole) return lookup(whole[1])
    return value.replace(/\$\{([^}]+)\}/g, (_m, ref: string) => {
      const v = lookup(ref)
      return typeof v === 'string' ? v : JSON.stringify(v)
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, vars, `${path}/${i}`))
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, `${path}/${k}`)]))
  }
  return value
}
