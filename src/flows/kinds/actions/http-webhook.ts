import { Type } from '@sinclair/typebox'
import { objectOf } from '../../schema.js'
import { checkAuthentication } from '../../authentication.js'
import { defineAction, type HttpRequest } from '../types.js'
import { inputsOf, replyOutcome } from './shared.js'

/** The subscribe / unsubscribe request of an HttpWebhook (action and trigger). */
export const WEBHOOK_CALL = objectOf({
  method: Type.Unknown(),
  uri: Type.Unknown(),
  url: Type.Unknown(),
  headers: Type.Unknown(),
  queries: Type.Unknown(),
  body: Type.Unknown(),
  authentication: Type.Unknown(),
  retryPolicy: Type.Unknown(),
})

const asRequest = (c: Record<string, unknown>): HttpRequest => ({
  method: String(c.method ?? 'POST'),
  uri: String(c.uri ?? c.url),
  ...(c.headers !== undefined ? { headers: c.headers as Record<string, unknown> } : {}),
  ...(c.queries !== undefined ? { queries: c.queries as Record<string, unknown> } : {}),
  ...(c.body !== undefined ? { body: c.body } : {}),
  ...(c.authentication !== undefined ? { authentication: c.authentication } : {}),
})

/**
 * HttpWebhook (action): subscribes with a callback URL of its own (listCallbackUrl() in its inputs), waits for
 * that URL to be called, then unsubscribes; its outputs are the callback's headers and body. limit.timeout bounds
 * the wait.
 */
export const httpWebhook = defineAction({
  type: 'HttpWebhook',
  inputs: inputsOf({ subscribe: WEBHOOK_CALL, unsubscribe: WEBHOOK_CALL }, ['subscribe']),
  inputsRequired: true,
  callback: true,
  compile: (a, c, path) => {
    const i = a.inputs as { subscribe: Record<string, unknown>; unsubscribe?: Record<string, unknown> }
    if (i.subscribe.uri === undefined && i.subscribe.url === undefined) {
      c.problem(`${path}/inputs/subscribe/uri`, 'is required')
    }
    checkAuthentication(`${path}/inputs/subscribe/authentication`, i.subscribe.authentication, c)
    if (i.unsubscribe) checkAuthentication(`${path}/inputs/unsubscribe/authentication`, i.unsubscribe.authentication, c)
  },
  run: async ({ step, inputs, run }) => {
    const i = inputs as { subscribe: Record<string, unknown>; unsubscribe?: Record<string, unknown> }
    const received = run.webhook(step)
    replyOutcome(await run.http(asRequest(i.subscribe), step), run.now())
    try {
      const got = await received
      return { outputs: { headers: got.headers, body: got.body }, body: got.body }
    } finally {
      if (i.unsubscribe && (i.unsubscribe.uri !== undefined || i.unsubscribe.url !== undefined)) {
        await run.http(asRequest(i.unsubscribe), step).catch(() => undefined)
      }
    }
  },
})
