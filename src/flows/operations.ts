import { randomBytes } from 'node:crypto'
import type { FastifyInstance, RouteOptions } from 'fastify'
import type { Caller } from '../domain/caller.js'
import { DirectCalls } from './direct-call.js'

/** What a flow needs to know of one connector operation, taken from the route's own schema. */
export interface Operation {
  operationId: string
  method: string
  /** Fastify's pattern, e.g. /v1/rooms/:roomId */
  url: string
  path: string[]
  query: string[]
  body: string[]
  required: string[]
  hasBody: boolean
}

/**
 * One in-process call of an operation, as a watcher (flow tests) sees it: told when the call is made, so calls
 * of parallel branches keep the order they were started in; `status` is filled in when the reply comes.
 */
export interface ConnectorCall {
  operationId?: string
  method: string
  path: string
  query: Record<string, string>
  body?: unknown
  status?: number
}

/** The reply of an in-process call, as outputs('Action') shows it. */
export interface OperationReply {
  statusCode: number
  headers: Record<string, string>
  body: unknown
}

interface ObjectSchema {
  properties?: Record<string, unknown>
  required?: string[]
}
const props = (s: unknown): string[] => Object.keys((s as ObjectSchema | undefined)?.properties ?? {})
const required = (s: unknown): string[] => (s as ObjectSchema | undefined)?.required ?? []

/**
 * Every connector operation by operationId, collected from the routes as they register (so a new route is a
 * flow action at once), and a way to call them in-process with a flow owner's identity.
 */
export class OperationCatalog {
  private readonly ops = new Map<string, Operation>()
  /** Per-process tokens standing for a flow owner; they never leave the process. */
  private readonly internal = new Map<string, Caller>()
  private app: FastifyInstance | undefined
  private readonly watchers = new Set<(call: ConnectorCall) => void>()
  private readonly direct = new DirectCalls()
  /** Resolves once nothing written so far is uncommitted (a route's answer waits for it, onSend in app.ts). */
  private settle: (() => Promise<void>) | undefined

  /** Registers the onRoute hook; call before the routes are registered. */
  collect (app: FastifyInstance): void {
    this.app = app
    app.addHook('onRoute', (route: RouteOptions) => {
      const schema = route.schema as
        { operationId?: string; params?: unknown; querystring?: unknown; body?: unknown } | undefined
      const method = Array.isArray(route.method) ? route.method[0] : route.method
      this.direct.route(route, schema?.operationId, method)
      if (!schema?.operationId || method === 'HEAD') return
      this.ops.set(schema.operationId, {
        operationId: schema.operationId,
        method,
        url: route.url,
        path: props(schema.params),
        query: props(schema.querystring),
        body: props(schema.body),
        required: [
          ...required(schema.params),
          ...required(schema.querystring),
          ...required(schema.body).map(p => `body/${p}`),
        ],
        hasBody: schema.body !== undefined,
      })
    })
  }

  /** How a direct call waits for the commit an answer through the routes waits for; without it, all inject. */
  settleWith (settle: () => Promise<void>): void {
    this.settle = settle
  }

  /** Calls `fn` with every call made from now on (flow tests check the calls a run made); returns the unwatch. */
  watch (fn: (call: ConnectorCall) => void): () => void {
    this.watchers.add(fn)
    return () => this.watchers.delete(fn)
  }

  /** The operation a concrete method and path are a call of. */
  operationOf (method: string, path: string): Operation | undefined {
    for (const op of this.ops.values()) {
      if (op.method !== method) continue
      const pattern = op.url
        .split('/')
        .map(seg => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      if (new RegExp(`^${pattern.join('/')}$`).test(path)) return op
    }
    return undefined
  }

  get (operationId: string): Operation | undefined {
    return this.ops.get(operationId)
  }

  ids (): string[] {
    return [...this.ops.keys()].sort()
  }

  /**
   * A token that authenticates as `caller` for in-process calls only. The caller keeps its own `token`: with
   * the Webex backend that is the owner's Webex credential, which the backend forwards upstream.
   */
  tokenFor (caller: Caller): string {
    for (const [token, c] of this.internal) {
      if (c.personId === caller.personId && c.token === caller.token) return token
    }
    const token = `flow.${randomBytes(32).toString('hex')}`
    this.internal.set(token, { ...caller, internal: true })
    return token
  }

  /** The caller behind an internal token, for the authenticate hook. */
  resolve (token: string): Caller | undefined {
    return token.startsWith('flow.') ? this.internal.get(token) : undefined
  }

  /**
   * Calls a route in-process (Fastify's inject: no socket, no network), so validation, permission checks,
   * events and error bodies are exactly those of the HTTP API; a few reads go to their handler directly
   * (direct-call.ts), with the same answer.
   */
  async call (
    token: string,
    method: string,
    url: string,
    query: Record<string, string>,
    body: unknown
  ): Promise<OperationReply> {
    if (!this.app) throw new Error('The operation catalog is not attached to an app.')
    let seen: ConnectorCall | undefined
    if (this.watchers.size > 0) {
      const op = this.operationOf(method, url)
      seen = {
        ...(op ? { operationId: op.operationId } : {}),
        method,
        path: url,
        query,
        ...(body !== undefined ? { body } : {}),
      }
      for (const w of this.watchers) w(seen)
    }
    const direct = method === 'GET' && body === undefined
      ? await this.direct.get(this.resolve(token), url, query, this.settle)
      : undefined
    if (direct) {
      if (seen) seen.status = direct.statusCode
      return direct
    }
    const res = await this.app.inject({
      method: method as 'GET',
      url,
      query,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    })
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v)
    let parsed: unknown = res.body
    if ((res.headers['content-type'] ?? '').toString().includes('json') && res.body) parsed = JSON.parse(res.body)
    const reply = { statusCode: res.statusCode, headers, body: res.body === '' ? null : parsed }
    if (seen) seen.status = res.statusCode
    return reply
  }
}

/**
 * Turns a flow action's parameters, named as the connector names them (`roomId`, `max`, `body/text`, or a
 * whole `body` object), into the path, query and body of the call.
 */
export function buildRequest (
  op: Operation,
  parameters: Record<string, unknown>
): { url: string; query: Record<string, string>; body: unknown } {
  let url = op.url
  const query: Record<string, string> = {}
  let body: Record<string, unknown> | undefined = op.hasBody && op.method !== 'GET' ? {} : undefined
  for (const [name, value] of Object.entries(parameters)) {
    if (value === undefined || value === null) continue
    if (op.path.includes(name)) {
      url = url.replace(`:${name}`, encodeURIComponent(String(value)))
    } else if (op.query.includes(name)) {
      query[name] = Array.isArray(value) ? value.join(',') : String(value)
    } else if (name === 'body') {
      body = { ...(body ?? {}), ...(value as Record<string, unknown>) }
    } else if (name.startsWith('body/')) {
      body = { ...(body ?? {}), [name.slice(5)]: value }
    }
  }
  return { url, query, body }
}
