import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Child {
  url: string
  proc: ChildProcess
  exited: Promise<number | null>
  /** Every line the service wrote to stdout (pino's JSON lines), as it goes. */
  log: string[]
}

/**
 * `npm start` as a separate process (node + tsx on src/main.ts), for tests that kill it. Resolves once the
 * service logs the address it listens on.
 */
export async function startChild (env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<number | null>(resolve => proc.once('exit', code => resolve(code)))
  const log: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! })
    lines.on('line', line => {
      log.push(line)
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
      if (m) resolve(m[1])
    })
    proc.once('exit', code => reject(new Error(`service exited (${code}) before listening`)))
  })
  return { url, proc, exited, log }
}
