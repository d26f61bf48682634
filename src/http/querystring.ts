import { parse } from 'node:querystring'

/**
 * Query parsing that tolerates a repeated parameter with the same value (`max=100&max=100`, which n8n sends):
 * identical repeats collapse to one value; different repeats stay a list and fail validation naming the field.
 */
export function parseQuery (qs: string): Record<string, unknown> {
  const parsed = parse(qs)
  const out: Record<string, unknown> = {}
  // Over the keys of the null-prototype result: no entries arrays on every request.
  for (const key in parsed) {
    const value = parsed[key]
    out[key] = Array.isArray(value) && value.every(v => v === value[0]) ? value[0] : value
  }
  return out
}
