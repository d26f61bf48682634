import { authorization, type IdentityEndpoint } from './authentication.js'
import { ActionFailure, type HttpRequest } from './kinds/types.js'
import type { OperationReply } from './operations.js'
import { retryAfterMs } from '../http/retry-after.js'
import { fetch, type Dispatcher, type Response } from 'undici'

export interface OutboundDeps {
  /** undefined when the target is allowed, else why not (the Http target policy). */
  httpRefusal(url: string): string | undefined
  /** The connections policed calls go out on: the target policy applied to every address as it is connected to. */
  dispatcher: Dispatcher
  sleep(ms: number): Promise<void>
  now(): number
  signal: AbortSignal
  identity?: IdentityEndpoint
}

export interface OutboundOptions {
  /** The asynchronous pattern: a 202 with Location is polled until the work is done (off: DisableAsyncPattern). */
  asyncPattern: boolean
  /** runtimeConfiguration.paginationPolicy.minimumItemCount */
  minimumItemCount?: number
  /** runtimeConfiguration.contentTransfer.transferMode Chunked */
  chunked: boolean
  /** x-ms-workflow-* headers, unless SuppressWorkflowHeaders. */
  workflowHeaders?: Record<string, string>
}

// Logic Apps' chunk size for downloads and uploads when the endpoint does not say (x-ms-chunk-size).
const CHUNK = 8 * 1024 * 1024
// How long to wait between polls of a 202 when the endpoint gives no Retry-After.
const POLL_MS = 10_000
const MAX_POLLS = 10_000

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

async function parse (res: Response): Promise<OperationReply> {
  const raw = await res.text()
  let body: unknown = raw === '' ? null : raw
  if ((res.headers.get('content-type') ?? '').includes('json') && raw) {
    try {
      body = JSON.parse(raw)
    } catch {
      /* keep the text */
    }
  }
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body }
}

/**
 * A flow's outbound HTTP call: queries, headers, cookie, authentication, the body (JSON unless text), then the
 * asynchronous pattern, chunked transfer and pagination. Every URL it sends to passes the target policy first.
 */
export async function send (req: HttpRequest, opts: OutboundOptions, deps: OutboundDeps): Promise<OperationReply> {
  let uri: URL
  try {
    uri = new URL(String(req.uri))
  } catch {
    throw new ActionFailure('InvalidUri', `'${String(req.uri)}' is not an absolute http or https URL.`)
  }
  for (const [k, v] of Object.entries((req.queries ?? {}) as Record<string, unknown>)) {
    uri.searchParams.set(k, String(v))
  }
  const headers: Record<string, string> = { ...(opts.workflowHeaders ?? {}) }
  for (const [k, v] of Object.entries((req.headers ?? {}) as Record<string, unknown>)) {
    headers[k.toLowerCase()] = String(v)
  }
  if (req.cookie !== undefined && req.cookie !== null) headers.cookie = String(req.cookie)
  const auth = await authorization(req.authentication, {
    now: deps.now,
    ...(deps.identity ? { identity: deps.identity } : {}),
    fetchToken: async (url, init, policed) => {
      if (policed) police(url, deps)
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        signal: deps.signal,
        ...(policed ? { dispatcher: deps.dispatcher } : {}),
      })
      const r = await parse(res)
      return { status: r.statusCode, body: r.body }
    },
  })
  if (auth) headers.authorization = auth
  const method = String(req.method).toUpperCase()
  const body = req.body === undefined || req.body === null ? undefined : text(req.body)
  if (body !== undefined && typeof req.body !== 'string') headers['content-type'] ??= 'application/json'
  const call = async (
    url: string,
    m: string,
    h: Record<string, string>,
    b?: string | Uint8Array
  ): Promise<Response> => {
    police(url, deps)
    try {
      return await fetch(url, {
        method: m,
        headers: h,
        redirect: 'manual',
        signal: deps.signal,
        dispatcher: deps.dispatcher,
        ...(b !== undefined ? { body: typeof b === 'string' ? b : new Uint8Array(b) } : {}),
      })
    } catch (err) {
      if (deps.signal.aborted) throw err
      throw new ActionFailure(
        'ServiceUnavailable',
        `The request to ${new URL(url).origin} failed: ${(err as Error).message}`,
        undefined,
        undefined,
        true
      )
    }
  }

  let reply: OperationReply
  if (opts.chunked && body !== undefined && method !== 'GET') {
    reply = await upload(uri.toString(), method, headers, body, call)
  } else if (opts.chunked && method === 'GET') reply = await download(uri.toString(), headers, call)
  else reply = await parse(await call(uri.toString(), method, headers, body))

  if (opts.asyncPattern) reply = await poll(reply, uri.toString(), headers, call, deps)
  if (opts.minimumItemCount !== undefined && reply.statusCode < 300) {
    reply = await paginate(reply, opts.minimumItemCount, headers, call)
  }
  return reply
}

function police (url: string, deps: OutboundDeps): void {
  const refusal = deps.httpRefusal(url)
  if (refusal) throw new ActionFailure('HttpTargetNotAllowed', refusal)
}

type Call = (
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string | Uint8Array
) => Promise<Response>

/** 202 + Location: GET the location (after Retry-After) until the answer is no longer 202. */
async function poll (
  first: OperationReply,
  base: string,
  headers: Record<string, string>,
  call: Call,
  deps: OutboundDeps
): Promise<OperationReply> {
  let reply = first
  for (let n = 0; reply.statusCode === 202 && reply.headers.location && n < MAX_POLLS; n++) {
    const location = new URL(reply.headers.location, base).toString()
    base = location
    await deps.sleep(retryAfterMs(reply.headers['retry-after'], deps.now()) ?? POLL_MS)
    const { 'content-type': _ct, ...h } = headers
    reply = await parse(await call(location, 'GET', h))
  }
  return reply
}

/** Chunked download: Range requests until Content-Range says the whole content is in. */
async function download (url: string, headers: Record<string, string>, call: Call): Promise<OperationReply> {
  let res = await call(url, 'GET', { ...headers, range: `bytes=0-${CHUNK - 1}` })
  if (res.status !== 206) return parse(res)
  const parts: Buffer[] = []
  let last: Response = res
  for (;;) {
    parts.push(Buffer.from(await res.arrayBuffer()))
    const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get('content-range') ?? '')
    if (!m) break
    const end = Number(m[2])
    const total = m[3] === '*' ? Infinity : Number(m[3])
    if (end + 1 >= total) break
    res = await call(url, 'GET', { ...headers, range: `bytes=${end + 1}-${end + CHUNK}` })
    last = res
    if (res.status !== 206) return parse(res)
  }
  const all = Buffer.concat(parts)
  const h = Object.fromEntries(last.headers)
  delete h['content-range']
  const type = h['content-type'] ?? ''
  let body: unknown = all.toString('utf8')
  if (type.includes('json')) {
    try {
      body = JSON.parse(body as string)
    } catch {
      /* keep the text */
    }
  }
  return { statusCode: 200, headers: { ...h, 'content-length': String(all.length) }, body }
}

/** Chunked upload (Logic Apps' protocol): an empty request announcing the length, then PATCHes to Location. */
async function upload (
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string,
  call: Call
): Promise<OperationReply> {
  const content = Buffer.from(body)
  const start = await call(url, method, {
    ...headers,
    'x-ms-transfer-mode': 'chunked',
    'x-ms-content-length': String(content.length),
  })
  const location = start.headers.get('location')
  if (start.status !== 200 || !location) return parse(start)
  await start.arrayBuffer()
  const size = Number(start.headers.get('x-ms-chunk-size')) || CHUNK
  const target = new URL(location, url).toString()
  let reply: OperationReply | undefined
  for (let from = 0; from < content.length; from += size) {
    const chunk = content.subarray(from, Math.min(content.length, from + size))
    const res = await call(
      target,
      'PATCH',
      {
        ...(headers['content-type'] ? { 'content-type': headers['content-type'] } : {}),
        ...(headers.authorization ? { authorization: headers.authorization } : {}),
        'content-range': `bytes ${from}-${from + chunk.length - 1}/${content.length}`,
        'x-ms-content-length': String(content.length),
      },
      chunk
    )
    reply = await parse(res)
    if (res.status >= 300) return reply
  }
  return reply ?? await parse(start)
}

/** paginationPolicy: follow nextLink / @odata.nextLink in the body, or Link rel="next", merging the value arrays. */
async function paginate (
  first: OperationReply,
  min: number,
  headers: Record<string, string>,
  call: Call
): Promise<OperationReply> {
  const listOf = (b: unknown): { key: string; items: unknown[] } | undefined => {
    const o = (b ?? {}) as Record<string, unknown>
    for (const key of ['value', 'items']) if (Array.isArray(o[key])) return { key, items: o[key] as unknown[] }
    return undefined
  }
  const nextOf = (r: OperationReply): string | undefined => {
    const o = (r.body ?? {}) as Record<string, unknown>
    const n = o.nextLink ?? o['@odata.nextLink']
    return typeof n === 'string' ? n : /<([^>]+)>;\s*rel="next"/.exec(r.headers.link ?? '')?.[1]
  }
  const list = listOf(first.body)
  if (!list) return first
  const items = [...list.items]
  let next = nextOf(first)
  const { 'content-type': _ct, ...h } = headers
  while (next && items.length < min) {
    const page = await parse(await call(next, 'GET', h))
    if (page.statusCode >= 300) return page
    items.push(...(listOf(page.body)?.items ?? []))
    next = nextOf(page)
  }
  const { nextLink: _n, '@odata.nextLink': _o, ...rest } = first.body as Record<string, unknown>
  return { ...first, body: { ...rest, [list.key]: items } }
}
