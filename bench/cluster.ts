import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { startServiceProcess } from './child.js'

/**
 * PostgreSQL for the benchmarks: `STORE=postgres` (with `DATABASE_URL`, else this machine's
 * postgres://postgres@127.0.0.1:5432/test) asks a benchmark to measure the service on PostgreSQL too, beside
 * SQLite, in the same run. The URL is the server's: each measurement gets a database of its own there,
 * dropped when it ends.
 */
export function benchPostgresUrl (): string | undefined {
  if (process.env.STORE !== 'postgres') return undefined
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
}

/** The URL of database `name` on the server of `url`. */
function databaseAt (url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function onServer (url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export interface Instances {
  /** Where each instance listens, in start order. */
  urls: string[]
  /** The database they share. */
  databaseUrl: string
  /** Stops every instance (SIGTERM, waiting for each exit), then drops the database. */
  stop: () => Promise<void>
}

/**
 * `n` instances of `npm start` (src/main.ts, each a child process with a DATA_DIR of its own and the throttle
 * off, as startServiceProcess starts them) on one fresh database of the server at `serverUrl`: the first
 * starts alone (it migrates and seeds the demo organisation), the others then together. `env` goes to every
 * instance (FLOWS_ENABLED, DELIVERY_*, ...). For a benchmark that loads several instances as a load balancer
 * would: split the load over `urls`.
 */
export async function startPostgresInstances (
  n: number,
  serverUrl: string,
  env: Record<string, string> = {}
): Promise<Instances> {
  const name = `webex_bench_${randomBytes(6).toString('hex')}`
  await onServer(serverUrl, `CREATE DATABASE ${name}`)
  const databaseUrl = databaseAt(serverUrl, name)
  const started: Array<Awaited<ReturnType<typeof startServiceProcess>>> = []
  const stop = async (): Promise<void> => {
    await Promise.all(started.map(s => s.stop()))
    await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
  try {
    const instanceEnv = { LOG_REQUESTS: 'false', ...env, STORE: 'postgres', DATABASE_URL: databaseUrl }
    started.push(await startServiceProcess(instanceEnv))
    const rest = await Promise.allSettled(Array.from({ length: n - 1 }, () => startServiceProcess(instanceEnv)))
    for (const r of rest) if (r.status === 'fulfilled') started.push(r.value)
    const failed = rest.find(r => r.status === 'rejected')
    if (failed) throw failed.reason
  } catch (err) {
    await stop()
    throw err
  }
  return { urls: started.map(s => s.url), databaseUrl, stop }
}
