import http from 'node:http'
import https from 'node:https'
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { isPrivateAddress } from './url-policy.js'

export type SendResult =
  | { outcome: 'delivered', status: number }
  | { outcome: 'retry', status?: number, error: string, retryAfterMs?: number, throttled?: boolean }
  | { outcome: 'reject', status: number, error: string }

export interface SenderOptions { timeoutMs: number, allowPrivateTargets: boolean }

/** Parses Retry-After: delay-seconds or an HTTP date. */
export function retryAfterMs (header: string | undefined, now: number): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * POSTs deliveries over keep-alive connections. Host names are resolved through a lookup that refuses
 * private and loopback addresses (unless allowed), so a public name cannot be pointed at an inside host.
 */
export class HttpSender {
  private readonly agents: { http: http.Agent, https: https.Agent }
  private readonly lookup: LookupFunction

  constructor (private readonly opts: SenderOptions) {
    this.lookup = (hostname, options, callback) => {
      dnsLookup(hostname, options, (err, address: string | LookupAddress[], family?: number) => {
        const addresses = Array.isArray(address) ? address.map(a => a.address) : [address]
        if (!err && !opts.allowPrivateTargets && addresses.some(isPrivateAddress)) {
          const refused = Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' })
          callback(refused, address as string, family)
          return
        }
        callback(err, address as string, family)
      })
    }
    const agentOptions = { keepAlive: true, maxSockets: 64, lookup: this.lookup }
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) }
  }

  post (target: string, body: string, headers: Record<string, string>, now: number): Promise<SendResult> {
    const url = new URL(target)
    const mod = url.protocol === 'https:' ? https : http
    return new Promise(resolve => {
      const req = mod.request(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.agents.https : this.agents.http,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }
      }, res => {
        res.resume()
        res.once('end', () => {
          const status = res.statusCode ?? 0
          if (status >= 200 && status < 300) return resolve({ outcome: 'delivered', status })
          const header = res.headers['retry-after']
          if (status === 429) {
            const wait = retryAfterMs(Array.isArray(header) ? header[0] : header, now)
            return resolve({ outcome: 'retry', status, error: 'The receiver asked to slow down (429).', throttled: true, ...(wait !== undefined ? { retryAfterMs: wait } : {}) })
          }
          if (status >= 500 || status === 408) return resolve({ outcome: 'retry', status, error: `The receiver answered ${status}.` })
          resolve({ outcome: 'reject', status, error: `The receiver refused the delivery with ${status}.` })
        })
        res.once('error', err => resolve({ outcome: 'retry', error: `Reading the response failed: ${err.message}` }))
      })
      req.setTimeout(this.opts.timeoutMs, () => req.destroy(Object.assign(new Error(`No answer within ${this.opts.timeoutMs} ms.`), { code: 'ETIMEDOUT' })))
      req.once('error', (err: NodeJS.ErrnoException) => resolve({ outcome: 'retry', error: `${err.code ?? 'ERROR'}: ${err.message}` }))
      req.end(body)
    })
  }

  close (): void {
    this.agents.http.destroy()
    this.agents.https.destroy()
  }
}
