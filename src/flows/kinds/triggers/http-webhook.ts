import { objectOf } from '../../schema.js'
import { checkAuthentication } from '../../authentication.js'
import type { TriggerKind } from '../types.js'
import { WEBHOOK_CALL as Call } from '../actions/http-webhook.js'

/**
 * HttpWebhook (trigger): when the flow is enabled, calls `subscribe` with its callback URL (listCallbackUrl());
 * each call to that URL starts a run; disabling the flow calls `unsubscribe`.
 */
export const httpWebhookTrigger: TriggerKind = {
  type: 'HttpWebhook',
  callback: true,
  required: ['inputs'],
  operationOptions: ['IncludeAuthorizationHeadersInOutputs', 'SuppressWorkflowHeadersOnResponse'],
  properties: () => ({
    inputs: objectOf({ subscribe: Call, unsubscribe: Call }, ['subscribe']),
  }),
  compile: (t, c, path) => {
    const i = t.inputs as { subscribe: Record<string, unknown>; unsubscribe?: Record<string, unknown> }
    checkAuthentication(`${path}/inputs/subscribe/authentication`, i.subscribe.authentication, c)
    if (i.unsubscribe) checkAuthentication(`${path}/inputs/unsubscribe/authentication`, i.unsubscribe.authentication, c)
    const subscribe = c.template(`${path}/inputs/subscribe`, i.subscribe)
    const unsubscribe = i.unsubscribe ? c.template(`${path}/inputs/unsubscribe`, i.unsubscribe) : undefined
    return subscribe ? { source: 'webhook', subscribe, ...(unsubscribe ? { unsubscribe } : {}) } : undefined
  },
}
