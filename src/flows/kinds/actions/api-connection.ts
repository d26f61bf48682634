import { Type } from '@sinclair/typebox'
import { buildRequest, type Operation } from '../../operations.js'
import { ActionFailure, defineAction, type Compiler } from '../types.js'
import { inputsOf, replyOutcome } from './shared.js'

const ptr = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1')

function operation (path: string, inputs: Record<string, unknown>, c: Compiler): Operation | undefined {
  const host = (inputs.host ?? {}) as { operationId?: unknown }
  if (typeof host.operationId !== 'string' || !host.operationId) {
    if (typeof inputs.method !== 'string' || typeof inputs.path !== 'string') {
      c.problem(`${path}/host`, 'name the connector operation (host.operationId) or give method and path')
    }
    return undefined
  }
  const op = c.catalog.get(host.operationId)
  if (!op) {
    c.problem(`${path}/host/operationId`, `'${host.operationId}' is not an operation of the connector`)
    return undefined
  }
  const params = (inputs.parameters ?? {}) as Record<string, unknown>
  if (typeof params !== 'object' || Array.isArray(params)) {
    c.problem(`${path}/parameters`, 'must be an object')
    return op
  }
  for (const name of Object.keys(params)) {
    const known =
      op.path.includes(name) ||
      op.query.includes(name) ||
      (op.hasBody && (name === 'body' || (name.startsWith('body/') && op.body.includes(name.slice(5)))))
    if (!known) {
      const all = [...op.path, ...op.query, ...op.body.map(b => `body/${b}`)]
      c.problem(
        `${path}/parameters/${ptr(name)}`,
        `${op.operationId} has no parameter '${name}' (it has: ${all.join(', ') || 'none'})`
      )
    }
  }
  for (const req of op.required) {
    if (req.startsWith('body/') && 'body' in params) continue
    if (!(req in params)) c.problem(`${path}/parameters`, `${op.operationId} needs the parameter '${req}'`)
  }
  return op
}

/**
 * ApiConnection / OpenApiConnection: one of this connector's operations, by operationId with its parameters, or
 * by method and path. It runs in-process with the flow owner's identity; paginationPolicy follows `Link`.
 */
export const apiConnection = defineAction<{ operation?: Operation }>({
  type: 'ApiConnection',
  aliases: ['OpenApiConnection'],
  inputs: inputsOf(
    {
      host: Type.Object({
        connection: Type.Optional(Type.Unknown()),
        connectionName: Type.Optional(Type.String()),
        apiId: Type.Optional(Type.String()),
        operationId: Type.Optional(Type.String()),
      }),
      parameters: Type.Unknown(),
      method: Type.Unknown(),
      path: Type.Unknown(),
      queries: Type.Unknown(),
      body: Type.Unknown(),
      retryPolicy: Type.Unknown(),
    },
    ['host']
  ),
  inputsRequired: true,
  retries: true,
  // A read (GET, its pages too) changes nothing; any other method may.
  pure: (data, inputs) =>
    (data.operation?.method ?? String((inputs as { method?: unknown } | undefined)?.method ?? '')).toUpperCase() ===
    'GET',
  runtime: ['paginationPolicy'],
  operationOptions: ['DisableAsyncPattern'],
  // The connection reference is the designer's business: never evaluated here.
  evaluated: ({ host: _host, retryPolicy: _retry, ...rest }) => rest,
  compile: (a, c, path) => {
    const op = operation(`${path}/inputs`, a.inputs as Record<string, unknown>, c)
    return op ? { operation: op } : {}
  },
  run: async ({ step, data, inputs, run }) => {
    const i = inputs as Record<string, unknown>
    let method: string
    let url: string
    let query: Record<string, string>
    let body: unknown
    if (data.operation) {
      ;({ url, query, body } = buildRequest(data.operation, (i.parameters ?? {}) as Record<string, unknown>))
      method = data.operation.method
    } else {
      method = String(i.method).toUpperCase()
      url = String(i.path)
      if (!url.startsWith('/v1/')) {
        throw new ActionFailure(
          'InvalidPath',
          `An ApiConnection path must be one of this connector's (/v1/...), not '${url}'.`
        )
      }
      query = Object.fromEntries(
        Object.entries((i.queries ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])
      )
      body = i.body
    }
    let reply = await run.call(method, url, query, body)
    // paginationPolicy: follow rel="next" until at least minimumItemCount items are in (Webex lists are { items }).
    const min = step.minimumItemCount
    if (min !== undefined && reply.statusCode < 300) {
      const items = [...(((reply.body as { items?: unknown[] } | null)?.items ?? []) as unknown[])]
      let next = /<([^>]+)>;\s*rel="next"/.exec(reply.headers.link ?? '')?.[1]
      while (next && items.length < min) {
        const u = new URL(next)
        const page = await run.call('GET', u.pathname, Object.fromEntries(u.searchParams), undefined)
        if (page.statusCode >= 300) {
          reply = page
          break
        }
        items.push(...(((page.body as { items?: unknown[] } | null)?.items ?? []) as unknown[]))
        next = /<([^>]+)>;\s*rel="next"/.exec(page.headers.link ?? '')?.[1]
      }
      if (reply.statusCode < 300) {
        const { link: _link, ...headers } = reply.headers
        reply = { statusCode: reply.statusCode, headers, body: { ...(reply.body as object), items } }
      }
    }
    return replyOutcome(reply, run.now())
  },
})
