import { parse } from 'node:querystring'

/**
 * Query parsing that tolerates a repeated parameter with the same value (`max=100&max=100`, which n8n sends):
 * identical repeats collapse to one value; different repeats stay a list and fail validation naming the field.
 */
export function parseQuery (qs: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(parse(qs))) {
    out[key] = Array.isArray(value) && value.every(v => v === value[0]) ? value[0] : value
  }
  return out
}
