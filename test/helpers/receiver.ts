import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  body: any
  raw: string
  headers: http.IncomingHttpHeaders
}
type Respond = (
  req: Received
) =>
  { status: number; headers?: Record<string, string> } | Promise<{ status: number; headers?: Record<string, string> }>

/**
 * A webhook receiver on 127.0.0.1: records every POST, answers with `respond` (200 by default), and lets
 * a test await the n-th delivery instead of sleeping.
 */
export class Receiver {
  /** Accepted deliveries (2xx answers). */
  readonly received: Received[] = []
  /** Every request, accepted or not. */
  readonly attempts: Received[] = []
  respond: Respond = () => ({ status: 200 })
  private server: http.Server | undefined
  private waiters: Array<{ n: number; resolve: () => void }> = []
  port = 0

  get url (): string {
    return `http://127.0.0.1:${this.port}/hook`
  }

  async start (port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', c => chunks.push(c))
      req.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const got: Received = { body: JSON.parse(raw), raw, headers: req.headers }
        this.attempts.push(got)
        const answer = await this.respond(got)
        if (answer.status >= 200 && answer.status < 300) {
          this.received.push(got)
          this.waiters = this.waiters.filter(w => {
            if (this.received.length >= w.n) {
              w.resolve()
              return false
            }
            return true
          })
        }
        res.writeHead(answer.status, answer.headers).end()
      })
    })
    await new Promise<void>(resolve => this.server!.listen(port, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  /** Resolves once `n` deliveries have been accepted in total. */
  count (n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve()
    return new Promise(resolve => this.waiters.push({ n, resolve }))
  }

  async stop (): Promise<void> {
    if (!this.server) return
    this.server.closeAllConnections()
    await new Promise<void>(resolve => this.server!.close(() => resolve()))
    this.server = undefined
  }
}

export async function startReceiver (t: { teardown(fn: () => unknown): void }, port = 0): Promise<Receiver> {
  const r = await new Receiver().start(port)
  t.teardown(() => r.stop())
  return r
}
