import { Type } from '@sinclair/typebox'
import { TRIGGERS } from '../../../triggers/catalog.js'
import { parseFilter } from '../../../triggers/filters.js'
import { objectOf } from '../../schema.js'
import type { TriggerKind } from '../types.js'

/** ApiConnectionWebhook / OpenApiConnectionWebhook: one of the connector's seven triggers, by operationId. */
export const connectorWebhook: TriggerKind = {
  type: 'ApiConnectionWebhook',
  aliases: ['OpenApiConnectionWebhook'],
  callback: true,
  required: ['inputs'],
  properties: () => ({
    inputs: objectOf(
      {
        host: objectOf({
          connection: Type.Optional(Type.Unknown()),
          apiId: Type.Optional(Type.String()),
          connectionName: Type.Optional(Type.String()),
          operationId: Type.Optional(Type.String({ minLength: 1 })),
        }),
        parameters: Type.Optional(
          objectOf({
            roomId: Type.Optional(Type.String({ description: 'Only events in this space.' })),
            filter: Type.Optional(Type.String({ description: 'A Webex webhook filter, e.g. roomType=group.' })),
          })
        ),
      },
      ['host']
    ),
  }),
  compile: (t, c, path) => {
    const inputs = t.inputs as { host: { operationId?: string }; parameters?: { roomId?: string; filter?: string } }
    const known = TRIGGERS.find(x => x.operationId === inputs.host.operationId)
    if (!known) {
      c.problem(
        `${path}/inputs/host/operationId`,
        `must name one of the connector's triggers: ${TRIGGERS.map(x => x.operationId).join(', ')}`
      )
      return undefined
    }
    const p = inputs.parameters ?? {}
    const filter = [p.roomId ? `roomId=${p.roomId}` : '', p.filter ?? ''].filter(Boolean).join('&')
    try {
      parseFilter(known.resource, filter)
    } catch (err) {
      c.problem(`${path}/inputs/parameters`, (err as Error).message)
    }
    return { source: 'event', trigger: known, ...(filter ? { filter } : {}) }
  },
}
