import { Type } from '@sinclair/typebox'
import { objectOf } from '../../schema.js'
import { checkAuthentication } from '../../authentication.js'
import { HTTP_INPUTS } from '../actions/http.js'
import type { TriggerKind } from '../types.js'

/**
 * Http (polling): on its recurrence, sends the request; a 200 starts a run with the answer as the trigger's
 * outputs, any other status does not (Retry-After and Location steer the next poll).
 */
export const httpTrigger: TriggerKind = {
  type: 'Http',
  required: ['inputs', 'recurrence'],
  properties: () => ({
    inputs: objectOf(HTTP_INPUTS, ['method', 'uri']),
    recurrence: Type.Unknown(),
    evaluatedRecurrence: Type.Unknown(),
  }),
  compile: (t, c, path) => {
    const inputs = t.inputs as Record<string, unknown>
    checkAuthentication(`${path}/inputs/authentication`, inputs.authentication, c)
    const { retryPolicy: _retry, ...rest } = inputs
    const request = c.template(`${path}/inputs`, rest)
    const recurrence = c.recurrence(`${path}/recurrence`, t.recurrence)
    return request && recurrence ? { source: 'poll', recurrence, request } : undefined
  },
}
