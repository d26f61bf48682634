import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEMO } from '../src/demo.js'
import { jsonClient, paced, percentile, startServiceProcess } from './child.js'

const RATE = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 200)
const SECONDS = Number(process.env.BENCH_DURATION ?? 10)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const DRAIN_MS = 60_000

/**
 * The shipped welcome flow under 200 membership events/s for 10 s: Alice's spaces are made first, then Dave is
 * added to one after another at the rate; each addition triggers a run that sends a welcome message. Latency is
 * trigger to finish: the run's created (written in the membership's own transaction) to its finished.
 */
export async function benchFlows (): Promise<void> {
  const flowsDir = mkdtempSync(join(tmpdir(), 'webex-bench-flows-'))
  copyFileSync(
    fileURLToPath(new URL('../flows/welcome-new-member.json', import.meta.url)),
    join(flowsDir, 'welcome-new-member.json')
  )
  const service = await startServiceProcess({ FLOWS_DIR: flowsDir, LOG_REQUESTS: 'false' })
  const alice = jsonClient(service.url, DEMO.tokens.alice)
  try {
    const total = RATE * SECONDS + (RATE / 2) * WARMUP
    const rooms: string[] = []
    for (let i = 0; i < total; i += 50) {
      const made = await Promise.all(
        Array.from({ length: Math.min(50, total - i) }, (_, k) =>
          alice.call('POST', '/v1/rooms', { title: `Bench ${i + k}` })
        )
      )
      rooms.push(...made.map(r => r.body.id as string))
    }
    let next = 0
    let failedAdds = 0
    const adds: Array<Promise<void>> = []
    const add = (): void => {
      const roomId = rooms[next++]
      adds.push(
        alice.call('POST', '/v1/memberships', { roomId, personEmail: 'dave@example.com' }).then(
          r => {
            if (r.status !== 200) failedAdds++
          },
          () => {
            failedAdds++
          }
        )
      )
    }
    await paced(WARMUP, RATE / 2, add)
    // The runs of the spaces added from here on are measured (a warm-up addition may still be in flight).
    const measuredRooms = new Set(rooms.slice(next))
    const start = await paced(SECONDS, RATE, add)
    await Promise.all(adds)
    const sentIn = (Date.now() - start) / 1000

    // Wait (polling the history, as a user would) until no run of the flow is queued or running.
    const deadline = Date.now() + DRAIN_MS
    const open = async (): Promise<number> => {
      const q = await alice.call('GET', '/v1/flows/welcome-new-member/runs?status=Queued&max=1')
      const r = await alice.call('GET', '/v1/flows/welcome-new-member/runs?status=Running&max=1')
      return q.body.items.length + r.body.items.length
    }
    while ((await open()) > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 200))

    const runs: Array<{ status: string; created: string; finished?: string; triggerBody: any }> = []
    let path: string | undefined = '/v1/flows/welcome-new-member/runs?max=500'
    while (path) {
      const page = await alice.call('GET', path)
      runs.push(...page.body.items)
      const link = /<([^>]+)>;\s*rel="next"/.exec(String(page.headers.link ?? ''))?.[1]
      path = link ? new URL(link).pathname + new URL(link).search : undefined
    }
    const measured = runs.filter(
      r => r.triggerBody?.data?.personEmail === 'dave@example.com' && measuredRooms.has(r.triggerBody.data.roomId)
    )
    const succeeded = measured.filter(r => r.status === 'Succeeded')
    const failures = measured.length - succeeded.length
    const latencies = succeeded.map(r => Date.parse(r.finished!) - Date.parse(r.created)).sort((a, b) => a - b)
    process.stdout.write(
      `flows: welcome-new-member, ${RATE} membership events/s for ${SECONDS} s after ${WARMUP} s of warm-up (sent in ` +
        `${sentIn.toFixed(1)} s, ${failedAdds} failed additions)\n` +
        `  runs completed ${succeeded.length} / ${RATE * SECONDS - failedAdds} events, failures ` +
          `${failures}${failures === 0 ? '' : ' (must be 0)'}\n` +
        `  trigger-to-finish: p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, max ` +
          `${latencies[latencies.length - 1]} ms\n`
    )
  } finally {
    alice.close()
    await service.stop()
  }
}
