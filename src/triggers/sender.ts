import { Agent } from 'undici'
import { guardedConnector, TARGET_REFUSED } from '../http/target-policy.js'
import { retryAfterMs } from '../http/retry-after.js'

export type SendResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; status?: number; error: string; retryAfterMs?: number; throttled?: boolean }
  | { outcome: 'reject'; status: number; error: string }
  /** The target policy refused the address: dead at once, and not the receiver's failure (no inactivity). */
  | { outcome: 'refused'; error: string }

export interface SenderOptions {
  timeoutMs: number
  allowPrivateTargets: boolean
}

/**
 * POSTs deliveries over keep-alive connections (undici: several times cheaper per request than node:http,
 * which matters at thousands of deliveries a second). Every connection goes through the target policy
 * (http/target-policy.ts): literal addresses and every address a name resolves to, unless allowed.
 */
export class HttpSender {
  private readonly agent: Agent
  /** Targets parsed once: every delivery of a subscription goes to the same URL. */
  private readonly targets = new Map<string, { origin: string; path: string }>()

  constructor (opts: SenderOptions) {
    this.agent = new Agent({
      connect: guardedConnector({ allowPrivate: opts.allowPrivateTargets }, opts.timeoutMs),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 30_000,
    })
  }

  async post (target: string, body: string, headers: Record<string, string>, now: number): Promise<SendResult> {
    let url = this.targets.get(target)
    if (!url) {
      const parsed = new URL(target)
      url = { origin: parsed.origin, path: parsed.pathname + parsed.search }
      if (this.targets.size >= 10_000) this.targets.clear()
      this.targets.set(target, url)
    }
    let status: number
    let retryAfter: string | string[] | undefined
    try {
      const res = await this.agent.request({
        origin: url.origin,
        path: url.path,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      })
      status = res.statusCode
      retryAfter = res.headers['retry-after']
      await res.body.dump()
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.code === TARGET_REFUSED) return { outcome: 'refused', error: `${e.code}: ${e.message}` }
      return { outcome: 'retry', error: `${e.code ?? 'ERROR'}: ${e.message}` }
    }
    if (status >= 200 && status < 300) return { outcome: 'delivered', status }
    if (status === 429) {
      const wait = retryAfterMs(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, now)
      return {
        outcome: 'retry',
        status,
        error: 'The receiver asked to slow down (429).',
        throttled: true,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      }
    }
    if (status >= 500 || status === 408) {
      return { outcome: 'retry', status, error: `The receiver answered ${status}.` }
    }
    return { outcome: 'reject', status, error: `The receiver refused the delivery with ${status}.` }
  }

  async close (): Promise<void> {
    await this.agent.destroy()
  }
}
