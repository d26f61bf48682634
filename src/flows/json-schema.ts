import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsPlugin from 'ajv-formats'

/**
 * JSON schemas written in flows (ParseJson, the Request trigger's body schema): Logic Apps reads them
 * leniently, with type names in any case ("String") and unknown keywords ignored, so they are normalised first.
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false })
;(addFormatsPlugin as unknown as (a: Ajv) => void)(ajv)

function normalise (s: unknown): unknown {
  if (Array.isArray(s)) return s.map(normalise)
  if (!s || typeof s !== 'object') return s
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(s)) {
    if (k === 'type') {
      out[k] = Array.isArray(v) ? v.map(x => String(x).toLowerCase()) : typeof v === 'string' ? v.toLowerCase() : v
    } else if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, normalise(x)]))
    } else if (k === '$schema' || k === 'id' || k === '$id') continue
    else out[k] = normalise(v)
  }
  return out
}

export interface UserSchema {
  /** undefined when the value matches, else the problems, one line each. */
  check(value: unknown): string[] | undefined
}

/** Compiles a flow's JSON schema; throws with a readable message when it is not a schema. */
export function compileUserSchema (schema: unknown): UserSchema {
  let validate: ValidateFunction
  try {
    validate = ajv.compile(normalise(schema) as object)
  } catch (err) {
    throw new Error(`not a valid JSON schema: ${(err as Error).message}`)
  }
  return {
    check: value => {
      if (validate(value)) return undefined
      return (validate.errors ?? []).map(e => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    },
  }
}
