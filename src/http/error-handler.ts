import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { WebexError } from '../errors.js'

interface ValidationIssue {
  instancePath: string
  message?: string
  keyword: string
  params: Record<string, unknown>
}

const WHERE: Record<string, string> = {
  body: 'request body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
}

/** "title" from an ajv issue: the failing field, or the missing one for `required`. */
function fieldOf (issue: ValidationIssue): string {
  const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.')
  const missing = issue.keyword === 'required' ? String(issue.params.missingProperty) : ''
  return [path, missing].filter(Boolean).join('.')
}

function describe (issue: ValidationIssue, context: string): string {
  const field = fieldOf(issue)
  if (issue.keyword === 'required') {
    return `The ${WHERE[context] ?? context} is missing the required field '${field}'.`
  }
  if (issue.keyword === 'additionalProperties') {
    const extra = [fieldOf(issue), String(issue.params.additionalProperty)].filter(Boolean).join('.')
    return `The ${WHERE[context] ?? context} has the field '${extra}', which this operation does not take.`
  }
  if (issue.keyword === 'enum') {
    return `'${field}' must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}.`
  }
  return field
    ? `'${field}' ${issue.message ?? 'is invalid'}.`
    : `The ${WHERE[context] ?? context} ${issue.message ?? 'is invalid'}.`
}

function send (
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
  descriptions: string[],
  trackingId = String(request.id)
): void {
  reply
    .code(status)
    .type('application/json')
    .header('trackingid', trackingId)
    .send({
      message,
      errors: descriptions.map(description => ({ description })),
      trackingId,
    })
}

/** The one place errors become responses: every failure leaves in the Webex error shape. */
export function installErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof WebexError) {
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v)
      send(request, reply, error.statusCode, error.message, error.descriptions, error.trackingId)
      return
    }
    if (error.validation) {
      const descriptions = (error.validation as ValidationIssue[]).map(i =>
        describe(i, error.validationContext ?? 'body')
      )
      send(request, reply, 400, descriptions[0], descriptions)
      return
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: malformed JSON, body too large (413), unsupported media type (415).
      const message = status === 413 ? 'The request body is too large.' : error.message
      send(request, reply, status, message, [message])
      return
    }
    request.log.error({ err: error }, 'unhandled error')
    send(request, reply, 500, 'Something went wrong on our side; quote the trackingId when reporting it.', [
      'Internal error.',
    ])
  })

  app.setNotFoundHandler((request, reply) => {
    send(request, reply, 404, `No operation ${request.method} ${request.url.split('?')[0]}.`, [
      'The requested resource could not be found.',
    ])
  })
}
