import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { UnauthorizedError, WebexError } from '../errors.js'
import { SlidingWindowLimiter } from '../throttle/sliding-window.js'
import type { DoorReply, FlowRuntime } from '../flows/runtime.js'
import { SIGNATURE_PARAMS } from '../flows/callbacks.js'
import type { CallerIdentity } from '../flows/caller-rule.js'
import { BEARER } from '../auth/authenticate.js'

export interface DoorOptions {
  runtime: FlowRuntime
  /** Largest request body a trigger accepts (larger: 413, nothing started). */
  bodyLimit: number
  /** Calls per flow in any sliding window (more: 429 with Retry-After, nothing started). */
  rateLimit: number
  rateWindowMs: number
  now?: () => number
  /** Who a bearer token belongs to (Request triggers with triggerAuthenticationType Tenant or User). */
  identify?: (token: string) => Promise<CallerIdentity | undefined>
}

type Params = { flowId: string; triggerName: string; '*'?: string }
type Query = Record<string, string | string[] | undefined>

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)
const headersOf = (request: FastifyRequest): Record<string, string> =>
  Object.fromEntries(
    Object.entries(request.headers)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])
  )

/**
 * The public door of flows: the signed callback URLs of Request and HttpWebhook triggers, HttpWebhook action
 * callbacks and the polling URL of asynchronous Responses. No bearer token: the `sig` of the URL is the
 * credential. Missing or wrong sig → 401, over the rate → 429, too large → 413, checked before anything runs, in
 * the service's error shape; the signature never reaches the logs (the app's request serializer masks it) or the
 * run history.
 */
export const flowCallbackRoutes: FastifyPluginAsync<DoorOptions> = async (app, opts) => {
  const { runtime } = opts
  const limiter = new SlidingWindowLimiter(opts.rateLimit, opts.rateWindowMs, opts.now)
  // A trigger takes any content: JSON as values, text as a string, anything else as Logic Apps keeps binary.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    const type = String(request.headers['content-type'] ?? '')
    if (/^text\/|xml|x-www-form-urlencoded/i.test(type)) done(null, body.toString('utf8'))
    else done(null, { $content: body.toString('base64'), '$content-type': type || 'application/octet-stream' })
  })

  const rate = (flowId: string): void => {
    const d = limiter.take(flowId)
    if (!d.allowed) {
      const seconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000))
      throw new WebexError(
        429,
        `Too many calls to this flow: at most ${opts.rateLimit} per ${Math.round(opts.rateWindowMs / 1000)} s. ` +
          `Retry after ${seconds} seconds.`,
        undefined,
        { 'retry-after': String(seconds) }
      )
    }
  }
  const send = (reply: FastifyReply, r: DoorReply): FastifyReply => {
    reply.code(r.statusCode).headers(r.headers)
    if (r.body === null || r.body === undefined) return reply.send()
    if (typeof r.body === 'string') {
      if (!reply.hasHeader('content-type')) reply.type('text/plain; charset=utf-8')
      return reply.send(r.body)
    }
    return reply.type('application/json').send(JSON.stringify(r.body))
  }
  const base = (request: FastifyRequest): string => `${request.protocol}://${request.host}`

  const invoke = {
    config: { public: true },
    bodyLimit: opts.bodyLimit,
    schema: { hide: true },
    onRequest: async (request: FastifyRequest) => {
      const { flowId, triggerName } = request.params as Params
      const q = request.query as Query
      if (!await runtime.verifyTrigger(flowId, triggerName, first(q.sp), first(q.sig))) {
        throw new UnauthorizedError('The callback URL is not valid: its signature (sig) is missing or wrong.')
      }
      rate(flowId)
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const { flowId, '*': rest } = request.params as Params
      const queries: Record<string, string> = {}
      for (const [k, v] of Object.entries(request.query as Query)) {
        if (!SIGNATURE_PARAMS.includes(k) && v !== undefined) queries[k] = first(v) as string
      }
      const result = await runtime.invoke(
        flowId,
        {
          method: request.method,
          relativePath: rest ?? '',
          headers: headersOf(request),
          queries,
          body: request.body ?? null,
          identify: async () => {
            const token = BEARER.exec(request.headers.authorization ?? '')?.[1]
            return token && opts.identify ? await opts.identify(token) : undefined
          },
        },
        runId => `${base(request)}/v1/flows/${encodeURIComponent(flowId)}/runs/${runId}`
      )
      return send(reply, result)
    },
  }
  const methods: Array<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'> = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
  app.route({ method: methods, url: '/v1/flows/:flowId/triggers/:triggerName/paths/invoke', ...invoke })
  app.route({ method: methods, url: '/v1/flows/:flowId/triggers/:triggerName/paths/invoke/*', ...invoke })

  const signedPath = async (request: FastifyRequest) => {
    const { flowId } = request.params as { flowId: string }
    const path = request.url.split('?')[0]
    if (!await runtime.verifyPath(flowId, path, first((request.query as Query).sig))) {
      throw new UnauthorizedError('The callback URL is not valid: its signature (sig) is missing or wrong.')
    }
    rate(flowId)
  }
  app.post(
    '/v1/flows/:flowId/runs/:runId/callbacks/:key',
    { config: { public: true }, bodyLimit: opts.bodyLimit, schema: { hide: true }, onRequest: signedPath },
    async (request, reply) => {
      const { flowId, runId, key } = request.params as { flowId: string; runId: string; key: string }
      if (!runtime.deliverCallback(flowId, runId, key, { headers: headersOf(request), body: request.body ?? null })) {
        throw new WebexError(404, 'No action of that run is waiting for this callback.')
      }
      return reply.code(200).send()
    }
  )
  app.get(
    '/v1/flows/:flowId/runs/:runId/response',
    { config: { public: true }, schema: { hide: true }, onRequest: signedPath },
    async (request, reply) => {
      const { flowId, runId } = request.params as { flowId: string; runId: string }
      return send(reply, await runtime.pollResponse(flowId, runId))
    }
  )
}
