import type { FastifyReply, FastifyRequest } from 'fastify'
import { absoluteUrl } from './base-url.js'

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
  const url = new URL(absoluteUrl(request, request.url))
  url.searchParams.set('cursor', cursor)
  reply.header('link', `<${url.toString()}>; rel="next"`)
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
