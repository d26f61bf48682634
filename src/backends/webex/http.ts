import PQueue from 'p-queue'
import { Agent, FormData, type Dispatcher } from 'undici'
import { WebexError } from '../../errors.js'
import { SlidingWindowLimiter } from '../../throttle/sliding-window.js'
import { retryAfterMs } from '../../http/retry-after.js'

export interface WebexHttpOptions {
  baseUrl: string
  /** Outbound budget per token: at most `rateLimit` calls in any sliding `rateWindowMs`. */
  rateLimit: number
  rateWindowMs: number
  /** Calls in flight per token. */
  concurrency: number
  timeoutMs: number
  /** Retries of idempotent calls on 502/503/504 and connection errors; 429 is retried for every call. */
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
  clock?: () => number
  /** How to wait; tests pass one that moves a manual clock instead of sleeping. */
  sleep?: (ms: number) => Promise<void>
}

export interface Answer {
  status: number
  body: unknown
  link?: string
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE', 'HEAD'])
const RETRYABLE = new Set([502, 503, 504])

/**
 * The Webex REST API over HTTP for one service: a p-queue per token (its concurrency and order), an exact
 * sliding-window budget per token in front of every call, Retry-After honoured on 429, capped exponential
 * backoff for idempotent calls on 5xx and connection errors. Failures come back as WebexError in the Webex
 * shape, carrying upstream's trackingId; nothing here throws anything else.
 */
export class WebexHttp {
  private readonly queues = new Map<string, PQueue>()
  private readonly limiter: SlidingWindowLimiter
  private readonly agent: Agent
  private readonly clock: () => number
  private readonly sleep: (ms: number) => Promise<void>

  constructor (private readonly opts: WebexHttpOptions) {
    this.clock = opts.clock ?? Date.now
    this.sleep = opts.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
    this.limiter = new SlidingWindowLimiter(opts.rateLimit, opts.rateWindowMs, this.clock)
    this.agent = new Agent({
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: opts.timeoutMs },
      keepAliveTimeout: 30_000,
    })
  }

  /** A URL on the upstream API, or an error if `url` points anywhere else (a cursor must not reach other hosts). */
  upstream (pathOrUrl: string): string {
    const url = new URL(pathOrUrl, this.opts.baseUrl)
    const base = new URL(this.opts.baseUrl)
    if (url.origin !== base.origin) {
      throw new WebexError(400, 'The cursor is not valid: follow the Link header as given.')
    }
    return url.toString()
  }

  /**
   * A call whose answer is streamed back as it comes (file contents): the budget and order apply, retries do
   * not (a body cannot be replayed to the caller). A non-2xx answer becomes the Webex error as usual.
   */
  raw (token: string, method: string, pathOrUrl: string): Promise<Dispatcher.ResponseData> {
    let queue = this.queues.get(token)
    if (!queue) {
      queue = new PQueue({ concurrency: this.opts.concurrency })
      this.queues.set(token, queue)
    }
    const url = this.upstream(pathOrUrl)
    return queue.add(async () => {
      await this.budget(token)
      let res: Dispatcher.ResponseData
      try {
        res = await this.agent.request({
          origin: new URL(url).origin,
          path: url.slice(new URL(url).origin.length),
          method: method as Dispatcher.HttpMethod,
          headers: { authorization: `Bearer ${token}` },
        })
      } catch (err) {
        const e = err as NodeJS.ErrnoException
        throw new WebexError(502, `Webex could not be reached (${e.code ?? e.message}).`)
      }
      if (res.statusCode >= 400) {
        const text = await res.body.text()
        let parsed: unknown
        try {
          parsed = text ? JSON.parse(text) : undefined
        } catch {
          parsed = undefined
        }
        throw upstreamError(res.statusCode, parsed, res.headers)
      }
      return res
    }) as Promise<Dispatcher.ResponseData>
  }

  call (token: string, method: string, pathOrUrl: string, body?: unknown): Promise<Answer> {
    let queue = this.queues.get(token)
    if (!queue) {
      queue = new PQueue({ concurrency: this.opts.concurrency })
      this.queues.set(token, queue)
    }
    return queue.add(() => this.attempt(token, method, this.upstream(pathOrUrl), body, 0)) as Promise<Answer>
  }

  private async budget (token: string): Promise<void> {
    for (;;) {
      const d = this.limiter.take(token)
      if (d.allowed) return
      await this.sleep(d.retryAfterMs)
    }
  }

  private backoff (retry: number): number {
    return Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** retry)
  }

  private async attempt (token: string, method: string, url: string, body: unknown, retry: number): Promise<Answer> {
    await this.budget(token)
    let status: number
    let text: string
    let headers: Record<string, string | string[] | undefined>
    try {
      const res = await this.agent.request({
        origin: new URL(url).origin,
        path: url.slice(new URL(url).origin.length),
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          // A FormData body (a file upload) brings its own multipart content type and boundary.
          ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
        },
        ...(body instanceof FormData ? { body } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      status = res.statusCode
      headers = res.headers
      text = await res.body.text()
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (IDEMPOTENT.has(method) && retry < this.opts.maxRetries) {
        await this.sleep(this.backoff(retry))
        return this.attempt(token, method, url, body, retry + 1)
      }
      const timedOut = /timeout/i.test(e.code ?? '') || /timeout/i.test(e.message)
      throw new WebexError(
        timedOut ? 504 : 502,
        timedOut ? 'Webex did not answer in time.' : `Webex could not be reached (${e.code ?? e.message}).`
      )
    }
    if (status === 429 && retry < this.opts.maxRetries) {
      const header = headers['retry-after']
      // Webex clients wait 15 s when a 429 gives no Retry-After.
      await this.sleep(retryAfterMs(Array.isArray(header) ? header[0] : header, this.clock()) ?? 15_000)
      return this.attempt(token, method, url, body, retry + 1)
    }
    if (RETRYABLE.has(status) && IDEMPOTENT.has(method) && retry < this.opts.maxRetries) {
      await this.sleep(this.backoff(retry))
      return this.attempt(token, method, url, body, retry + 1)
    }
    let parsed: unknown
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new WebexError(502, 'Webex answered with something that is not JSON.')
      }
    }
    if (status >= 400) throw upstreamError(status, parsed, headers)
    const link = headers.link
    const next = /<([^>]+)>;\s*rel="next"/.exec(Array.isArray(link) ? link.join(',') : (link ?? ''))?.[1]
    return { status, body: parsed, ...(next ? { link: next } : {}) }
  }

  async close (): Promise<void> {
    await this.agent.close()
  }
}

function upstreamError (
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined>
): WebexError {
  const b = (body ?? {}) as { message?: unknown; errors?: Array<{ description?: unknown }>; trackingId?: unknown }
  const message = typeof b.message === 'string' ? b.message : `Webex answered ${status}.`
  const descriptions = Array.isArray(b.errors) ? b.errors.map(e => String(e?.description ?? message)) : [message]
  const tracking =
    typeof b.trackingId === 'string'
      ? b.trackingId
      : typeof headers.trackingid === 'string'
        ? headers.trackingid
        : undefined
  const retryAfter = headers['retry-after']
  return new WebexError(
    status,
    message,
    descriptions.length > 0 ? descriptions : [message],
    typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {},
    tracking
  )
}
