import type { FastifyReply, FastifyRequest } from 'fastify'
import { absoluteUrlOf } from './base-url.js'

/** Webex's page sizes: a default and a ceiling; a larger `max` is clamped, never rejected. */
export interface PageLimits {
  default: number
  limit: number
}
export const LIMITS = {
  rooms: { default: 100, limit: 1000 },
  messages: { default: 50, limit: 1000 },
  mentionedMessages: { default: 100, limit: 1000 },
  people: { default: 100, limit: 1000 },
  memberships: { default: 100, limit: 1000 },
  teams: { default: 100, limit: 1000 },
  webhooks: { default: 100, limit: 1000 },
  events: { default: 100, limit: 1000 },
} satisfies Record<string, PageLimits>

export function pageSize (max: number | undefined, limits: PageLimits): number {
  return Math.min(max ?? limits.default, limits.limit)
}

/**
 * Sets the single `Link: <url>; rel="next"` header Webex clients parse. The URL is absolute, on the service's
 * base (PUBLIC_URL, else the validated Host the client called), and carries every original query parameter plus
 * the cursor.
 */
export function linkNext (request: FastifyRequest, reply: FastifyReply, cursor: string | undefined): void {
  if (cursor === undefined) return
  reply.header('link', `<${nextPageUrl(request.baseUrl, request.url, cursor)}>; rel="next"`)
}

// Characters URL parsing and URLSearchParams serialization leave as they are: a path and query of only these
// come out of `new URL` byte for byte, so the next page's URL is spliced without parsing (every list page).
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_-]+)+\/?$/
const PLAIN_PAIRS = /^[A-Za-z0-9*._-]+=[A-Za-z0-9*._-]*(?:&[A-Za-z0-9*._-]+=[A-Za-z0-9*._-]*)*$/
const PLAIN_VALUE = /^[A-Za-z0-9*._-]*$/

/**
 * `base + url` with its `cursor` parameter set to `cursor`, as `URL.searchParams.set` writes it: the first
 * `cursor` takes the value and later ones go, or it is appended; other parameters keep their order.
 */
export function nextPageUrl (base: string, url: string, cursor: string): string {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const query = q < 0 ? '' : url.slice(q + 1)
  if (PLAIN_PATH.test(path) && PLAIN_VALUE.test(cursor) && (q < 0 || PLAIN_PAIRS.test(query))) {
    const pairs: string[] = []
    let set = false
    for (const pair of query === '' ? [] : query.split('&')) {
      if (!pair.startsWith('cursor=')) pairs.push(pair)
      else if (!set) {
        pairs.push(`cursor=${cursor}`)
        set = true
      }
    }
    if (!set) pairs.push(`cursor=${cursor}`)
    return `${base}${path}?${pairs.join('&')}`
  }
  const next = new URL(absoluteUrlOf(base, url))
  next.searchParams.set('cursor', cursor)
  return next.toString()
}

/** A list reply: the Link header for the next page, and the body `{items}`. */
export function pageReply<T> (
  request: FastifyRequest,
  reply: FastifyReply,
  page: { items: T[]; cursor?: string }
): { items: T[] } {
  linkNext(request, reply, page.cursor)
  return { items: page.items }
}
