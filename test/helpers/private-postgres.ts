import pgClient from 'pg'
import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Tap } from './service.js'

const run = promisify(execFile)

/**
 * A PostgreSQL server of a test's own (initdb + pg_ctl in a temp dir, on a free loopback port), so the test can
 * stop and start it without touching the server other tests use. PostgreSQL refuses to run as root: then the
 * commands run as the `postgres` user through runuser.
 */
export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string
  /** `pg_ctl stop -m <mode>`: fast (sessions told to end) or immediate (killed, crash recovery on start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>
}

/** The newest installed PostgreSQL's bin directory, if any. */
function binDir (): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter(v => existsSync(join(root, v, 'bin', 'pg_ctl')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0], 'bin') : undefined
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function postgresUid (): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])])
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
  } catch {
    return undefined
  }
}

/** Why a private server cannot be started here (undefined when it can). */
export async function privatePostgresUnavailable (): Promise<string | undefined> {
  if (!binDir()) return 'did not run: no initdb/pg_ctl under /usr/lib/postgresql/*/bin'
  if (process.getuid?.() === 0 && !(await postgresUid())) {
    return 'did not run: running as root and there is no `postgres` user to run PostgreSQL as'
  }
  return undefined
}

/** Starts a private server (stopped and removed when the test ends), with `databases` created on it. */
export async function startPrivatePostgres (t: Tap, databases: string[] = []): Promise<PrivatePostgres> {
  const bin = binDir()
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql')
  const dir = mkdtempSync(join(tmpdir(), 'webex-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const owner = await postgresUid()
    if (!owner) throw new Error('running as root without a postgres user')
    chownSync(dir, owner.uid, owner.gid)
  }
  const pg = (tool: string, args: string[]): Promise<unknown> =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args)
  const port = await freePort()
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`
  let running = false
  const server: PrivatePostgres = {
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop (mode) {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'])
      running = false
    },
    async start () {
      await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start'])
      running = true
    },
  }
  t.teardown(async () => {
    if (running) await server.stop('immediate').catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  })
  await server.start()
  if (databases.length > 0) {
    const admin = new pgClient.Client({ connectionString: server.url() })
    await admin.connect()
    try {
      for (const name of databases) await admin.query(`CREATE DATABASE ${name}`)
    } finally {
      await admin.end()
    }
  }
  return server
}
