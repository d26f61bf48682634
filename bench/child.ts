import { spawn } from 'node:child_process'
import { Pool } from 'undici'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** The repository, from bench/ (run by tsx) or from dist/bench/ (a bench child compiled by tsc). */
export const ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '..' : '../..', import.meta.url))

/**
 * tsc's output of the module at `path` (from the root, no extension): the services under load run compiled, as
 * `npm start` runs them (tsx's keepNames wraps every named closure in a defineProperty call, ~8-10% of the CPU of a
 * message with the shipped flows), and so do the floors beside them. `npm run bench` builds it first.
 */
export function compiled (path: string): string {
  const file = join(ROOT, 'dist', `${path}.js`)
  if (!existsSync(file)) throw new Error(`${file} is missing: \`npm run build\` first (npm run bench does)`)
  return file
}

/**
 * `npm start`'s compiled service in a child process on a fresh temp store (SQLite unless `env` says otherwise),
 * for benchmarks that load it from outside; or, with `entry`, another compiled module started the same way, which
 * prints the same "Server listening at" line.
 */
export async function startServiceProcess (
  env: Record<string, string> = {},
  entry = 'src/main'
): Promise<{ url: string; stop: () => Promise<void> }> {
  const proc = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []),
      compiled(entry),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'webex-bench-')),
        THROTTLE_ENABLED: 'false',
        // SQLite unless asked: a bench run with STORE=postgres measures PostgreSQL through cluster.ts only.
        STORE: 'sqlite',
        DATABASE_URL: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  )
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! })
    lines.on('line', line => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
      if (!m) return
      // The rest of the log (two lines a request) is drained unread: no line splitting on the bench's cores.
      lines.close()
      proc.stdout!.resume()
      resolve(m[1])
    })
    proc.once('exit', code => reject(new Error(`service exited with ${code}`)))
  })
  // Stopping waits for the exit, so a benchmark that follows does not share the CPU with a shutdown.
  const exited = new Promise<void>(resolve => proc.once('exit', () => resolve()))
  return {
    url,
    stop: async () => {
      proc.kill('SIGTERM')
      await exited
    },
  }
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

/**
 * Calls `fire` `rate` times a second for `seconds`, in ticks of 10 ms paced to the wall clock (a slow tick does
 * not shift the whole schedule). A rate that is not a multiple of 100 spreads over the ticks, so exactly
 * `rate * seconds` (rounded) fire. Resolves with the start time once the last tick has fired.
 */
export async function paced (seconds: number, rate: number, fire: (tick: number, i: number) => void): Promise<number> {
  const begin = Date.now()
  let fired = 0
  for (let tick = 0; tick < seconds * 100; tick++) {
    const wait = begin + tick * 10 - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    const due = Math.round((rate * (tick + 1)) / 100)
    for (let i = 0; fired < due; i++, fired++) fire(tick, i)
  }
  return begin
}

/**
 * A JSON POST/GET client over one keep-alive undici pool, for load generators: the cheapest client per call
 * at hand, so the generator takes as little as possible of the CPU the service under test needs.
 */
export function jsonClient (
  baseUrl: string,
  token: string
): {
    call: (
      method: string,
      path: string,
      body?: unknown
    ) => Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }>
    close: () => void
  } {
  const pool = new Pool(baseUrl, { connections: 64 })
  const call = async (
    method: string,
    path: string,
    body?: unknown
  ): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }> => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const res = await pool.request({
      method: method as 'GET' | 'POST',
      path,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { body: payload } : {}),
    })
    const text = await res.body.text()
    return { status: res.statusCode, body: text.startsWith('{') ? JSON.parse(text) : undefined, headers: res.headers }
  }
  return {
    call,
    close: () => {
      void pool.destroy()
    },
  }
}
