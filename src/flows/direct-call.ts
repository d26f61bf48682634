import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { Caller } from '../domain/caller.js'
import { newTrackingId } from '../http/error-handler.js'

/**
 * Reads a flow calls on every message, whose route does nothing but ask the backend with the caller and one path
 * parameter (the backend applies the access rules): called without inject (85-120 µs a call, the backend's work
 * 5-10 µs). A route listed here must have no hooks beyond the service's global ones (trackingid, base URL,
 * authenticate, throttle, which skips internal callers, and the commit wait, kept: `settle`); test/flows
 * operations.test.ts checks each answers exactly as through inject.
 */
const DIRECT = new Set(['GetMessageDetails', 'GetSpaceDetails', 'GetPersonDetails'])

/** The handler touched what a direct call does not give it: the call goes through inject instead. */
class NotDirect extends Error {}

type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown
type Check = ((data: unknown) => boolean) | undefined
const ROUTE_HOOKS = [
  'onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onResponse', 'onError',
] as const

/** One direct route: learnt from the route's first call through inject (its validator and serializer). */
interface DirectRoute {
  pattern: RegExp
  param: string
  handler: Handler
  learnt?: { server: FastifyInstance; validate: Check; serialize: (payload: unknown) => string }
}

const segments = (url: string): RegExp =>
  new RegExp(`^${url.split('/').map(s => (s.startsWith(':') ? '([^/]+)' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')}$`)

/** Only these properties of the request exist here; anything else is a route this path cannot serve. */
const requestFor = (caller: Caller, params: Record<string, string>): FastifyRequest => new Proxy(
  { caller, params, query: {} },
  {
    get (target, key) {
      if (key === 'then') return undefined
      if (typeof key === 'string' && key in target) return target[key as keyof typeof target]
      throw new NotDirect(String(key))
    },
  }
) as unknown as FastifyRequest
const noReply = new Proxy({}, {
  get (_t, key) {
    if (key === 'then') return undefined
    throw new NotDirect(String(key))
  },
}) as FastifyReply

/** The Date header's text for now, made once a second (a flow's direct calls come by the thousand a second). */
let dateSecond = Number.NaN
let dateText = ''
function httpDate (): string {
  const second = Math.floor(Date.now() / 1000)
  if (second !== dateSecond) {
    dateText = new Date(second * 1000).toUTCString()
    dateSecond = second
  }
  return dateText
}

export interface DirectReply {
  statusCode: number
  headers: Record<string, string>
  body: unknown
}

export class DirectCalls {
  private readonly routes = new Map<string, DirectRoute>()
  /** GET routes other than the direct ones: a path one of them takes (/v1/people/me) is theirs, not a direct one's. */
  private readonly others: RegExp[] = []
  /**
   * The same as one alternation, built on first use after the routes registered: one native match a call instead of
   * one call of `test` per GET route (a measurable share of a flow's direct call).
   */
  private othersOne: RegExp | undefined

  /** Called for every route as it registers (the catalog's onRoute): takes the direct ones, wrapping their handler. */
  route (route: RouteOptions, operationId: string | undefined, method: string): void {
    if (method !== 'GET') return
    const params = Object.keys((route.schema?.params as { properties?: object } | undefined)?.properties ?? {})
    const plain = ROUTE_HOOKS.every(h => route[h] === undefined) && route.schema?.querystring === undefined
    if (!operationId || !DIRECT.has(operationId) || params.length !== 1 || !plain) {
      this.others.push(segments(route.url))
      this.othersOne = undefined
      return
    }
    const original = route.handler as Handler
    const entry: DirectRoute = { pattern: segments(route.url), param: params[0], handler: original }
    // The route's own validator and serializer, as Fastify compiled them, taken from its first request.
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      entry.learnt ??= {
        server: this,
        validate: request.getValidationFunction('params') as Check,
        serialize: reply.getSerializationFunction('200') as (payload: unknown) => string,
      }
      return original.call(this, request, reply)
    }
    this.routes.set(operationId, entry)
  }

  /**
   * The reply of a GET of `url` by `caller` without inject, as inject gives it (status, headers, body parsed);
   * undefined when this path cannot give it exactly (not a direct route, not learnt yet, invalid parameters, the
   * backend refused: the caller then injects, and gets the error the route answers).
   */
  async get (
    caller: Caller | undefined,
    url: string,
    query: Record<string, string>,
    settle: (() => Promise<void>) | undefined
  ): Promise<DirectReply | undefined> {
    if (!caller || Object.keys(query).length > 0) return undefined
    for (const entry of this.routes.values()) {
      const m = entry.pattern.exec(url)
      if (!m) continue
      this.othersOne ??= new RegExp(this.others.map(p => `(?:${p.source})`).join('|') || '(?!)')
      if (!entry.learnt || !settle || m[1].length > 500 || this.othersOne.test(url)) return undefined
      let value: string
      try {
        // Ids are base64url: nothing to decode, and decoding costs (what inject's router does alike).
        value = m[1].includes('%') ? decodeURIComponent(m[1]) : m[1]
      } catch {
        return undefined
      }
      const params = { [entry.param]: value }
      const { server, validate, serialize } = entry.learnt
      if (validate && !validate(params)) return undefined
      let result: unknown
      try {
        result = await entry.handler.call(server, requestFor(caller, params), noReply)
      } catch {
        return undefined
      }
      if (result === null || typeof result !== 'object') return undefined
      const payload = serialize(result)
      try {
        await settle()
      } catch {
        return undefined
      }
      return {
        statusCode: 200,
        headers: {
          trackingid: newTrackingId(),
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(payload)),
          date: httpDate(),
          connection: 'keep-alive',
        },
        body: JSON.parse(payload),
      }
    }
    return undefined
  }
}
