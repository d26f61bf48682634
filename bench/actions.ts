import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

interface Urls {
  service: string
  serviceUncached: string
  serviceWithFlows: string
  bare: string
  roomId: string
  token: string
}

async function startServers (): Promise<{ urls: Urls; stop: () => void }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./servers.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve)
    proc.once('exit', code => reject(new Error(`bench servers exited with ${code}`)))
  })
  return { urls: JSON.parse(line) as Urls, stop: () => proc.kill('SIGKILL') }
}

async function measure (
  url: string,
  opts: { method?: 'GET' | 'POST'; body?: string; token?: string }
): Promise<{ rps: number; p99: number; errors: number }> {
  const result = await autocannon({
    url,
    duration: DURATION,
    connections: CONNECTIONS,
    method: opts.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    ...(opts.body ? { body: opts.body } : {}),
  })
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

/** Get Spaces List and Send a Message against a bare Fastify route returning the same JSON, side by side. */
export async function benchActions (): Promise<void> {
  const { urls, stop } = await startServers()
  try {
    const cases = [
      { name: 'Get Spaces List (GET /v1/rooms)', path: '/v1/rooms', target: 0.6 },
      {
        name: 'Send a Message (POST /v1/messages)',
        path: '/v1/messages',
        method: 'POST' as const,
        body: JSON.stringify({ roomId: urls.roomId, text: 'load' }),
        flows: true,
      },
    ]
    process.stdout.write(
      `actions: ${DURATION}s each, ${CONNECTIONS} connections, service and bare route in one child process\n`
    )
    for (const c of cases) {
      const opts = { ...(c.method ? { method: c.method } : {}), ...(c.body ? { body: c.body } : {}) }
      const bare = await measure(urls.bare + c.path, opts)
      const action = await measure(urls.service + c.path, { ...opts, token: urls.token })
      const uncached = await measure(urls.serviceUncached + c.path, { ...opts, token: urls.token })
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
            `${uncached.errors}), ratio ${((uncached.rps / bare.rps) * 100).toFixed(1)}%\n`
      )
      if (c.flows) {
        const flows = await measure(urls.serviceWithFlows + c.path, { ...opts, token: urls.token })
        process.stdout.write(
          `    action with the shipped flows running ${flows.rps.toFixed(0)} req/s (p99 ${flows.p99} ms, errors ` +
            `${flows.errors}), ${((flows.rps / action.rps) * 100).toFixed(1)}% of the action without them\n`
        )
      }
    }
  } finally {
    stop()
  }
}
