import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEMO, DEMO_IDS } from '../src/backends/embedded/seed.js'
import { percentile, startServiceProcess } from './child.js'

const RATE = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 1000)
const SECONDS = Number(process.env.BENCH_DURATION ?? 10)
const SUBSCRIPTIONS = 10
const DRAIN_MS = 30_000

/**
 * 1,000 events/s for 10 s to 10 subscriptions on a loopback receiver: Send a Message at a fixed rate, each
 * message fanned out to 10 webhooks. Latency is the message's `created` to its receipt, per delivery.
 */
export async function benchDelivery (): Promise<void> {
  const latencies: number[] = []
  let done!: () => void
  const allIn = new Promise<void>(resolve => { done = resolve })
  const expected = RATE * SECONDS * SUBSCRIPTIONS
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const now = Date.now()
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { created: string } }
      latencies.push(now - Date.parse(body.data.created))
      res.writeHead(200).end()
      if (latencies.length === expected) done()
    })
  })
  await new Promise<void>(resolve => receiver.listen(0, '127.0.0.1', resolve))
  const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  const service = await startServiceProcess({ DELIVERY_ALLOW_PRIVATE_TARGETS: 'true', LOG_REQUESTS: 'false' })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const post = (path: string, body: unknown): Promise<number> => new Promise((resolve, reject) => {
    const payload = JSON.stringify(body)
    const req = http.request(service.url + path, {
      method: 'POST', agent,
      headers: { authorization: `Bearer ${DEMO.tokens.alice}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
    }, res => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
    req.on('error', reject)
    req.end(payload)
  })
  try {
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await post('/v1/webhooks', { name: `bench ${i}`, targetUrl: target, resource: 'messages', event: 'created', filter: `roomId=${DEMO_IDS.apollo}` })
    }
    let failed = 0
    const sends: Array<Promise<void>> = []
    const start = Date.now()
    const perTick = RATE / 100
    for (let tick = 0; tick < SECONDS * 100; tick++) {
      // Pace to wall-clock ticks of 10 ms so a slow tick does not shift the whole schedule.
      const wait = start + tick * 10 - Date.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      for (let i = 0; i < perTick; i++) {
        sends.push(post('/v1/messages', { roomId: DEMO_IDS.apollo, text: `event ${tick}.${i}` }).then(s => { if (s !== 200) failed++ }, () => { failed++ }))
      }
    }
    await Promise.all(sends)
    const sentIn = (Date.now() - start) / 1000
    const drained = await Promise.race([allIn.then(() => true), new Promise<boolean>(resolve => setTimeout(() => resolve(false), DRAIN_MS).unref())])
    latencies.sort((a, b) => a - b)
    const p99 = percentile(latencies, 0.99)
    process.stdout.write(`delivery: ${RATE} events/s for ${SECONDS} s (sent in ${sentIn.toFixed(1)} s, ${failed} failed sends) to ${SUBSCRIPTIONS} subscriptions\n` +
      `  delivered ${latencies.length} / expected ${expected - failed * SUBSCRIPTIONS}${drained ? '' : ' (drain timed out)'}\n` +
      `  change-to-receipt latency: p50 ${percentile(latencies, 0.5)} ms, p99 ${p99} ms, max ${latencies[latencies.length - 1]} ms` +
      ` (target p99 < 50 ms: ${p99 < 50 ? 'met' : 'MISSED'})\n`)
  } finally {
    service.stop()
    agent.destroy()
    receiver.closeAllConnections()
    receiver.close()
  }
}
