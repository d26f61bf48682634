import { spawn } from 'node:child_process'
import http from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** `npm start` in a child process on a fresh temp store, for benchmarks that load it from outside. */
export async function startServiceProcess (env: Record<string, string> = {}): Promise<{ url: string, stop: () => void }> {
  const proc = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []), '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'webex-bench-')), THROTTLE_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', line => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
      if (m) resolve(m[1])
    })
    proc.once('exit', code => reject(new Error(`service exited with ${code}`)))
  })
  return { url, stop: () => proc.kill('SIGTERM') }
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

/**
 * Calls `fire` `rate` times a second for `seconds`, in ticks of 10 ms paced to the wall clock (a slow tick does
 * not shift the whole schedule). Resolves with the start time once the last tick has fired.
 */
export async function paced (seconds: number, rate: number, fire: (tick: number, i: number) => void): Promise<number> {
  const perTick = rate / 100
  const begin = Date.now()
  for (let tick = 0; tick < seconds * 100; tick++) {
    const wait = begin + tick * 10 - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    for (let i = 0; i < perTick; i++) fire(tick, i)
  }
  return begin
}

/** A JSON POST/GET client over one keep-alive agent, for load generators (fetch is slower to set up per call). */
export function jsonClient (baseUrl: string, token: string): { call: (method: string, path: string, body?: unknown) => Promise<{ status: number, body: any, headers: http.IncomingHttpHeaders }>, close: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const call = (method: string, path: string, body?: unknown): Promise<{ status: number, body: any, headers: http.IncomingHttpHeaders }> => new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(baseUrl + path, {
      method, agent,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) }
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : undefined, headers: res.headers })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
  return { call, close: () => agent.destroy() }
}
