import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import { randomUUID } from 'node:crypto'
import { WebexError } from '../errors.js'

/** The trackingid of every answer: a Webex-style router id, also the request id in the log. */
export function newTrackingId (): string {
  return `ROUTER_${randomUUID()}`
}

function errorBody (message: string, descriptions: string[], trackingId: string): string {
  return JSON.stringify({ message, errors: descriptions.map(description => ({ description })), trackingId })
}

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
    .send(errorBody(message, descriptions, trackingId))
}

const INTERNAL = 'Something went wrong on our side; quote the trackingId when reporting it.'

/** What the router refuses before any route or hook runs, in the Webex shape like everything else. */
const FRAMEWORK: Record<string, { status: number; message: string }> = {
  FST_ERR_BAD_URL: { status: 400, message: 'The path has a malformed percent-escape (%XX) in a parameter.' },
  // 400, not Fastify's 414: an id this long is as invalid as one over the schemas' 200 characters.
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, message: 'A path parameter is longer than 500 characters.' },
}

/** Fastify's `frameworkErrors`: a bad percent-escape or an over-long path parameter. */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = FRAMEWORK[error.code]
  if (known) {
    send(request, reply, known.status, known.message, [known.message])
    return
  }
  request.log.error({ err: error }, 'unhandled framework error')
  send(request, reply, 500, INTERNAL, ['Internal error.'])
}

/** Node's parser errors, mapped as Node itself maps them (431, 413, 408), everything else a 400. */
const CLIENT: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are larger than 16 KB.' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, message: 'The chunk extensions of the request body are too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time.' },
}

/**
 * Fastify's `clientErrorHandler`: a request Node could not parse (malformed request line or header, headers over
 * 16 KB) never reaches Fastify, so its answer is written here, on the socket, in the Webex shape.
 */
export function clientErrorHandler (
  this: FastifyInstance,
  err: Error & { code?: string },
  socket: Socket & { _httpMessage?: { headersSent?: boolean } }
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const { status, message } = CLIENT[err.code ?? ''] ?? {
    status: 400,
    message: 'The request is not well-formed HTTP/1.1.',
  }
  const trackingId = newTrackingId()
  this.log.debug({ err, trackingId }, 'client error')
  // As Node does: never write into the middle of a response already going out on this connection.
  if (socket.writable && !socket._httpMessage?.headersSent) {
    const body = errorBody(message, [message], trackingId)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\ntrackingid: ${trackingId}\r\nConnection: close\r\n\r\n${body}`
    )
  }
  socket.destroy(err)
}

/** The one place errors become responses: every failure leaves in the Webex error shape. */
export function installErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof WebexError) {
      // A 503 of the store (StoreUnavailableError) and the like: the operator wants to hear of those.
      if (error.statusCode >= 500) request.log.warn({ err: error }, error.message)
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
    send(request, reply, 500, INTERNAL, ['Internal error.'])
  })

  app.setNotFoundHandler((request, reply) => {
    send(request, reply, 404, `No operation ${request.method} ${request.url.split('?')[0]}.`, [
      'The requested resource could not be found.',
    ])
  })
}
