/**
 * CPU per Send a Message in-process, with and without the shipped flows: N messages (`inject`, C at a time) to one
 * service of each kind, every flow run finished before the clock stops, rounds alternating. Statements per message
 * are counted by kind (the SQLite store's prepared statements). Not part of `npm run bench`: a profiling harness.
 *   tsx bench/flows-cpu.ts [N=2000] [rounds=2] [C=10]
 * FLOWS_CPU_ONLY=flows|plain one side; FLOWS_CPU_TIME=1 times statements; FLOWS_CPU_PROFILE=file profiles.
 */
import type { Statement } from 'better-sqlite3'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp, type App } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'

const N = Number(process.argv[2] ?? 2000)
const ROUNDS = Number(process.argv[3] ?? 2)
const C = Number(process.argv[4] ?? 10)
const ONLY = process.env.FLOWS_CPU_ONLY
/** FLOWS_CPU_DIR: another folder of flows (variants of the shipped ones, to see what each part costs). */
const FLOWS_DIR = process.env.FLOWS_CPU_DIR ?? fileURLToPath(new URL('../flows', import.meta.url))

async function service (flows: boolean): Promise<{ a: App; counts: Map<string, number> }> {
  const a = await buildApp(
    makeConfig({
      dataDir: mkdtempSync(join(tmpdir(), 'flows-cpu-')),
      logLevel: 'silent',
      throttle: { enabled: false },
      flows: flows ? { enabled: true, dir: FLOWS_DIR } : { enabled: false },
    })
  )
  await a.app.ready()
  const counts = new Map<string, number>()
  const inner = a.store.store as unknown as { q: (sql: string) => Statement }
  const q = inner.q.bind(inner)
  // Each statement counted and timed by its text's start (FLOWS_CPU_TIME=1 also times them).
  const timed = process.env.FLOWS_CPU_TIME === '1'
  inner.q = (sql: string) => {
    const key = sql.replace(/\s+/g, ' ').slice(0, Number(process.env.FLOWS_CPU_KEY ?? 60))
    counts.set(key, (counts.get(key) ?? 0) + 1)
    const s = q(sql)
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
  return { a, counts }
}

const auth = { authorization: `Bearer ${DEMO.tokens.alice}`, 'content-type': 'application/json' }
async function send (a: App, n: number): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++
      const res = await a.app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: auth,
        payload: { roomId: DEMO_IDS.apollo, text: 'load' },
      })
      if (res.statusCode !== 200) throw new Error(`Send a Message answered ${res.statusCode}: ${res.body}`)
    }
  }
  await Promise.all(Array.from({ length: C }, worker))
  await a.flows?.idle()
  await a.store.commit()
}

async function measure (s: { a: App; counts: Map<string, number> }, n: number): Promise<string> {
  s.counts.clear()
  const t0 = process.hrtime.bigint()
  const c0 = process.cpuUsage()
  await send(s.a, n)
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
  return `${cpu.toFixed(3)} ms CPU/message, ${(wall / n).toFixed(3)} ms wall/message, ${(all / n).toFixed(1)} ` +
    `statements/message (${(allTime / n).toFixed(0)} µs)` + (process.env.FLOWS_CPU_LIST === '0' ? '' : stmts.join(''))
}

const plain = ONLY === 'flows' ? undefined : await service(false)
const flows = ONLY === 'plain' ? undefined : await service(true)
// Warm-up: JIT and statement caches.
if (plain) await send(plain.a, 300)
if (flows) await send(flows.a, 300)
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
  if (plain) process.stdout.write(`round ${r} without flows: ${await measure(plain, N)}\n`)
  if (flows) process.stdout.write(`round ${r} with flows:    ${await measure(flows, N)}\n`)
}
if (session) {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown }
  writeFileSync(process.env.FLOWS_CPU_PROFILE!, JSON.stringify(profile))
}
if (flows) {
  const runs = await flows.a.store.all<{ status: string; n: number }>(
    'SELECT status, count(*) AS n FROM flow_runs GROUP BY status'
  )
  process.stdout.write(`runs: ${runs.map(r => `${r.status} ${r.n}`).join(', ')}\n`)
}
await plain?.a.app.close()
await flows?.a.app.close()
