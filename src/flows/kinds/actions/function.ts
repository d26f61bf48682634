import { Type } from '@sinclair/typebox'
import { checkAuthentication } from '../../authentication.js'
import { objectOf } from '../../schema.js'
import { ActionFailure, defineAction, type HttpRequest } from '../types.js'
import { HTTP_INPUTS } from './http.js'
import { inputsOf, replyOutcome } from './shared.js'

const { uri: _uri, ...CALL_INPUTS } = HTTP_INPUTS

/**
 * Function (Call an Azure function): an HTTPS call to the function's trigger URL, which the workflow's
 * connections.json gives: by `function.connectionName` (a functionConnections entry, Standard) or by the
 * function's ARM id `function.id` (Consumption: the entry whose function.id it is). The entry's key goes as
 * Logic Apps sends it (the `code` query or the x-functions-key header); the rest is the Http action's request:
 * method (POST unless given), headers, queries, body, authentication, retry policy, asynchronous pattern.
 */
export const functionAction = defineAction({
  type: 'Function',
  inputs: inputsOf(
    {
      function: objectOf({ id: Type.String({ minLength: 1 }), connectionName: Type.String({ minLength: 1 }) }),
      ...CALL_INPUTS,
    },
    ['function']
  ),
  inputsRequired: true,
  retries: true,
  operationOptions: ['DisableAsyncPattern'],
  evaluated: ({ retryPolicy: _retry, function: _fn, ...rest }) => rest,
  compile: (a, c, path) => {
    const inputs = a.inputs as { function?: { id?: string; connectionName?: string }; authentication?: unknown }
    const fn = inputs.function ?? {}
    if ((fn.id === undefined) === (fn.connectionName === undefined)) {
      c.problem(`${path}/inputs/function`, 'name the function by connectionName (Standard) or by id (Consumption)')
    }
    checkAuthentication(`${path}/inputs/authentication`, inputs.authentication, c)
    return fn
  },
  run: async ({ step, data, inputs, run }) => {
    const fn = data as { id?: string; connectionName?: string }
    const conn = fn.connectionName
      ? run.connections.function(fn.connectionName)
      : run.connections.functionById(String(fn.id))
    const req = inputs as Omit<HttpRequest, 'uri'>
    const headers = { ...((req.headers ?? {}) as Record<string, unknown>) }
    const queries = { ...((req.queries ?? {}) as Record<string, unknown>) }
    const auth = conn.authentication
    if (auth?.type === 'Header') headers[auth.name] = auth.value
    if (auth?.type === 'QueryString') queries[auth.name] = auth.value
    if (!/^https?:\/\//i.test(conn.triggerUrl)) {
      throw new ActionFailure('InvalidFunctionConnection', 'The function\'s trigger URL is not an http(s) URL.')
    }
    const reply = await run.http(
      { ...req, method: String(req.method ?? 'POST'), uri: conn.triggerUrl, headers, queries },
      step
    )
    return replyOutcome(reply, run.now())
  },
})
