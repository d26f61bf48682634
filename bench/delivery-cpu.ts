/**
 * CPU of the delivery pipeline per event, in-process (`npx tsx bench/delivery-cpu.ts [events] [rounds]`, not part
 * of npm run bench): the service with its delivery thread, Send a Message through `inject` in bursts, each message
 * fanned out to WEBHOOKS webhooks on a receiver in a child process (its CPU is not counted). Each round measures
 * the process's CPU (every thread) for `events` messages with the webhooks and for `events` with none, until all
 * deliveries are in; the difference per event is what delivering costs: fan-out, outbox, wake-ups, lane reads,
 * sending, outcome writes. BENCH_FLOOR=1: the HttpSender alone per delivery instead.
 * Throughput-free, so it compares before / after on a shared machine.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { HttpSender } from '../src/triggers/sender.js'

const EVENTS = Number(process.argv[2] ?? 2000)
const ROUNDS = Number(process.argv[3] ?? 4)
const WEBHOOKS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10)
/** Messages in flight at once: the group commit sees several per turn, as under load. */
const BURST = 2

/** Per thread (Linux), CPU ticks (10 ms) so far: which thread a round's CPU went to. */
function threadTicks (): Map<string, number> {
  const ticks = new Map<string, number>()
  if (process.platform !== 'linux') return ticks
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const f = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')
      ticks.set(tid, Number(f[11]) + Number(f[12]))
    } catch {}
  }
  return ticks
}

/** The threads that used more than 2% of the round's CPU, as µs per event, the main thread first. */
function split (before: Map<string, number>, n: number): string {
  const after = threadTicks()
  const parts: string[] = []
  for (const [tid, t] of after) {
    const us = ((t - (before.get(tid) ?? 0)) * 10_000) / n
    if (us > 2) parts.push(`${tid === String(process.pid) ? 'main' : tid} ${us.toFixed(0)}`)
  }
  return parts.join(', ')
}

const receiverSource = `
const http = require('node:http')
let n = 0, want = Infinity
process.on('message', m => { want = m; if (n >= want) process.send(n) })
http.createServer((req, res) => {
  req.resume()
  req.on('end', () => { res.writeHead(200).end(); if (++n === want) process.send(n) })
}).listen(0, '127.0.0.1', function () { process.send({ port: this.address().port }) })
`

async function main (): Promise<void> {
  const receiver = fork('-e', [receiverSource], { execArgv: ['-e', receiverSource], stdio: 'inherit' })
  const port = await new Promise<number>(resolve =>
    receiver.once('message', m => resolve((m as { port: number }).port))
  )
  const side = async (webhooks: number): Promise<{
    run: (n: number) => Promise<number>
    threads: () => string
    close: () => Promise<void>
  }> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'i19d-delivery-cpu-'))
    const built = await buildApp(
      makeConfig({
        logLevel: 'silent',
        dataDir,
        throttle: { enabled: false },
        flows: { enabled: false },
        delivery: { thread: true, allowPrivateTargets: true },
      })
    )
    await built.app.ready()
    const auth = { authorization: `Bearer ${DEMO.tokens.alice}` }
    for (let i = 0; i < webhooks; i++) {
      await built.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: auth,
        payload: {
          name: `cpu ${i}`,
          targetUrl: `http://127.0.0.1:${port}/hook`,
          resource: 'messages',
          event: 'created',
          filter: `roomId=${DEMO_IDS.apollo}`,
        },
      })
    }
    let received = 0
    let threads = ''
    const run = async (n: number): Promise<number> => {
      const arrived = webhooks === 0
        ? Promise.resolve()
        : new Promise<void>(resolve => {
          receiver.once('message', () => resolve())
          receiver.send(received + n * webhooks)
        })
      const before = process.cpuUsage()
      const ticks = threadTicks()
      for (let i = 0; i < n; i += BURST) {
        await Promise.all(Array.from({ length: Math.min(BURST, n - i) }, (_, j) => built.app.inject({
          method: 'POST',
          url: '/v1/messages',
          headers: auth,
          payload: { roomId: DEMO_IDS.apollo, text: `cpu ${i + j}` },
        })))
      }
      await arrived
      received += n * webhooks
      const used = process.cpuUsage(before)
      threads = split(ticks, n)
      return (used.user + used.system) / n
    }
    return {
      run,
      threads: () => threads,
      close: async () => {
        await built.app.close()
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  }
  if (process.env.BENCH_FLOOR) {
    // The sender alone, as the knee's floor: envelopes of the service's size, one lane per webhook.
    const sender = new HttpSender({ timeoutMs: 10_000, allowPrivateTargets: true })
    const body = `{"padding":"${'x'.repeat(1100)}"}`
    let got = 0
    for (let r = 0; r <= ROUNDS; r++) {
      const arrived = new Promise<void>(resolve => {
        receiver.once('message', () => resolve())
        receiver.send(got + EVENTS * WEBHOOKS)
      })
      const before = process.cpuUsage()
      await Promise.all(Array.from({ length: WEBHOOKS }, async () => {
        for (let i = 0; i < EVENTS; i++) await sender.post(`http://127.0.0.1:${port}/hook`, body, {}, Date.now())
      }))
      await arrived
      got += EVENTS * WEBHOOKS
      const used = process.cpuUsage(before)
      const perDelivery = (used.user + used.system) / EVENTS / WEBHOOKS
      process.stdout.write(`floor round ${r}: ${perDelivery.toFixed(1)} µs/delivery\n`)
    }
    await sender.close()
    receiver.kill()
    return
  }
  const hooks = await side(WEBHOOKS)
  // BENCH_WEBHOOKS_ONLY=1: no side without webhooks (profiling the pipeline alone).
  const bare = process.env.BENCH_WEBHOOKS_ONLY
    ? { run: async () => 0, threads: () => '', close: async () => {} }
    : await side(0)
  // Warm-up: JIT, connections, the first checkpoint.
  await hooks.run(EVENTS / 2)
  await bare.run(EVENTS / 2)
  for (let r = 0; r < ROUNDS; r++) {
    const a = await hooks.run(EVENTS)
    const b = await bare.run(EVENTS)
    process.stdout.write(
      `round ${r}: ${WEBHOOKS} webhooks ${a.toFixed(0)} µs/event, none ${b.toFixed(0)} µs/event, delivery ` +
        `${(a - b).toFixed(0)} µs/event (${((a - b) / WEBHOOKS).toFixed(1)} µs/delivery); per thread (µs/event) ` +
        `with webhooks: ${hooks.threads()}; without: ${bare.threads()}\n`
    )
  }
  await hooks.close()
  await bare.close()
  receiver.kill()
}

await main()
