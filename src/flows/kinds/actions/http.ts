import { Type } from '@sinclair/typebox'
import { checkAuthentication } from '../../authentication.js'
import { defineAction, type HttpRequest } from '../types.js'
import { inputsOf, replyOutcome } from './shared.js'

export const HTTP_INPUTS = {
  method: Type.Unknown(),
  uri: Type.Unknown(),
  headers: Type.Unknown(),
  queries: Type.Unknown(),
  body: Type.Unknown(),
  authentication: Type.Unknown(),
  cookie: Type.Unknown(),
  retryPolicy: Type.Unknown(),
}

/**
 * Http: a request to any URL the Http target policy allows (FLOWS_HTTP_ALLOW), with authentication, the
 * asynchronous pattern (202 + Location polled; DisableAsyncPattern turns it off), pagination and chunking.
 */
export const http = defineAction({
  type: 'Http',
  // `path` is named in its own refusal (below) rather than as an unknown property.
  inputs: inputsOf({ ...HTTP_INPUTS, path: Type.Unknown() }, ['method', 'uri']),
  inputsRequired: true,
  retries: true,
  runtime: ['paginationPolicy', 'contentTransfer'],
  operationOptions: ['DisableAsyncPattern', 'SuppressWorkflowHeaders'],
  evaluated: ({ retryPolicy: _retry, ...rest }) => rest,
  compile: (a, c, path) => {
    checkAuthentication(`${path}/inputs/authentication`, (a.inputs as { authentication?: unknown }).authentication, c)
    // Logic Apps' Http action has no path input (ApiConnection has); refused rather than ignored, whatever it says.
    if ('path' in (a.inputs as object)) {
      c.problem(
        `${path}/inputs/path`,
        'is not an input of the Http action (the request goes to uri; path belongs to ApiConnection): remove it'
      )
    }
  },
  run: async ({ step, inputs, run }) => replyOutcome(await run.http(inputs as HttpRequest, step), run.now()),
})
