import { Type } from '@sinclair/typebox'
import { objectOf } from '../../schema.js'
import { compileUserSchema, type UserSchema } from '../../json-schema.js'
import type { TriggerKind } from '../types.js'

/** The Request kinds that are a plain call with a JSON body (Power Automate's manual, Power Apps, Copilot). */
export const REQUEST_KINDS = ['Http', 'Button', 'PowerApp', 'PowerAppV2', 'Skills', 'VirtualAgent']
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/** Request kinds this runtime refuses, why, and the inputs that belong to them. */
const OTHER_KINDS: Record<string, { reason: string; inputs: string[] }> = {
  ApiConnection: {
    reason:
      "is a manual trigger that another connector starts from its own interface (such as SharePoint's 'For a " +
      "selected file', with that connector's operationId and parameters); this service is not that connector",
    inputs: ['host', 'operationId', 'parameters'],
  },
  Agent: {
    reason:
      'starts a conversational agent workflow (chat sessions answered by Agent actions), which this runtime does ' +
      'not run',
    inputs: ['agentName', 'agentDescription'],
  },
}

function schemaOf (path: string, v: unknown, problem: (p: string, m: string) => void): UserSchema | undefined {
  if (v === undefined) return undefined
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    problem(path, 'must be a JSON schema object')
    return undefined
  }
  try {
    return compileUserSchema(v)
  } catch (err) {
    problem(path, (err as Error).message)
    return undefined
  }
}

/**
 * Request ("manual"): a callable endpoint with a signed callback URL. `method` (default: any), `relativePath`
 * with {parameters}, `schema` (checked with operationOptions EnableSchemaValidation, as in Logic Apps).
 */
export const request: TriggerKind = {
  type: 'Request',
  callback: true,
  operationOptions: [
    'EnableSchemaValidation',
    'SuppressWorkflowHeadersOnResponse',
    'IncludeAuthorizationHeadersInOutputs',
  ],
  properties: () => ({
    kind: Type.String(),
    inputs: objectOf({
      schema: Type.Unknown(),
      headersSchema: Type.Unknown(),
      method: Type.String(),
      relativePath: Type.String(),
      triggerAuthenticationType: Type.String(),
      triggerAllowedUsers: Type.String(),
      // The inputs of the kinds refused below: named in their refusal rather than as unknown properties.
      ...Object.fromEntries(Object.values(OTHER_KINDS).flatMap(k => k.inputs.map(n => [n, Type.Unknown()]))),
    }),
  }),
  compile: (t, c, path) => {
    const kind = REQUEST_KINDS.find(k => k.toLowerCase() === String(t.kind ?? 'Http').toLowerCase())
    const other = Object.entries(OTHER_KINDS).find(([k]) => k.toLowerCase() === String(t.kind).toLowerCase())
    const i = (t.inputs ?? {}) as Record<string, unknown>
    if (other) c.problem(`${path}/kind`, `a Request of kind ${other[0]} is refused: it ${other[1].reason}`)
    else if (!kind) {
      c.problem(
        `${path}/kind`,
        `must be one of ${REQUEST_KINDS.join(', ')} (a Request of kind '${String(t.kind)}' is not supported)`
      )
    }
    for (const [k, spec] of Object.entries(OTHER_KINDS)) {
      if (other?.[0] === k) continue
      for (const n of spec.inputs.filter(x => x in i)) {
        c.problem(`${path}/inputs/${n}`, `applies only to a Request of kind ${k}, which this runtime refuses`)
      }
    }
    const method = typeof i.method === 'string' ? i.method.toUpperCase() : undefined
    if (method && !METHODS.includes(method)) c.problem(`${path}/inputs/method`, `must be one of ${METHODS.join(', ')}`)
    const relativePath = typeof i.relativePath === 'string' ? i.relativePath.replace(/^\/+|\/+$/g, '') : undefined
    if (relativePath !== undefined && !method) {
      c.problem(`${path}/inputs/method`, 'a relativePath needs an explicit method, as in Logic Apps')
    }
    const authentication = callerRule(i, path, c.problem)
    const schema = schemaOf(`${path}/inputs/schema`, i.schema, c.problem)
    const headersSchema = schemaOf(`${path}/inputs/headersSchema`, i.headersSchema, c.problem)
    return {
      source: 'request',
      kind: kind ?? 'Http',
      ...(method ? { method } : {}),
      ...(relativePath ? { relativePath } : {}),
      ...(schema ? { schema } : {}),
      ...(headersSchema ? { headersSchema } : {}),
      ...(authentication ? { authentication } : {}),
    }
  },
}

const AUTH_TYPES = ['All', 'Tenant', 'User']

/**
 * Power Automate's "Who can trigger the flow": All (anyone with the signed URL), Tenant (any user in the maker's
 * tenant) or User (the people triggerAllowedUsers lists; none listed: the tenant). Here the tenant is the flow
 * owner's organisation and a user proves who they are with this service's bearer token, on top of the signed URL.
 */
function callerRule (
  i: Record<string, unknown>,
  path: string,
  problem: (p: string, m: string) => void
): { type: 'Tenant' | 'User'; allowed: string[] } | undefined {
  const given = i.triggerAuthenticationType
  const type = given === undefined ? 'All' : AUTH_TYPES.find(k => k.toLowerCase() === String(given).toLowerCase())
  if (!type) {
    problem(`${path}/inputs/triggerAuthenticationType`, `must be one of ${AUTH_TYPES.join(', ')}`)
    return undefined
  }
  const allowed = String(i.triggerAllowedUsers ?? '')
    .split(/[,;]/)
    .map(s => s.trim().toLowerCase())
    .filter(Boolean)
  if (allowed.length > 0 && type !== 'User') {
    problem(`${path}/inputs/triggerAllowedUsers`, "applies only with triggerAuthenticationType 'User'")
  }
  if (type === 'All') return undefined
  return { type: type as 'Tenant' | 'User', allowed: type === 'User' ? allowed : [] }
}
