import { Worker } from 'node:worker_threads'
import { DEMO, DEMO_IDS } from '../src/backends/embedded/seed.js'
import { jsonClient, paced, percentile, startServiceProcess } from './child.js'

const RATE = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 1000)
const SECONDS = Number(process.env.BENCH_DURATION ?? 10)
const SUBSCRIPTIONS = 10
const DRAIN_MS = 30_000
/** Seconds at half the rate before measuring: JIT, connections and the first checkpoint settle there. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)

/**
 * 1,000 events/s for 10 s to 10 subscriptions on a loopback receiver: Send a Message at a fixed rate, each
 * message fanned out to 10 webhooks. Latency is the message's `created` to its receipt, per delivery.
 */
export async function benchDelivery (): Promise<void> {
  let measureFrom = Infinity
  const latencies: number[] = []
  const trace: Array<[number, number]> = []
  let done!: () => void
  const allIn = new Promise<void>(resolve => { done = resolve })
  const expected = RATE * SECONDS * SUBSCRIPTIONS
  const receiver = new Worker(new URL('./receiver-thread.boot.mjs', import.meta.url))
  const target = await new Promise<string>(resolve => receiver.once('message', (m: { port: number }) => resolve(`http://127.0.0.1:${m.port}/hook`)))
  // Only deliveries of the measured messages count (a warm-up message in flight may be created later).
  const measured = new Set<string>()
  const early = new Map<string, Array<[number, number]>>()
  const record = (created: number, now: number): void => {
    latencies.push(now - created)
    if (process.env.BENCH_TRACE) trace.push([created, now - created])
    if (latencies.length >= expected) done()
  }
  receiver.on('message', (triples: Array<string | number>) => {
    for (let i = 0; i < triples.length; i += 3) {
      const [id, created, now] = [triples[i] as string, triples[i + 1] as number, triples[i + 2] as number]
      if (created < measureFrom) continue
      // A delivery can arrive before the POST that caused it has answered: keep it until we know the id.
      if (!measured.has(id)) { const list = early.get(id) ?? []; list.push([created, now]); early.set(id, list); continue }
      record(created, now)
    }
  })
  const service = await startServiceProcess({ DELIVERY_ALLOW_PRIVATE_TARGETS: 'true', LOG_REQUESTS: 'false', FLOWS_ENABLED: 'false' })
  const client = jsonClient(service.url, DEMO.tokens.alice)
  const post = async (path: string, body: unknown): Promise<{ status: number, id: string }> => {
    const r = await client.call('POST', path, body)
    return { status: r.status, id: (r.body as { id?: string } | undefined)?.id ?? '' }
  }
  try {
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await post('/v1/webhooks', { name: `bench ${i}`, targetUrl: target, resource: 'messages', event: 'created', filter: `roomId=${DEMO_IDS.apollo}` })
    }
    let failed = 0
    const sends: Array<Promise<void>> = []
    const send = (label: string, measure: boolean): void => {
      sends.push(post('/v1/messages', { roomId: DEMO_IDS.apollo, text: label }).then(r => {
        if (r.status !== 200) { failed++; return }
        if (!measure) return
        measured.add(r.id)
        for (const [created, now] of early.get(r.id) ?? []) record(created, now)
        early.delete(r.id)
      }, () => { failed++ }))
    }
    await paced(WARMUP, RATE / 2, (tick, i) => send(`warmup ${tick}.${i}`, false))
    // Events created from here on are measured; a warm-up message's created precedes it.
    measureFrom = Date.now()
    const warmupFailed = failed
    failed = 0
    const start = await paced(SECONDS, RATE, (tick, i) => send(`event ${tick}.${i}`, true))
    void warmupFailed
    await Promise.all(sends)
    const sentIn = (Date.now() - start) / 1000
    const drained = await Promise.race([allIn.then(() => true), new Promise<boolean>(resolve => setTimeout(() => resolve(false), DRAIN_MS).unref())])
    if (process.env.BENCH_TRACE) {
      const bySecond = new Map<number, number>()
      for (const [at, l] of trace) bySecond.set(Math.floor((at - start) / 500), Math.max(bySecond.get(Math.floor((at - start) / 500)) ?? 0, l))
      process.stdout.write(`  worst latency per 0.5 s: ${[...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k / 2}s:${v}`).join(' ')}\n`)
    }
    latencies.sort((a, b) => a - b)
    const p99 = percentile(latencies, 0.99)
    process.stdout.write(`delivery: ${RATE} events/s for ${SECONDS} s after ${WARMUP} s of warm-up (sent in ${sentIn.toFixed(1)} s, ${failed} failed sends) to ${SUBSCRIPTIONS} subscriptions\n` +
      `  delivered ${latencies.length} / expected ${expected - failed * SUBSCRIPTIONS}${drained ? '' : ' (drain timed out)'}\n` +
      `  change-to-receipt latency: p50 ${percentile(latencies, 0.5)} ms, p99 ${p99} ms, max ${latencies[latencies.length - 1]} ms` +
      ` (target p99 < 50 ms: ${p99 < 50 ? 'met' : 'MISSED'})\n`)
  } finally {
    service.stop()
    client.close()
    await receiver.terminate()
  }
}
