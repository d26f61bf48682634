/** Running a reference example and comparing its result (shared by reference.test.ts and reference-count.ts). */
import { compileString } from '../../src/flows/expression.js'
import { render } from '../../src/flows/evaluate.js'
import { type Example, fixture } from './reference-examples.js'

/** A result as JSON sees it; XML content as its text, so XML results compare with the page's XML. */
export function normalize (v: unknown): unknown {
  if (v && typeof v === 'object' && 'contentType' in v && 'bytes' in v && 'text' in v) {
    const c = v as unknown as { contentType: string; text: () => string; toJSON: () => unknown }
    return /xml/i.test(c.contentType) ? c.text() : c.toJSON()
  }
  if (Array.isArray(v)) return v.map(normalize)
  const json = (v as { toJSON?: () => unknown } | null)?.toJSON
  if (typeof json === 'function') return normalize(json.call(v))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]))
  return v
}

export type Outcome = { value: unknown } | { error: string }

export function run (e: Example): Outcome {
  try {
    return { value: normalize(render(compileString(`@${e.expr}`), fixture(e))) }
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` }
  }
}

const sameKeys = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b))
function sortKeys (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map(k => [k, sortKeys((v as Record<string, unknown>)[k])])
    )
  }
  return v
}

/** Whether an outcome is what `expected` says (a value, or `{ error: RegExp }`), with the example's match rule. */
export function matches (e: Example, o: Outcome, expected: unknown): boolean {
  if (
    expected &&
    typeof expected === 'object' &&
    'error' in expected &&
    (expected as { error: unknown }).error instanceof RegExp
  ) {
    return 'error' in o && (expected as { error: RegExp }).error.test(o.error)
  }
  if ('error' in o) return false
  if (expected !== e.doc) return sameKeys(o.value, expected)
  if (e.match instanceof RegExp) return typeof o.value === 'string' && e.match.test(o.value)
  if (Array.isArray(e.match)) return e.match.some(m => sameKeys(m, o.value))
  return sameKeys(o.value, expected)
}
