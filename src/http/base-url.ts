import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BadRequestError } from '../errors.js'
import { SettingError } from '../config.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** scheme://host[:port][/prefix] without a trailing slash: where absolute URLs of this service point. */
    baseUrl: string
  }
}

/** `host[:port]` as RFC 3986 allows it in an http URL: a DNS-style name, an IPv4 address or a bracketed IPv6. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$/

/** Origins of the Hosts seen lately, by `protocol host`: clients call with the same few, and URL parsing is dear. */
const origins = new Map<string, string | undefined>()
const ORIGINS_MAX = 1000

/** The origin a Host (or, behind a trusted proxy, X-Forwarded-Host) names, or undefined when it names none. */
export function originOf (protocol: string, host: string): string | undefined {
  const key = `${protocol} ${host}`
  const known = origins.get(key)
  if (known !== undefined || origins.has(key)) return known
  const origin = parseOrigin(protocol, host)
  if (origins.size >= ORIGINS_MAX) origins.clear()
  origins.set(key, origin)
  return origin
}

function parseOrigin (protocol: string, host: string): string | undefined {
  if ((protocol !== 'http' && protocol !== 'https') || !HOST.test(host)) return undefined
  try {
    // Refuses what the pattern lets through: a port over 65535, a malformed IPv6 or IPv4 address.
    return new URL(`${protocol}://${host}`).origin
  } catch {
    return undefined
  }
}

/** PUBLIC_URL as a base: refused at start unless it is an http(s) URL without query or fragment. */
export function publicBase (publicUrl: string): string {
  let url: URL | undefined
  try {
    url = new URL(publicUrl)
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new SettingError(`Invalid configuration: PUBLIC_URL ${JSON.stringify(publicUrl)} is not an http(s) base URL.`)
  }
  return (url.origin + url.pathname).replace(/\/+$/, '')
}

/**
 * Every absolute URL the service writes (Link, Location) starts from one base, settled before the route runs:
 * PUBLIC_URL when set, else the Host the client called. A Host that names no origin is refused up front
 * (RFC 9112 §3.2: 400), whether or not PUBLIC_URL is set, so no answer can fail after a write has committed.
 */
export function installBaseUrl (app: FastifyInstance, publicUrl: string | undefined): void {
  const fixed = publicUrl === undefined ? undefined : publicBase(publicUrl)
  app.decorateRequest('baseUrl', '')
  // A hook without a promise: hostBase throws its 400, which Fastify hands to the error handler.
  app.addHook('onRequest', (request, _reply, done) => {
    const base = hostBase(request)
    request.baseUrl = fixed ?? base
    done()
  })
}

function hostBase (request: FastifyRequest): string {
  const host = request.host
  if (host === '') {
    // HTTP/1.1 requires Host (RFC 9112 §3.2); an HTTP/1.0 request without one gets the address it reached.
    if (request.raw.httpVersion !== '1.0') throw new BadRequestError('The Host header is missing.')
    const address = (request.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '')
    const at = address.includes(':') ? `[${address}]` : address
    return originOf(request.protocol, `${at}:${request.socket.localPort}`) ?? 'http://127.0.0.1'
  }
  const origin = originOf(request.protocol, host)
  if (!origin) {
    throw new BadRequestError(`The Host header ${JSON.stringify(host.slice(0, 100))} is not a valid host[:port].`)
  }
  return origin
}

/** An absolute URL of this service for a path (which starts with `/`). */
export function absoluteUrl (request: FastifyRequest, path: string): string {
  return absoluteUrlOf(request.baseUrl, path)
}

/** An absolute URL for a path on a base (a request's `baseUrl`). */
export function absoluteUrlOf (base: string, path: string): string {
  return base + path
}
