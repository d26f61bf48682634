import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** ../shared/conformance: the public flows corpus (present in CI; a clone without ../shared has none). */
export const CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance')
export const corpusPresent = (): boolean => existsSync(join(CORPUS, 'flow-corpus', 'index.json'))

const CONNECTOR =
  /^(apiconnection|openapiconnection|serviceprovider|apiconnectionwebhook|openapiconnectionwebhook|apiconnectionnotification|openapiconnectionnotification)$/i
const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v)

/**
 * A corpus definition made runnable here: every other connector's action becomes an Http call to `origin`
 * (/connector/<action>, its inputs as the body), every Http action's URL is pointed at `origin` (same path),
 * a connector trigger becomes a Request trigger (its conditions and splitOn kept). The built-in parts run as written.
 */
export function runnable (file: string, origin: string): Record<string, unknown> {
  const def = JSON.parse(readFileSync(join(CORPUS, 'flow-corpus', file), 'utf8'))
  const visit = (actions: unknown): void => {
    if (!isObj(actions)) return
    for (const [name, a] of Object.entries(actions)) {
      if (!isObj(a)) continue
      if (CONNECTOR.test(String(a.type))) {
        const { host: _host, ...inputs } = isObj(a.inputs) ? a.inputs : {}
        const { type: _t, inputs: _i, ...rest } = a
        actions[name] = {
          ...rest,
          type: 'Http',
          inputs: { method: 'POST', uri: `${origin}/connector/${encodeURIComponent(name)}`, body: inputs },
        }
      } else if (String(a.type).toLowerCase() === 'http' && isObj(a.inputs) && typeof a.inputs.uri === 'string') {
        a.inputs.uri = a.inputs.uri.replace(/^https?:\/\/[^/@]+(?=\/|$)/i, origin).replace(/^@\{[^}]*\}/, origin)
      }
      visit(a.actions)
      if (isObj(a.else)) visit(a.else.actions)
      if (isObj(a.default)) visit(a.default.actions)
      if (isObj(a.cases)) for (const c of Object.values(a.cases)) if (isObj(c)) visit(c.actions)
      if (isObj(a.tools)) for (const c of Object.values(a.tools)) if (isObj(c)) visit(c.actions)
    }
  }
  visit(def.actions)
  for (const [name, t] of Object.entries(def.triggers as Record<string, any>)) {
    if (CONNECTOR.test(String(t.type))) {
      const { type: _t, inputs: _i, recurrence: _r, evaluatedRecurrence: _e, kind: _k, ...rest } = t
      def.triggers[name] = { ...rest, type: 'Request', kind: 'Http' }
    }
  }
  return { owner: 'alice@example.com', description: `corpus: ${file}`, definition: def }
}
