import { Worker } from 'node:worker_threads'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { compiled, jsonClient, paced, percentile, startServiceProcess } from './child.js'
import { benchPostgresUrl, startPostgresInstances } from './cluster.js'

const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10)
/** Measured seconds of one probe: short, so a whole search of both sides takes a few minutes. */
const SECONDS = Number(process.env.BENCH_DURATION ?? 3)
/** Seconds at half the rate before measuring: JIT, connections and the first checkpoint settle there. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1)
/** Seconds at half the first rate once the service is up, before the first probe: its JIT warms there. */
const INITIAL_WARMUP = 3
/** The search's first rate (events/s); it doubles from there until a probe fails, then bisects. */
const START_RATE = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 250)
const MAX_RATE = 32_000
/** The bisection stops when the failing rate is within this fraction above the passing one. */
const RESOLUTION = 0.1
const TARGET_P99_MS = 50
const GOAL_RATIO = 0.8
/** A probe's drain ends when every expected delivery is in, when nothing arrived for QUIET_MS, or at DRAIN_MS. */
const QUIET_MS = 3000
const DRAIN_MS = 10_000
/**
 * How long a probe waits at most for what earlier probes left in flight: a store slower than the load (PostgreSQL
 * past its knee) leaves a backlog that would otherwise arrive during the next probes, behind their events.
 */
const BACKLOG_MS = 120_000
/** Waited after the last expected delivery, so a duplicate close behind it is still counted. */
const GRACE_MS = 500

interface Outcome {
  expected: number
  /** Distinct (event, subscription) pairs of measured events received. */
  received: number
  /** Receipts beyond the first of a measured pair. */
  duplicates: number
  /** Expected pairs not received by the end of the drain. */
  missing: number
  /** Receipts of events neither measured nor warm-up, or for a subscription that is not the bench's. */
  stray: number
  p50: number
  /** Over every expected delivery, a missing one counting as infinitely late. */
  p99: number
  max: number
}

/** A receiver thread on loopback, recording every receipt by (event id, subscription) with its latency. */
class Receipts {
  /** `${eventId} ${subscription}` -> the first receipt's latency (ms from the event's `created`) and the count. */
  private readonly seen = new Map<string, { latency: number; n: number }>()
  /** While settling: which pairs are awaited, and how many of them are in. */
  private awaiting?: { measured: Set<string>; subs: Set<string>; n: number; onBatch: () => void }
  /** Told of every batch: `quiet` waits with it. */
  private onAny?: () => void
  size = 0

  private constructor (
    private readonly thread: Worker,
    readonly url: string
  ) {
    thread.on('message', (m: Array<string | number> | { size: number }) => {
      if (!Array.isArray(m)) {
        this.size = m.size
        return
      }
      const a = this.awaiting
      for (let i = 0; i < m.length; i += 4) {
        const [sub, id] = [m[i] as string, m[i + 1] as string]
        const key = `${id} ${sub}`
        const had = this.seen.get(key)
        if (had) {
          had.n++
          continue
        }
        this.seen.set(key, { latency: (m[i + 3] as number) - (m[i + 2] as number), n: 1 })
        if (a && a.measured.has(id) && a.subs.has(sub)) a.n++
      }
      a?.onBatch()
      this.onAny?.()
    })
  }

  /** Waits until nothing has arrived for QUIET_MS / 6 (at most BACKLOG_MS), then forgets every receipt so far. */
  async quiet (): Promise<void> {
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(idle)
        clearTimeout(cap)
        this.onAny = undefined
        resolve()
      }
      let idle = setTimeout(done, QUIET_MS / 6)
      const cap = setTimeout(done, BACKLOG_MS)
      this.onAny = () => {
        clearTimeout(idle)
        idle = setTimeout(done, QUIET_MS / 6)
      }
    })
    this.seen.clear()
  }

  static async start (): Promise<Receipts> {
    const thread = new Worker(compiled('bench/receiver-thread'))
    const port = await new Promise<number>(resolve => thread.once('message', (m: { port: number }) => resolve(m.port)))
    return new Receipts(thread, `http://127.0.0.1:${port}/hook`)
  }

  /**
   * Once every event is sent: waits for the `measured` events' deliveries to `subscriptions`, then counts them.
   * `isWarmup` tells the warm-up events, whose deliveries are neither counted nor stray.
   */
  async settle (measured: Set<string>, isWarmup: (id: string) => boolean, subscriptions: string[]): Promise<Outcome> {
    const subs = new Set(subscriptions)
    const expected = measured.size * subs.size
    let n = 0
    for (const key of this.seen.keys()) {
      const [id, sub] = key.split(' ')
      if (measured.has(id) && subs.has(sub)) n++
    }
    await new Promise<void>(resolve => {
      let quiet: NodeJS.Timeout | undefined
      let complete = false
      const cap = setTimeout(finish, DRAIN_MS)
      function finish (): void {
        clearTimeout(cap)
        clearTimeout(quiet)
        resolve()
      }
      const onBatch = (): void => {
        if (complete) return
        clearTimeout(quiet)
        complete = this.awaiting!.n >= expected
        quiet = setTimeout(finish, complete ? GRACE_MS : QUIET_MS)
      }
      this.awaiting = { measured, subs, n, onBatch }
      onBatch()
    })
    this.awaiting = undefined
    const latencies: number[] = []
    let duplicates = 0
    let stray = 0
    for (const [key, r] of this.seen) {
      const [id, sub] = key.split(' ')
      if (measured.has(id) && subs.has(sub)) {
        latencies.push(r.latency)
        duplicates += r.n - 1
      } else if (!isWarmup(id) || !subs.has(sub)) stray += r.n
    }
    const received = latencies.length
    latencies.sort((a, b) => a - b)
    const all = latencies.concat(Array.from({ length: expected - received }, () => Infinity))
    return {
      expected,
      received,
      duplicates,
      missing: expected - received,
      stray,
      p50: percentile(all, 0.5),
      p99: percentile(all, 0.99),
      max: all[all.length - 1],
    }
  }

  async close (): Promise<void> {
    await this.thread.terminate()
  }
}

/** The measured sends' own latencies: p99 of `created` to the response (the commit) and of issue to response. */
interface Sends {
  commitP99: number
  issueP99: number
}

interface Probe extends Outcome {
  rate: number
  /** Seconds the measured sends took (the window is SECONDS: longer means the rate was not offered). */
  sentIn: number
  failedSends: number
  pass: boolean
  sends?: Sends
}

function judge (rate: number, sentIn: number, failedSends: number, o: Outcome, sends?: Sends): Probe {
  const pass =
    o.p99 < TARGET_P99_MS && o.missing === 0 && o.duplicates === 0 && failedSends === 0 && sentIn <= SECONDS * 1.1
  return { rate, sentIn, failedSends, pass, ...o, ...(sends ? { sends } : {}) }
}

const ms = (n: number): string => (Number.isFinite(n) ? `${n}` : `> ${DRAIN_MS / 1000} s drain`)

function line (label: string, p: Probe, api = false): string {
  const sends = p.sends
    ? `; sends p99 ${p.sends.commitP99} ms created-to-response, ${p.sends.issueP99} ms issued-to-response`
    : ''
  const counts = api
    ? `answered ${p.received} / sent ${p.expected}`
    : `received ${p.received} / expected ${p.expected}, missing ${p.missing}, duplicates ${p.duplicates}, ` +
      `stray ${p.stray}`
  return (
    `  ${label} ${p.rate}/s: ${p.pass ? 'pass' : 'FAIL'}; p50 ${ms(p.p50)} ms, p99 ${ms(p.p99)} ms, max ` +
    `${ms(p.max)} ms; ${counts}; sent in ${p.sentIn.toFixed(2)} s` +
    `${p.failedSends ? `, ${p.failedSends} sends failed` : ''}${api ? '' : sends}\n`
  )
}

/** Where the service under test runs: one `npm start` child on SQLite, or n of them on one PostgreSQL database. */
interface Deployment {
  urls: string[]
  stop: () => Promise<void>
}

/** What every instance of the service under test needs: deliveries to the loopback receiver, no flows. */
const SERVICE_ENV = { DELIVERY_ALLOW_PRIVATE_TARGETS: 'true', LOG_REQUESTS: 'false', FLOWS_ENABLED: 'false' }

/**
 * The service as `npm start` in child processes, started once for the whole search (as a service runs: warm, its
 * store growing), with the webhooks and the receiver: Send a Message at a rate, each message fanned out to them.
 * With several instances (PostgreSQL) the sends go round the instances, as behind a load balancer, and each
 * instance delivers the lanes it owns. With `webhooks` 0 it is the API alone (the same sends, nothing to deliver):
 * its probe is judged on the sends' own latency, `created` to the response. With a list of subscriptions instead of
 * a count, the deployment delivers every message to those of its own (the ingress floor's lanes), told the
 * receiver's URL.
 */
class ServiceUnderTest {
  size = 0
  private next = 0

  private constructor (
    private readonly receipts: Receipts,
    private readonly deployment: Deployment,
    private readonly clients: Array<ReturnType<typeof jsonClient>>,
    private readonly subscriptions: string[]
  ) {}

  static async start (
    deploy: (receiver: string) => Promise<Deployment>,
    webhooks: number | string[] = SUBSCRIPTIONS
  ): Promise<ServiceUnderTest> {
    const receipts = await Receipts.start()
    const deployment = await deploy(receipts.url)
    const clients = deployment.urls.map(url => jsonClient(url, DEMO.tokens.alice))
    const subscriptions = typeof webhooks === 'number' ? [] : [...webhooks]
    const create = typeof webhooks === 'number' ? webhooks : 0
    for (let i = 0; i < create; i++) {
      const r = await clients[0].call('POST', '/v1/webhooks', {
        name: `bench ${i}`,
        targetUrl: receipts.url,
        resource: 'messages',
        event: 'created',
        filter: `roomId=${DEMO_IDS.apollo}`,
      })
      subscriptions.push((r.body as { id: string }).id)
    }
    const s = new ServiceUnderTest(receipts, deployment, clients, subscriptions)
    // The delivery thread starts after the API listens: the warm-up begins once one event has gone all the way
    // (on every instance: each owns lanes of its own).
    for (const c of subscriptions.length > 0 ? clients : []) {
      const ready = await c.call('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'ready' })
      await receipts.settle(new Set([(ready.body as { id: string }).id]), () => false, subscriptions)
    }
    // The first envelope's size (the receiver measures it): the floors pad theirs to it.
    s.size = receipts.size
    // JIT and the first checkpoints happen here, not in the first probe.
    await s.sendAt(INITIAL_WARMUP, START_RATE / 2, 'warmup', new Set())
    return s
  }

  /**
   * Sends for `seconds` at `rate`; the ids of the messages created go into `into`, and each answered send's
   * latencies into `latencies`: `created` (stamped in the send's transaction) to the response, which the service
   * holds until the commit, and from issuing the request to the response.
   */
  private async sendAt (
    seconds: number,
    rate: number,
    label: string,
    into: Set<string>,
    latencies?: { commit: number[]; issue: number[] }
  ): Promise<{ sentIn: number; failed: number }> {
    let failed = 0
    const sends: Array<Promise<void>> = []
    const start = await paced(seconds, rate, (tick, i) => {
      const issued = Date.now()
      sends.push(
        this.client().call('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: `${label} ${tick}.${i}` }).then(
          r => {
            const now = Date.now()
            if (r.status !== 200) {
              failed++
              return
            }
            const body = r.body as { id: string; created: string }
            into.add(body.id)
            latencies?.commit.push(now - Date.parse(body.created))
            latencies?.issue.push(now - issued)
          },
          () => {
            failed++
          }
        )
      )
    })
    await Promise.all(sends)
    return { sentIn: (Date.now() - start) / 1000, failed }
  }

  /** The next instance's client, round the instances. */
  private client (): ReturnType<typeof jsonClient> {
    return this.clients[this.next++ % this.clients.length]
  }

  async probe (rate: number): Promise<Probe> {
    // What an earlier probe left in flight lands before this one starts, and is not counted.
    if (this.subscriptions.length > 0) await this.receipts.quiet()
    const warmup = new Set<string>()
    const measured = new Set<string>()
    await this.sendAt(WARMUP, rate / 2, 'warmup', warmup)
    // Which events are measured is known by id, whenever their deliveries and responses arrive.
    const latencies = { commit: [] as number[], issue: [] as number[] }
    const { sentIn, failed } = await this.sendAt(SECONDS, rate, 'event', measured, latencies)
    const commit = latencies.commit.sort((a, b) => a - b)
    const issue = latencies.issue.sort((a, b) => a - b)
    const sends = { commitP99: percentile(commit, 0.99), issueP99: percentile(issue, 0.99) }
    if (this.subscriptions.length === 0) {
      // The API alone: a send's latency is the service's own share of change-to-receipt (created to commit).
      const expected = Math.round(rate * SECONDS)
      const all = commit.concat(Array.from({ length: expected - commit.length }, () => Infinity))
      const outcome: Outcome = {
        expected,
        received: commit.length,
        duplicates: 0,
        missing: expected - commit.length,
        stray: 0,
        p50: percentile(all, 0.5),
        p99: percentile(all, 0.99),
        max: all[all.length - 1],
      }
      return judge(rate, sentIn, failed, outcome)
    }
    const outcome = await this.receipts.settle(measured, id => warmup.has(id), this.subscriptions)
    return judge(rate, sentIn, failed, outcome, sends)
  }

  async stop (): Promise<void> {
    for (const c of this.clients) c.close()
    await this.deployment.stop()
    await this.receipts.close()
  }
}

/** The floors' subscriptions: floor-thread.ts's lanes. */
const LANES = Array.from({ length: SUBSCRIPTIONS }, (_, lane) => `lane-${lane}`)
/** INGRESS_INLINE=1 (read by ingress-child.ts too): the ingress floor's lanes in the route's own thread. */
const INLINE = process.env.INGRESS_INLINE === '1'

/** The sender alone (floor-thread.ts): envelopes of `size` bytes at `rate`, one lane per subscription. */
async function floorProbe (rate: number, size: number): Promise<Probe> {
  const receipts = await Receipts.start()
  const thread = new Worker(compiled('bench/floor-thread'), {
    workerData: { target: receipts.url, lanes: SUBSCRIPTIONS, size, pace: { rate, seconds: SECONDS, warmup: WARMUP } },
  })
  try {
    const sent = await new Promise<{ measured: string[]; sentIn: number }>(resolve =>
      thread.on('message', (m: { measured?: string[]; sentIn: number }) => {
        if (m.measured) resolve({ measured: m.measured, sentIn: m.sentIn })
      })
    )
    const outcome = await receipts.settle(new Set(sent.measured), id => id.startsWith('warmup'), LANES)
    return judge(rate, sent.sentIn, 0, outcome)
  } finally {
    await thread.terminate()
    await receipts.close()
  }
}

/**
 * A probe, and once more if it fails: on a shared machine one stall of a neighbour's job fails a 3 s probe, and
 * a search is only as good as its worst probe. Both results are printed; the rate passes if either did.
 */
async function tries (label: string, probe: () => Promise<Probe>, api = false): Promise<Probe> {
  const first = await probe()
  process.stdout.write(line(label, first, api))
  if (first.pass) return first
  const second = await probe()
  process.stdout.write(line(`${label} (again)`, second, api))
  return second
}

/** Doubling from START_RATE until a probe fails (halving if the first fails), then bisection to RESOLUTION. */
class KneeSearch {
  /** The highest rate that passed and the lowest that failed. */
  pass?: number
  fail?: number
  readonly probes: Probe[] = []

  /** With `only`, the search is that one probe. */
  constructor (private readonly only?: number) {}

  next (): number | undefined {
    if (this.only !== undefined) return this.probes.length === 0 ? this.only : undefined
    const round = (r: number): number => Math.max(10, Math.round(r / 10) * 10)
    if (this.fail === undefined) {
      if (this.pass === undefined) return START_RATE
      return this.pass * 2 > MAX_RATE ? undefined : this.pass * 2
    }
    if (this.pass === undefined) return this.fail <= 10 ? undefined : round(this.fail / 2)
    const mid = round((this.pass + this.fail) / 2)
    return this.fail - this.pass <= this.pass * RESOLUTION || mid === this.pass || mid === this.fail ? undefined : mid
  }

  record (p: Probe): void {
    this.probes.push(p)
    if (p.pass) this.pass = Math.max(this.pass ?? 0, p.rate)
    else this.fail = Math.min(this.fail ?? Infinity, p.rate)
  }
}

/** A search of the service on one deployment. */
interface ServiceSearch {
  label: string
  search: KneeSearch
  sut: ServiceUnderTest
}

/**
 * The knee of the service, of the API alone, of the ingress floor and of the floor, searched side by side in one
 * run: the highest event rate (each event to SUBSCRIPTIONS webhooks on a loopback receiver) at which p99
 * change-to-receipt stays under 50 ms with every delivery received exactly once. The service: Send a Message at a
 * fixed rate, each message fanned out to the webhooks; latency is the message's `created` to its receipt, per
 * delivery. The API alone: the same sends at the same rate to another `npm start` child with no webhook, judged on
 * `created` to the response (the service answers once the send's transaction has committed): the part of the
 * service's latency before delivery starts, so its knee is the most the service's can be. The ingress floor
 * (ingress-child.ts): the same sends to a bare Fastify route in a child, which hands each message to the floor's
 * lanes in a thread of its own (INGRESS_INLINE=1: in its own thread): the most a service fed by HTTP and built
 * either way reaches here with this sender. The floor: the service's HTTP sender alone in a thread, same rate,
 * lanes, body size and receiver, without API, store or outbox: no outbox can beat it on this machine. With
 * `STORE=postgres` (bench/cluster.ts) the service is searched on PostgreSQL too, with one instance and with two on
 * one database (the sends split over them), beside SQLite.
 * Probes alternate between the searches so all see the same machine. `BENCH_DELIVERY=service,api,ingress,floor`
 * (any of them, comma-separated) picks the searches; without the service the floors pad to `BENCH_ENVELOPE_BYTES`.
 */
export async function benchDelivery (): Promise<void> {
  const which = new Set((process.env.BENCH_DELIVERY ?? 'service,api,ingress,floor').split(',').map(w => w.trim()))
  if (which.has('both')) which.add('service').add('floor')
  const serverUrl = benchPostgresUrl()
  process.stdout.write(
    `delivery: knee search from ${START_RATE} events/s to ${SUBSCRIPTIONS} subscriptions; each probe ${WARMUP} s ` +
      `at half rate, then ${SECONDS} s measured; pass = p99 < ${TARGET_P99_MS} ms, none missing, no duplicate` +
      (which.has('api') ? '; API alone: the same sends, no webhook, p99 of created-to-response' : '') +
      (which.has('ingress') ? '; ingress floor: the same sends to a bare route feeding the floor\'s lanes' : '') +
      (serverUrl && which.has('service')
        ? '; PostgreSQL (STORE=postgres): 1 and 2 npm start children on a database each, sends round the instances'
        : '') +
      '\n'
  )
  // BENCH_DELIVERY_RATE: one probe at that rate instead of a search (for profiling one load).
  const fixed = process.env.BENCH_DELIVERY_RATE ? Number(process.env.BENCH_DELIVERY_RATE) : undefined
  const search = (): KneeSearch => (fixed === undefined ? new KneeSearch() : new KneeSearch(fixed))
  const floor = which.has('floor') ? search() : undefined
  let size = Number(process.env.BENCH_ENVELOPE_BYTES ?? 1199)
  const services: ServiceSearch[] = []
  let api: ServiceSearch | undefined
  let ingress: ServiceSearch | undefined
  /** Every search through Send a Message, in the order their probes take turns (the floor's last). */
  const searches: ServiceSearch[] = []
  const sqlite = async (): Promise<Deployment> => {
    const s = await startServiceProcess(SERVICE_ENV)
    return { urls: [s.url], stop: s.stop }
  }
  try {
    if (which.has('service')) {
      services.push({ label: 'service (SQLite)', search: search(), sut: await ServiceUnderTest.start(sqlite) })
      searches.push(services[0])
      size = services[0].sut.size
      for (const n of serverUrl ? [1, 2] : []) {
        const sut = await ServiceUnderTest.start(() => startPostgresInstances(n, serverUrl!, SERVICE_ENV))
        services.push({ label: `service (PostgreSQL, ${n} instance${n > 1 ? 's' : ''})`, search: search(), sut })
        searches.push(services[services.length - 1])
      }
    }
    if (which.has('api')) {
      api = { label: 'API alone (SQLite)', search: search(), sut: await ServiceUnderTest.start(sqlite, 0) }
      searches.push(api)
    }
    if (which.has('ingress')) {
      const env = (target: string): Record<string, string> => ({
        INGRESS_TARGET: target,
        INGRESS_LANES: `${SUBSCRIPTIONS}`,
        INGRESS_ENVELOPE_BYTES: `${size}`,
      })
      const child = async (target: string): Promise<Deployment> => {
        const s = await startServiceProcess(env(target), 'bench/ingress-child')
        return { urls: [s.url], stop: s.stop }
      }
      const label = INLINE ? 'ingress floor (lanes inline)' : 'ingress floor'
      ingress = { label, search: search(), sut: await ServiceUnderTest.start(child, LANES) }
      searches.push(ingress)
    }
    for (;;) {
      let probed = false
      for (const s of searches) {
        const rate = s.search.next()
        if (rate === undefined) continue
        probed = true
        s.search.record(await tries(s.label, () => s.sut.probe(rate), s === api))
      }
      const f = floor?.next()
      if (f !== undefined) {
        probed = true
        floor!.record(await tries('floor', () => floorProbe(f, size)))
      }
      if (!probed) break
    }
  } finally {
    for (const s of searches) await s.sut.stop()
  }
  const knee = (k: KneeSearch): string =>
    k.pass === undefined ? 'none' : `${k.pass}/s (next failing ${k.fail ?? 'none'}/s)`
  const percent = (a: KneeSearch | undefined, b: KneeSearch | undefined): number | undefined =>
    a?.pass === undefined || b?.pass === undefined ? undefined : (a.pass / b.pass) * 100
  process.stdout.write(`  envelopes of ${size} bytes\n`)
  for (const s of services) {
    const ratio = (to: KneeSearch | undefined, name: string): string => {
      const r = percent(s.search, to)
      return r === undefined ? '' : `, ${r.toFixed(1)}% of ${name}`
    }
    process.stdout.write(
      `  ${s.label} knee: ${knee(s.search)}${ratio(floor, 'the floor\'s')}${ratio(api?.search, 'the API alone\'s')}` +
        `${ratio(ingress?.search, 'the ingress floor\'s')}` +
        `${s === services[0] ? '' : ratio(services[0].search, 'SQLite\'s')}\n`
    )
  }
  for (const s of [api, ingress]) {
    if (!s) continue
    const r = percent(s.search, floor)
    const of = r === undefined ? '' : `, ${r.toFixed(1)}% of the floor's`
    process.stdout.write(`  ${s.label} knee: ${knee(s.search)}${of}\n`)
  }
  if (floor) process.stdout.write(`  floor knee: ${knee(floor)}\n`)
  const service = percent(services[0]?.search, floor)
  if (service !== undefined) {
    process.stdout.write(
      `  service (SQLite) knee / floor knee: ${service.toFixed(1)}% (goal >= ${GOAL_RATIO * 100}%: ` +
        `${service >= GOAL_RATIO * 100 ? 'met' : 'MISSED'})\n`
    )
  }
  const ceiling = percent(api?.search, floor)
  if (ceiling !== undefined && ceiling < GOAL_RATIO * 100) {
    // The service's knee cannot pass the API's: its latency is the API's (created to commit) and then delivery.
    process.stdout.write(
      `  the API alone reaches ${ceiling.toFixed(1)}% of the floor's knee (${api!.search.pass}/s against ` +
        `${floor!.pass}/s): below the ${GOAL_RATIO * 100}% goal, so on this machine the goal is out of the ` +
        'delivery pipeline\'s reach until Send a Message itself is faster\n'
    )
  }
  const behind = percent(services[0]?.search, api?.search)
  if (behind !== undefined) {
    process.stdout.write(`  service (SQLite) knee / API alone knee: ${behind.toFixed(1)}%\n`)
  }
  const fed = percent(services[0]?.search, ingress?.search)
  if (fed !== undefined) {
    process.stdout.write(`  service (SQLite) knee / ingress floor knee: ${fed.toFixed(1)}%\n`)
  }
  const http = percent(ingress?.search, floor)
  if (http !== undefined) {
    // The floor makes its events for free; every service pays for the HTTP requests that make them, on the
    // same cores as the load generator and the receiver.
    const lanes = INLINE ? 'in its own thread' : 'in a thread of their own'
    const verdict =
      http < GOAL_RATIO * 100
        ? `below the ${GOAL_RATIO * 100}% goal: a bare route doing nothing but hand each message to these lanes ` +
          `(${lanes}) does not reach it on this machine now, so no service built that way does`
        : `at or above the ${GOAL_RATIO * 100}% goal: an HTTP-fed service with this sender can meet it here`
    process.stdout.write(
      `  ${ingress!.label} knee / floor knee: ${http.toFixed(1)}% (${ingress!.search.pass}/s against ` +
        `${floor!.pass}/s): ${verdict}\n`
    )
  }
}
