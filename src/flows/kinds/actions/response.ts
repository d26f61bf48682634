import { Type } from '@sinclair/typebox'
import { ActionFailure, defineAction } from '../types.js'
import { inputsOf } from './shared.js'

// Headers Logic Apps drops from a Response without a word (connectors-native-reqres): kept out here too.
const DROPPED =
  /^(allow|cookie|expires|last-modified|set-cookie|transfer-encoding|content-(?!disposition$|encoding$|type$).*)$/i

/**
 * Response: the answer to the Request trigger's caller (status, headers, body). The caller waits for it up to
 * the response timeout; with operationOptions Asynchronous it gets 202 and polls. Only in flows started by a
 * Request trigger, and not inside Foreach or Until.
 */
export const response = defineAction({
  type: 'Response',
  properties: () => ({ kind: Type.String() }),
  inputs: inputsOf({
    statusCode: Type.Unknown(),
    headers: Type.Unknown(),
    body: Type.Unknown(),
    schema: Type.Unknown(),
  }),
  inputsRequired: true,
  operationOptions: ['Asynchronous'],
  evaluated: ({ schema: _schema, ...rest }) => rest,
  compile: (_a, c, path) => {
    if (c.triggerType !== 'Request') {
      c.problem(path, 'a Response answers a Request trigger; this flow does not start with one')
    }
    if (c.inLoop) c.problem(path, 'a Response cannot be inside a Foreach or Until loop (as in Logic Apps)')
  },
  run: async ({ step, inputs, run }) => {
    const i = inputs as { statusCode?: unknown; headers?: unknown; body?: unknown }
    const statusCode = i.statusCode === undefined ? 200 : Number(i.statusCode)
    if (
      !Number.isInteger(statusCode) ||
      statusCode < 200 ||
      statusCode > 599 ||
      (statusCode >= 300 && statusCode < 400)
    ) {
      throw new ActionFailure(
        'InvalidStatusCode',
        `A Response status code must be 2xx, 4xx or 5xx, not ${String(i.statusCode)}.`
      )
    }
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries((i.headers ?? {}) as Record<string, unknown>)) {
      if (!DROPPED.test(k)) headers[k] = typeof v === 'string' ? v : JSON.stringify(v)
    }
    const reply = { statusCode, headers, body: i.body ?? null }
    run.respond(reply, step)
    return { outputs: reply }
  },
})
