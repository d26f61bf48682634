import { Worker } from 'node:worker_threads'
import { DEMO, DEMO_IDS } from '../src/backends/embedded/seed.js'
import { jsonClient, paced, percentile, startServiceProcess } from './child.js'

const RATE = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 1000)
const SECONDS = Number(process.env.BENCH_DURATION ?? 10)
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10)
const DRAIN_MS = 30_000
/** Seconds at half the rate before measuring: JIT, connections and the first checkpoint settle there. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)

interface Receipts {
  url: string
  /** Deliveries of events created from then on count: those `accept` takes, or else those of ids told to `count`. */
  measureFrom: (at: number) => void
  /** An event id whose deliveries count (deliveries may arrive before its id is known). */
  count: (id: string) => void
  /** Resolves true once `expected` deliveries counted, false after the drain timeout. */
  drained: () => Promise<boolean>
  latencies: number[]
  size: () => number
  close: () => Promise<void>
}

/** A receiver thread on loopback and the latency of every delivery it gets, from the event's `created`. */
async function receive (expected: number, accept?: (id: string) => boolean): Promise<Receipts> {
  let from = Infinity
  let size = 0
  const latencies: number[] = []
  const known = new Set<string>()
  const early = new Map<string, number[]>()
  let done!: () => void
  const allIn = new Promise<void>(resolve => {
    done = resolve
  })
  const record = (latency: number): void => {
    latencies.push(latency)
    if (latencies.length >= expected) done()
  }
  const thread = new Worker(new URL('./receiver-thread.boot.mjs', import.meta.url))
  const port = await new Promise<number>(resolve => thread.once('message', (m: { port: number }) => resolve(m.port)))
  thread.on('message', (m: Array<string | number> | { size: number }) => {
    if (!Array.isArray(m)) {
      size = m.size
      return
    }
    for (let i = 0; i < m.length; i += 3) {
      const [id, created, now] = [m[i] as string, m[i + 1] as number, m[i + 2] as number]
      if (created < from) continue
      if (accept) {
        if (accept(id)) record(now - created)
        continue
      }
      if (known.has(id)) {
        record(now - created)
        continue
      }
      const list = early.get(id) ?? []
      list.push(now - created)
      early.set(id, list)
    }
  })
  return {
    url: `http://127.0.0.1:${port}/hook`,
    latencies,
    measureFrom: at => {
      from = at
    },
    count: id => {
      known.add(id)
      for (const l of early.get(id) ?? []) record(l)
      early.delete(id)
    },
    drained: () =>
      Promise.race([
        allIn.then(() => true),
        new Promise<boolean>(resolve => setTimeout(() => resolve(false), DRAIN_MS).unref()),
      ]),
    size: () => size,
    close: async () => {
      await thread.terminate()
    },
  }
}

function report (label: string, latencies: number[], expected: number, drained: boolean): number {
  latencies.sort((a, b) => a - b)
  const p99 = percentile(latencies, 0.99)
  process.stdout.write(
    `  ${label}: delivered ${latencies.length} / expected ${expected}${drained ? '' : ' (drain timed out)'}; ` +
      `change-to-receipt p50 ${percentile(latencies, 0.5)} ms, p99 ${p99} ms, max ${latencies[latencies.length - 1]} ` +
        'ms\n'
  )
  return p99
}

/**
 * 1,000 events/s for 10 s to 10 subscriptions on a loopback receiver: Send a Message at a fixed rate, each
 * message fanned out to 10 webhooks. Latency is the message's `created` to its receipt, per delivery.
 * Then, side by side, the floor: the service's HTTP sender alone in a thread, same rate, lanes, body size and
 * receiver, without API, store or outbox: no outbox can beat it on this machine.
 * `BENCH_DELIVERY=service|floor` runs one of the two (the floor alone pads to `BENCH_ENVELOPE_BYTES`).
 */
export async function benchDelivery (): Promise<void> {
  const which = process.env.BENCH_DELIVERY ?? 'both'
  process.stdout.write(
    `delivery: ${RATE} events/s for ${SECONDS} s after ${WARMUP} s of warm-up to ${SUBSCRIPTIONS} subscriptions\n`
  )
  const service = which === 'floor' ? undefined : await serviceRun()
  if (which === 'service' || !service) {
    if (which === 'floor') await floor(Number(process.env.BENCH_ENVELOPE_BYTES ?? 1199))
    return
  }
  const floorP99 = await floor(service.size)
  process.stdout.write(
    `  service p99 / floor p99: ${(service.p99 / Math.max(1, floorP99)).toFixed(1)}×; target p99 < 50 ms: ` +
      `${service.p99 < 50 ? 'met' : 'MISSED'}` +
      `${floorP99 >= 50 ? ' (the floor itself misses it on this machine)' : ''}\n`
  )
}

/** The service as `npm start` in a child process, measured; its p99 and the size of its envelopes. */
async function serviceRun (): Promise<{ p99: number; size: number }> {
  const expected = RATE * SECONDS * SUBSCRIPTIONS
  const receipts = await receive(expected)
  const service = await startServiceProcess({
    DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_REQUESTS: 'false',
    FLOWS_ENABLED: 'false',
  })
  const client = jsonClient(service.url, DEMO.tokens.alice)
  let failed = 0
  try {
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await client.call('POST', '/v1/webhooks', {
        name: `bench ${i}`,
        targetUrl: receipts.url,
        resource: 'messages',
        event: 'created',
        filter: `roomId=${DEMO_IDS.apollo}`,
      })
    }
    const sends: Array<Promise<void>> = []
    const send = (label: string, measure: boolean): void => {
      sends.push(
        client.call('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: label }).then(
          r => {
            if (r.status !== 200) {
              failed += measure ? 1 : 0
              return
            }
            if (measure) receipts.count((r.body as { id: string }).id)
          },
          () => {
            failed += measure ? 1 : 0
          }
        )
      )
    }
    await paced(WARMUP, RATE / 2, (tick, i) => send(`warmup ${tick}.${i}`, false))
    // Events created from here on are measured; a warm-up message's created precedes it.
    receipts.measureFrom(Date.now())
    const start = await paced(SECONDS, RATE, (tick, i) => send(`event ${tick}.${i}`, true))
    await Promise.all(sends)
    const sentIn = (Date.now() - start) / 1000
    const drained = await receipts.drained()
    const p99 = report(
      `service (Send a Message sent in ${sentIn.toFixed(1)} s, ${failed} failed; envelopes of ${receipts.size()} ` +
        'bytes)',
      receipts.latencies,
      expected - failed * SUBSCRIPTIONS,
      drained
    )
    return { p99, size: receipts.size() }
  } finally {
    client.close()
    await service.stop()
    await receipts.close()
  }
}

/** The sender alone: see floor-thread.ts. */
async function floor (size: number): Promise<number> {
  const expected = RATE * SECONDS * SUBSCRIPTIONS
  const receipts = await receive(expected, id => id.startsWith('measured'))
  receipts.measureFrom(0)
  // The floor's envelope without padding is ~90 bytes; pad it to the service's envelope size.
  const padding = 'x'.repeat(Math.max(0, size - 90))
  const thread = new Worker(new URL('./floor-thread.boot.mjs', import.meta.url), {
    workerData: { target: receipts.url, rate: RATE, seconds: SECONDS, warmup: WARMUP, lanes: SUBSCRIPTIONS, padding },
  })
  try {
    await new Promise<void>(resolve =>
      thread.on('message', (m: { sent?: boolean }) => {
        if (m.sent) resolve()
      })
    )
    return report('floor (HttpSender alone)', receipts.latencies, expected, await receipts.drained())
  } finally {
    await thread.terminate()
    await receipts.close()
  }
}
