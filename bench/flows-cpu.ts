/**
 * CPU per Send a Message in-process, with and without the shipped flows: N messages (`inject`, C at a time) to one
 * service of each kind, every flow run finished before the clock stops, rounds alternating. Statements per message
 * are counted by kind (the SQLite store's prepared statements). Not part of `npm run bench`: a profiling harness.
 *   tsx bench/flows-cpu.ts [N=2000] [rounds=2] [C=10]
 * FLOWS_CPU_ONLY=flows|plain one side; FLOWS_CPU_TIME=1 times statements; FLOWS_CPU_PROFILE=file profiles;
 * FLOWS_CPU_FLOOR=1 adds the actions bench's references in the same rounds: its store floor (actions-floor.ts, on a
 * store seeded by the service) and a bare Fastify route answering a fixed message, which set the bench's ratios;
 * FLOWS_CPU_AB=dir adds the services of another checkout (its src/, say a "before" copy) in the same process, with and
 * without the flows as FLOWS_CPU_ONLY says for this one's, rounds alternating with this one's: a difference of a few
 * percent shows through the noise of a shared machine.
 */
import type { Statement } from 'better-sqlite3'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import { buildApp, type App } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { openDatabase } from '../src/store/sqlite.js'
import { Checkpointer } from '../src/store/checkpointer.js'
import { buildStoreFloor } from './actions-floor.js'

const N = Number(process.argv[2] ?? 2000)
const ROUNDS = Number(process.argv[3] ?? 2)
const C = Number(process.argv[4] ?? 10)
const ONLY = process.env.FLOWS_CPU_ONLY
/** FLOWS_CPU_DIR: another folder of flows (variants of the shipped ones, to see what each part costs). */
/** FLOWS_CPU_ACTION=rooms: Create Space instead of Send a Message; =members: Create Space and Add Member (per pair). */
const ACTION = process.env.FLOWS_CPU_ACTION ?? 'messages'
const FLOWS_DIR = process.env.FLOWS_CPU_DIR ?? fileURLToPath(new URL('../flows', import.meta.url))

async function service (
  flows: boolean,
  build: { buildApp: typeof buildApp; makeConfig: typeof makeConfig } = { buildApp, makeConfig }
): Promise<{ a: App; counts: Map<string, number> }> {
  const a = await build.buildApp(
    build.makeConfig({
      dataDir: mkdtempSync(join(tmpdir(), 'flows-cpu-')),
      logLevel: 'silent',
      throttle: { enabled: false },
      flows: flows ? { enabled: true, dir: FLOWS_DIR } : { enabled: false },
    })
  )
  await a.app.ready()
  const counts = new Map<string, number>()
  const inner = a.store.store as unknown as {
    q: (sql: string) => Statement
    reader: (sql: string) => Statement | { stmt: Statement }
  }
  // Each statement counted and timed by its text's start (FLOWS_CPU_TIME=1 also times them).
  const timed = process.env.FLOWS_CPU_TIME === '1'
  // Keys made once per text: the counting costs a map lookup a statement, not a regex over its SQL.
  const keys = new Map<string, string>()
  const keyOf = (sql: string): string => {
    let key = keys.get(sql)
    if (key === undefined) {
      key = sql.replace(/\s+/g, ' ').slice(0, Number(process.env.FLOWS_CPU_KEY ?? 60))
      keys.set(sql, key)
    }
    return key
  }
  const counted = (sql: string, s: Statement): Statement => {
    const key = keyOf(sql)
    counts.set(key, (counts.get(key) ?? 0) + 1)
    if (!timed) return s
    const time = <T>(f: () => T): T => {
      const t0 = process.hrtime.bigint()
      try {
        return f()
      } finally {
        const k = `time ${key}`
        counts.set(k, (counts.get(k) ?? 0) + Number(process.hrtime.bigint() - t0) / 1e3)
      }
    }
    return {
      get: (...p: unknown[]) => time(() => s.get(...p)),
      all: (...p: unknown[]) => time(() => s.all(...p)),
      run: (...p: unknown[]) => time(() => s.run(...p)),
    } as unknown as Statement
  }
  // FLOWS_CPU_COUNT=0: no counting, for CPU figures without the counting's own cost.
  if (process.env.FLOWS_CPU_COUNT === '0') return { a, counts }
  const q = inner.q.bind(inner)
  inner.q = (sql: string) => counted(sql, q(sql))
  // Reads and RETURNING writes (get, all) go through the store's readers, raw statements with a row builder;
  // each one's counting copy is made once (a copy per call would cost more than the counting).
  const reader = inner.reader.bind(inner)
  const copies = new Map<unknown, Statement | { stmt: Statement }>()
  inner.reader = (sql: string) => {
    const r = reader(sql)
    let copy = timed ? undefined : copies.get(r)
    if (copy === undefined) {
      copy = 'stmt' in r ? { ...r, stmt: counted(sql, r.stmt) } : counted(sql, r)
      if (!timed) copies.set(r, copy)
    } else {
      const key = keyOf(sql)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    return copy
  }
  return { a, counts }
}

/** Something Send a Message is measured on: how it is called, and how its work in flight is waited for. */
interface Side {
  inject: FastifyInstance['inject']
  settle: () => Promise<unknown>
  counts: Map<string, number>
}

const serviceSide = ({ a, counts }: { a: App; counts: Map<string, number> }): Side => ({
  inject: a.app.inject.bind(a.app),
  settle: async () => {
    await a.flows?.idle()
    await a.store.commit()
  },
  counts,
})

/** The store floor on a store the service seeded and closed, opened as servers.ts opens it for the bench. */
async function floorSide (): Promise<Side> {
  const config = makeConfig({
    dataDir: mkdtempSync(join(tmpdir(), 'flows-cpu-floor-')),
    logLevel: 'silent',
    throttle: { enabled: false },
    flows: { enabled: false },
  })
  const seeder = await buildApp(config)
  await seeder.app.ready()
  await seeder.app.close()
  const db = openDatabase({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous })
  await new Checkpointer(db, config.dataDir).start()
  const floor = buildStoreFloor(db, [{ token: DEMO.tokens.alice, personId: DEMO_IDS.alice }])
  await floor.ready()
  return { inject: floor.inject.bind(floor), settle: async () => {}, counts: new Map() }
}

/** The bare route: the service's own answer to one action, sent back as it is. */
async function bareSide (message: string): Promise<Side> {
  const bare = Fastify({ logger: false })
  const answer = JSON.parse(message) as unknown
  // The action's answer (FLOWS_CPU_ACTION): Create Space's answer has the id Add Member goes on to use.
  for (const path of ['/v1/messages', '/v1/rooms', '/v1/memberships']) bare.post(path, async () => answer)
  await bare.ready()
  return { inject: bare.inject.bind(bare), settle: async () => {}, counts: new Map() }
}

const auth = { authorization: `Bearer ${DEMO.tokens.alice}`, 'content-type': 'application/json' }

/** Create Space, then (FLOWS_CPU_ACTION=members) Add Member of Bob to it: the mix's other two writes. */
async function spaces (s: Side): Promise<string> {
  const room = await s.inject({ method: 'POST', url: '/v1/rooms', headers: auth, payload: { title: 'load' } })
  if (room.statusCode !== 200) throw new Error(`Create Space answered ${room.statusCode}: ${room.body}`)
  if (ACTION === 'rooms') return room.body
  const roomId = (JSON.parse(room.body) as { id: string }).id
  const member = await s.inject({
    method: 'POST',
    url: '/v1/memberships',
    headers: auth,
    payload: { roomId, personId: DEMO_IDS.bob },
  })
  if (member.statusCode !== 200) throw new Error(`Add Member answered ${member.statusCode}: ${member.body}`)
  return member.body
}

async function send (s: Side, n: number): Promise<string> {
  let next = 0
  let last = ''
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++
      if (ACTION !== 'messages') {
        last = await spaces(s)
        continue
      }
      const res = await s.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: auth,
        payload: { roomId: DEMO_IDS.apollo, text: 'load' },
      })
      if (res.statusCode !== 200) throw new Error(`Send a Message answered ${res.statusCode}: ${res.body}`)
      last = res.body
    }
  }
  await Promise.all(Array.from({ length: C }, worker))
  await s.settle()
  return last
}

/** Nanoseconds on CPU of the calling thread (the API's): the process's figure has the other threads' in it too. */
const threadCpu = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0])

/** Each side's figures per round (CPU, API thread CPU, statements per message), for the medians at the end. */
const figures = new Map<string, number[][]>()
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function measure (s: Side, n: number, label: string): Promise<string> {
  s.counts.clear()
  const t0 = process.hrtime.bigint()
  const c0 = process.cpuUsage()
  const th0 = threadCpu()
  await send(s, n)
  const th = (threadCpu() - th0) / 1e6 / n
  const c = process.cpuUsage(c0)
  const wall = Number(process.hrtime.bigint() - t0) / 1e6
  const cpu = (c.user + c.system) / 1000 / n
  const stmts = [...s.counts.entries()]
    .filter(([k]) => !k.startsWith('time '))
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => {
      const t = s.counts.get(`time ${k}`)
      return `\n    ${(v / n).toFixed(2)} ${k}${t === undefined ? '' : ` (${(t / n).toFixed(1)} µs/message)`}`
    })
  const all = [...s.counts.entries()].filter(([k]) => !k.startsWith('time ')).reduce((x, [, v]) => x + v, 0)
  const allTime = [...s.counts.entries()].filter(([k]) => k.startsWith('time ')).reduce((x, [, v]) => x + v, 0)
  figures.set(label, [...(figures.get(label) ?? []), [cpu, th, all / n]])
  return `${cpu.toFixed(3)} ms CPU/message (API thread ${th.toFixed(3)}), ${(wall / n).toFixed(3)} ms wall/message, ` +
    `${(all / n).toFixed(1)} statements/message (${(allTime / n).toFixed(0)} µs)` +
    (process.env.FLOWS_CPU_LIST === '0' ? '' : stmts.join(''))
}

const plainApp = ONLY === 'flows' ? undefined : await service(false)
const flowsApp = ONLY === 'plain' ? undefined : await service(true)
const plain = plainApp && serviceSide(plainApp)
const flows = flowsApp && serviceSide(flowsApp)
const abDir = process.env.FLOWS_CPU_AB
const abBuild = abDir
  ? {
      buildApp: ((await import(join(abDir, 'src/app.ts'))) as { buildApp: typeof buildApp }).buildApp,
      makeConfig: ((await import(join(abDir, 'src/config.ts'))) as { makeConfig: typeof makeConfig }).makeConfig,
    }
  : undefined
const abPlainApp = abBuild && ONLY !== 'flows' ? await service(false, abBuild) : undefined
const abFlowsApp = abBuild && ONLY !== 'plain' ? await service(true, abBuild) : undefined
const abPlain = abPlainApp && serviceSide(abPlainApp)
const abFlows = abFlowsApp && serviceSide(abFlowsApp)
// Warm-up: JIT and statement caches.
const answer = plain ? await send(plain, 300) : ''
if (flows) await send(flows, 300)
if (abPlain) await send(abPlain, 300)
if (abFlows) await send(abFlows, 300)
const references = process.env.FLOWS_CPU_FLOOR === '1'
const floor = references ? await floorSide() : undefined
const bare = references ? await bareSide(answer || await send(flows!, 1)) : undefined
if (floor) await send(floor, 300)
if (bare) await send(bare, 300)
// FLOWS_CPU_PROFILE=file: a CPU profile of the measured rounds only (after the warm-up).
const session = process.env.FLOWS_CPU_PROFILE ? new Session() : undefined
const post = (method: string): Promise<unknown> =>
  new Promise((resolve, reject) => session!.post(method, (err, res) => (err ? reject(err) : resolve(res))))
if (session) {
  session.connect()
  await post('Profiler.enable')
  await post('Profiler.start')
}
for (let r = 1; r <= ROUNDS; r++) {
  // The other checkout first every other round: what one side's garbage costs the next falls on both alike.
  const other = async (): Promise<void> => {
    const plainLabel = `${abDir} without flows`
    const flowsLabel = `${abDir} with flows`
    if (abPlain) process.stdout.write(`round ${r} ${plainLabel}: ${await measure(abPlain, N, plainLabel)}\n`)
    if (abFlows) process.stdout.write(`round ${r} ${flowsLabel}:    ${await measure(abFlows, N, flowsLabel)}\n`)
  }
  if (r % 2 === 0) await other()
  if (plain) process.stdout.write(`round ${r} without flows: ${await measure(plain, N, 'without flows')}\n`)
  if (flows) process.stdout.write(`round ${r} with flows:    ${await measure(flows, N, 'with flows')}\n`)
  if (r % 2 === 1) await other()
  if (floor) process.stdout.write(`round ${r} store floor:   ${await measure(floor, N, 'store floor')}\n`)
  if (bare) process.stdout.write(`round ${r} bare route:    ${await measure(bare, N, 'bare route')}\n`)
}
for (const [label, rows] of figures) {
  const [cpu, th, st] = [0, 1, 2].map(i => median(rows.map(r => r[i])))
  process.stdout.write(`median of ${rows.length} ${label}: ${cpu.toFixed(3)} ms CPU/message ` +
    `(API thread ${th.toFixed(3)}), ${st.toFixed(1)} statements/message\n`)
}
if (session) {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown }
  writeFileSync(process.env.FLOWS_CPU_PROFILE!, JSON.stringify(profile))
}
if (flows) {
  const runs = await flowsApp!.a.store.all<{ status: string; n: number }>(
    'SELECT status, count(*) AS n FROM flow_runs GROUP BY status'
  )
  process.stdout.write(`runs: ${runs.map(r => `${r.status} ${r.n}`).join(', ')}\n`)
}
await plainApp?.a.app.close()
await abPlainApp?.a.app.close()
await abFlowsApp?.a.app.close()
await flowsApp?.a.app.close()
