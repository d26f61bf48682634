import type { OpenAPIV2 } from 'openapi-types'
import { TRIGGERS } from '../triggers/catalog.js'
import { Envelope } from '../schemas/webhook.js'

type Doc = OpenAPIV2.Document
type Op = OpenAPIV2.OperationObject & Record<string, unknown>
type Schema = OpenAPIV2.SchemaObject & Record<string, unknown>

/** The documented actions (and the card and edit additions): shown first in the designer; triggers too. */
const IMPORTANT = new Set([
  'SendAdaptiveCard',
  'EditMessage',
  'GetCardSubmission',
  'AddMemberToSpace',
  'AddMemberToTeam',
  'CreateSpace',
  'GetMessageDetails',
  'GetMessages',
  'GetMyOwnDetails',
  'GetPeople',
  'GetSpaceDetails',
  'GetSpacesList',
  'SendMessage',
])
/** Operations a flow author never calls directly: picker sources and the platform's unsubscribe call. */
const INTERNAL = new Set(['ListTeams', 'DeleteWebhook'])

/** Pickers: a parameter of this name lists choices from this operation. */
const PICKERS: Record<string, { operationId: string; title: string }> = {
  roomId: { operationId: 'GetSpacesList', title: 'title' },
  teamId: { operationId: 'ListTeams', title: 'name' },
}

export const CONNECTOR_METADATA = [
  { propertyName: 'Website', propertyValue: 'https://developer.webex.com' },
  { propertyName: 'Privacy policy', propertyValue: 'https://www.cisco.com/c/en/us/about/legal/privacy-full.html' },
  { propertyName: 'Categories', propertyValue: 'Communication;Collaboration' },
]

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

function dynamicValues (name: string): Record<string, unknown> | undefined {
  const p = PICKERS[name]
  if (!p) return undefined
  return {
    operationId: p.operationId,
    parameters: {},
    'value-collection': 'items',
    'value-path': 'id',
    'value-title': p.title,
  }
}

function dynamicList (name: string): Record<string, unknown> | undefined {
  const p = PICKERS[name]
  if (!p) return undefined
  return {
    operationId: p.operationId,
    parameters: {},
    itemsPath: 'items',
    itemValuePath: 'id',
    itemTitlePath: p.title,
  }
}

/**
 * Turns the Swagger 2.0 that @fastify/swagger produces from the routes into a Power Platform definition:
 * operation visibility, pickers, webhook triggers, success-only responses, connector metadata. Everything
 * else (names, descriptions, x-ms-summary, parameter visibility) already comes from the route schemas.
 */
export function toConnectorDefinition (raw: Doc): Doc {
  const doc = plain(raw) as Doc & Record<string, unknown>
  doc['x-ms-connector-metadata'] = CONNECTOR_METADATA
  // A wrong host or token is caught when a connection is created, by calling Get My Own Details.
  doc['x-ms-capabilities'] = { testConnection: { operationId: 'GetMyOwnDetails', parameters: {} } }
  for (const item of Object.values(doc.paths)) {
    const pathItem = item as OpenAPIV2.PathItemObject & Record<string, unknown>
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = pathItem[method] as Op | undefined
      if (!op) continue
      const id = op.operationId as string
      const trigger = TRIGGERS.find(t => t.operationId === id)
      // Triggers are never hidden behind "more": certified connectors leave them unset or important.
      op['x-ms-visibility'] =
        IMPORTANT.has(id) || trigger ? 'important' : INTERNAL.has(id) ? 'internal' : 'advanced'
      // One response schema per operation, on the success status; errors stay described, not typed.
      const responses: OpenAPIV2.ResponsesObject = {}
      for (const [status, r] of Object.entries(op.responses)) {
        if (!/^2\d\d$/.test(status)) continue
        const res = r as OpenAPIV2.ResponseObject
        if (status === '204') delete res.schema
        res.description = status === '204' ? 'Done.' : res.description === 'Default Response' ? 'OK' : res.description
        responses[status] = res
      }
      op.responses = responses
      for (const param of (op.parameters ?? []) as Array<OpenAPIV2.Parameter & Record<string, unknown>>) {
        if (param.in === 'body') {
          const props = ((param.schema as Schema).properties ?? {}) as Record<string, Schema>
          for (const [name, prop] of Object.entries(props)) {
            const values = dynamicValues(name)
            if (values) {
              prop['x-ms-dynamic-values'] = values
              prop['x-ms-dynamic-list'] = dynamicList(name)
            }
          }
          param['x-ms-summary'] ??= 'Body'
          // A body with required fields is itself required ("required at every level", for triggers too).
          if (((param.schema as Schema).required ?? []).length > 0) param.required = true
          continue
        }
        // The picker's own operation lists without needing itself.
        const values = dynamicValues(param.name)
        if (values && values.operationId !== id) param['x-ms-dynamic-values'] = values
      }
      if (trigger) {
        op['x-ms-trigger'] = 'single'
        op['x-ms-trigger-hint'] =
          'hint' in trigger
            ? trigger.hint
            : `To see it work, ${trigger.summary.replace(/^When /, 'make sure ').replace(/ is /, ' gets ')} in a space you are in.`
        pathItem['x-ms-notification-content'] = {
          description: trigger.description,
          schema: plain(Envelope(trigger.data)),
        }
      }
    }
  }
  return doc
}
