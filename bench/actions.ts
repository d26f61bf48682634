import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { openPostgresStore } from '../src/store/postgres.js'
import { benchPostgresUrl, startPostgresInstances, type Instances } from './cluster.js'
import { seedMixCallers, type MixCaller } from './mix-callers.js'
import { compiled, jsonClient } from './child.js'

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
/** Seconds of unmeasured load on each side before the mixed load is measured. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3)

type Caller = MixCaller
interface Urls {
  service: string
  serviceUncached: string
  serviceWithFlows: string
  bare: string
  /** The store floor (actions-floor.ts) and the mix's callers on its own store (the same people and tokens). */
  floor: string
  floorMix: Caller[]
  roomId: string
  token: string
  mix: Caller[]
  mixPage: number
}

async function startServers (): Promise<{ urls: Urls; stop: () => void }> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []
  const proc = spawn(process.execPath, [...profile, compiled('bench/servers')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve)
    proc.once('exit', code => reject(new Error(`bench servers exited with ${code}`)))
  })
  // SIGINT lets a profiled child write its profile; the servers exit on it at once.
  return { urls: JSON.parse(line) as Urls, stop: () => proc.kill(process.env.BENCH_PROFILE ? 'SIGINT' : 'SIGKILL') }
}

interface Measured {
  rps: number
  p99: number
  errors: number
}

/**
 * Several instances behind one load balancer, as autocannon can do it: one autocannon per instance at once,
 * the connections split evenly, their rates added (the p99 is the worst of theirs).
 */
async function split (
  urls: string[],
  run: (url: string, connections: number, part: number) => Promise<autocannon.Result>
): Promise<Measured> {
  const connections = Math.max(1, Math.round(CONNECTIONS / urls.length))
  const results = await Promise.all(urls.map((url, i) => run(url, connections, i)))
  return {
    rps: results.reduce((n, r) => n + r.requests.total / r.duration, 0),
    p99: Math.max(...results.map(r => r.latency.p99)),
    errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
  }
}

async function measure (
  urls: string | string[],
  path: string,
  opts: { method?: 'GET' | 'POST'; body?: string; token?: string }
): Promise<Measured> {
  return split(typeof urls === 'string' ? [urls] : urls, (url, connections) =>
    autocannon({
      url: url + path,
      duration: DURATION,
      connections,
      method: opts.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      },
      ...(opts.body ? { body: opts.body } : {}),
    })
  )
}

interface MixContext {
  k: number
  roomId?: string
}

/**
 * The mixed load: each connection repeats a cycle of 15 calls as one caller (the next of the 50 in turn), 12
 * reads (Get Spaces List, Get Messages, Get Space Details, Get People, 3 each) and 3 writes (Send a Message,
 * Create Space, then Add Member to Space on the space just created): 80% reads, 20% writes. Lists are read a
 * page at a time (the callers start with a page of spaces and messages), so answers keep their size.
 */
async function measureMix (
  urls: string | string[],
  callers: Caller[],
  page: number,
  duration = DURATION
): Promise<Measured> {
  const list = typeof urls === 'string' ? [urls] : urls
  // Each instance serves its share of the callers (a load balancer with sticky connections).
  return split(list, (url, connections, part) =>
    mixOn(
      url,
      connections,
      callers.filter((_, k) => k % list.length === part),
      page,
      duration
    )
  )
}

function mixOn (
  url: string,
  connections: number,
  callers: Caller[],
  page: number,
  duration: number
): Promise<autocannon.Result> {
  let next = 0
  const as = (build: (c: Caller, ctx: MixContext) => autocannon.Request, first = false): autocannon.Request => ({
    setupRequest: (req, context) => {
      const ctx = context as MixContext
      if (first) ctx.k = next++ % callers.length
      const caller = callers[ctx.k]
      const r = build(caller, ctx)
      return {
        ...req,
        ...r,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${caller.token}` },
      }
    },
  })
  const json = (method: 'POST', path: string, body: object): autocannon.Request => ({
    method,
    path,
    body: JSON.stringify(body),
  })
  const reads = (first: boolean): autocannon.Request[] => [
    as(() => ({ method: 'GET', path: `/v1/rooms?max=${page}` }), first),
    as(c => ({ method: 'GET', path: `/v1/messages?roomId=${c.roomId}&max=${page}` })),
    as(c => ({ method: 'GET', path: `/v1/rooms/${c.roomId}` })),
    as((_, ctx) => ({ method: 'GET', path: `/v1/people?email=bench${(ctx.k + 1) % callers.length}@example.com` })),
  ]
  const requests: autocannon.Request[] = [
    ...reads(true),
    as(c => json('POST', '/v1/messages', { roomId: c.roomId, text: 'mixed load' })),
    ...reads(false),
    {
      ...as(() => json('POST', '/v1/rooms', { title: 'mixed load' })),
      onResponse: (_status, body, context) => {
        ;(context as MixContext).roomId = (JSON.parse(body) as { id: string }).id
      },
    },
    ...reads(false),
    as((_, ctx) =>
      json('POST', '/v1/memberships', {
        roomId: ctx.roomId,
        personId: callers[(ctx.k + 1) % callers.length].personId,
      })
    ),
  ]
  return autocannon({ url, duration, connections, requests })
}

/** The service on PostgreSQL for the cases: two instances on one database, and the mix's callers seeded there. */
interface OnPostgres {
  instances: Instances
  mix: Caller[]
}

async function startOnPostgres (serverUrl: string): Promise<OnPostgres> {
  // As the SQLite service of servers.ts: no flows, no request log (the throttle is off in every instance).
  const instances = await startPostgresInstances(2, serverUrl, { FLOWS_ENABLED: 'false' })
  try {
    const store = await openPostgresStore({ url: instances.databaseUrl, poolMax: 2 })
    try {
      const clients = new Map<string, ReturnType<typeof jsonClient>>()
      const mix = await seedMixCallers(store, async (method, path, token, payload) => {
        let c = clients.get(token)
        if (!c) clients.set(token, (c = jsonClient(instances.urls[0], token)))
        const res = await c.call(method, path, payload)
        if (res.status !== 200) throw new Error(`seeding the mix on PostgreSQL: ${method} ${path} ${res.status}`)
        return res.body
      })
      for (const c of clients.values()) c.close()
      return { instances, mix }
    } finally {
      await store.close()
    }
  } catch (err) {
    await instances.stop()
    throw err
  }
}

/** The PostgreSQL lines of a case: one instance, then two with the load split, each beside bare and SQLite. */
async function onPostgres (
  pg: OnPostgres,
  bare: Measured,
  sqlite: Measured,
  run: (urls: string[]) => Promise<Measured>
): Promise<string> {
  let out = ''
  for (const n of [1, 2]) {
    const m = await run(pg.instances.urls.slice(0, n))
    out +=
      `    PostgreSQL, ${n} instance${n > 1 ? 's' : ''} ${m.rps.toFixed(0)} req/s (p99 ${m.p99} ms, errors ` +
      `${m.errors}), ratio ${((m.rps / bare.rps) * 100).toFixed(1)}% of bare, ` +
      `${((m.rps / sqlite.rps) * 100).toFixed(1)}% of SQLite's\n`
  }
  return out
}

/** The mix's three sides: the bare route, the store floor and the service. */
interface Sides {
  bare: Measured
  floor: Measured
  action: Measured
}

/**
 * The mixed load on all sides, fairly: each is warmed up first (JIT, the statement caches), then measured in two
 * halves ordered bare, floor, service, service, floor, bare, so a machine that gets busier or quieter during the
 * run weighs on every side alike. Throughput is requests completed over the measured time.
 */
async function compareMix (urls: Urls): Promise<Sides> {
  const half = Math.max(1, DURATION / 2)
  const sides = [
    { url: urls.bare, callers: urls.mix },
    { url: urls.floor, callers: urls.floorMix },
    { url: urls.service, callers: urls.mix },
  ]
  const run = (k: number, duration: number): Promise<Measured> =>
    measureMix(sides[k].url, sides[k].callers, urls.mixPage, duration)
  for (let k = 0; k < sides.length; k++) await run(k, WARMUP)
  const first: Measured[] = []
  for (let k = 0; k < sides.length; k++) first.push(await run(k, half))
  const second: Measured[] = []
  for (let k = sides.length - 1; k >= 0; k--) second[k] = await run(k, half)
  const both = (k: number): Measured => ({
    rps: (first[k].rps + second[k].rps) / 2,
    p99: Math.max(first[k].p99, second[k].p99),
    errors: first[k].errors + second[k].errors,
  })
  return { bare: both(0), floor: both(1), action: both(2) }
}

/**
 * The floor's lines: what the store floor reached, its share of bare (the most a service making the same
 * statements can reach here) and the service's share of it; said plainly when the floor itself is below the goal.
 */
function floorLines (s: Sides, goal: number): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
  const reach = s.floor.rps / s.bare.rps
  return (
    `    store floor ${s.floor.rps.toFixed(0)} req/s (p99 ${s.floor.p99} ms, errors ${s.floor.errors}), ` +
    `${pct(reach)} of bare; the service is ${pct(s.action.rps / s.floor.rps)} of the floor\n` +
    (reach < goal
      ? `    the store floor alone reaches ${pct(reach)} of bare: below the ${goal * 100}% goal, so on this machine ` +
        'the goal is out of reach for any service making these statements\n'
      : `    the store floor reaches ${pct(reach)} of bare: the ${goal * 100}% goal is within this machine's reach\n`)
  )
}

/**
 * The mixed load, Get Spaces List and Send a Message against a bare Fastify route returning the same JSON, side
 * by side. `BENCH_ACTIONS=mix,rooms,messages` (any of them) picks the cases.
 */
export async function benchActions (): Promise<void> {
  const only = process.env.BENCH_ACTIONS?.split(',')
  const wanted = (key: string): boolean => only === undefined || only.includes(key)
  const { urls, stop } = await startServers()
  const serverUrl = benchPostgresUrl()
  let pg: OnPostgres | undefined
  try {
    if (serverUrl) pg = await startOnPostgres(serverUrl)
    const cases = [
      { key: 'rooms', name: 'Get Spaces List (GET /v1/rooms)', path: '/v1/rooms', target: 0.6 },
      {
        key: 'messages',
        name: 'Send a Message (POST /v1/messages)',
        path: '/v1/messages',
        method: 'POST' as const,
        body: JSON.stringify({ roomId: urls.roomId, text: 'load' }),
        target: 0.35,
        flows: 0.6,
        floor: true,
      },
    ]
    process.stdout.write(
      `actions: ${DURATION}s each, ${CONNECTIONS} connections, service and bare route in one child process` +
        (pg
          ? `; PostgreSQL (STORE=postgres): ${pg.instances.urls.length} npm start children on one database, ` +
            'no flows, the connections split evenly over the instances measured\n'
          : '\n')
    )
    if (wanted('mix')) {
      const sides = await compareMix(urls)
      const { bare, action } = sides
      const ratio = action.rps / bare.rps
      const onPg = pg
        ? await onPostgres(pg, bare, action, list => measureMix(list, pg!.mix, urls.mixPage))
        : ''
      process.stdout.write(
        `  Mixed load (${urls.mix.length} tokens, 80% reads, 20% writes; ${WARMUP} s warm-up each, then bare, ` +
          `floor, service, service, floor, bare, ${Math.max(1, DURATION / 2)} s each): ` +
          `bare ${bare.rps.toFixed(0)} req/s (p99 ` +
          `${bare.p99} ms)\n    service ${action.rps.toFixed(0)} req/s (p99 ${action.p99} ms, errors ` +
          `${action.errors}), ` +
          `ratio ${(ratio * 100).toFixed(1)}% (target >= 50%: ${ratio >= 0.5 ? 'met' : 'MISSED'})\n` +
          floorLines(sides, 0.5) +
          onPg
      )
    }
    for (const c of cases.filter(c => wanted(c.key))) {
      const opts = { ...(c.method ? { method: c.method } : {}), ...(c.body ? { body: c.body } : {}) }
      const bare = await measure(urls.bare, c.path, opts)
      const floor = c.floor ? await measure(urls.floor, c.path, { ...opts, token: urls.token }) : undefined
      const action = await measure(urls.service, c.path, { ...opts, token: urls.token })
      const uncached = await measure(urls.serviceUncached, c.path, { ...opts, token: urls.token })
      const ratio = action.rps / bare.rps
      const verdict =
        c.target === undefined
          ? ''
          : ratio >= c.target
            ? ` (target >= ${c.target * 100}%: met)`
            : ` (target >= ${c.target * 100}%: MISSED)`
      process.stdout.write(
        `  ${c.name}: bare ${bare.rps.toFixed(0)} req/s (p99 ${bare.p99} ms)\n` +
          `    action ${action.rps.toFixed(0)} req/s (p99 ${action.p99} ms, errors ${action.errors}), ratio ` +
            `${(ratio * 100).toFixed(1)}%${verdict}\n` +
          `    action without read cache ${uncached.rps.toFixed(0)} req/s (p99 ${uncached.p99} ms, errors ` +
            `${uncached.errors}), ratio ${((uncached.rps / bare.rps) * 100).toFixed(1)}%\n` +
          (floor && c.target !== undefined ? floorLines({ bare, floor, action }, c.target) : '') +
          (pg ? await onPostgres(pg, bare, action, list => measure(list, c.path, { ...opts, token: urls.token })) : '')
      )
      if (c.flows) {
        const flows = await measure(urls.serviceWithFlows, c.path, { ...opts, token: urls.token })
        process.stdout.write(
          `    action with the shipped flows running ${flows.rps.toFixed(0)} req/s (p99 ${flows.p99} ms, errors ` +
            `${flows.errors}), ${((flows.rps / action.rps) * 100).toFixed(1)}% of the action without them ` +
            `(target >= ${c.flows * 100}%: ${flows.rps / action.rps >= c.flows ? 'met' : 'MISSED'})\n`
        )
      }
    }
  } finally {
    stop()
    await pg?.instances.stop()
  }
}
