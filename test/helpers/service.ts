import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, type App, type AppDeps } from '../../src/app.js'
import { makeConfig } from '../../src/config.js'
import { freshDatabase } from './postgres.js'

export interface Tap {
  teardown(fn: () => unknown): void
}

/** A clock the tests move by hand: no sleeps, no real time. */
export class ManualClock {
  constructor (public ms = Date.parse('2026-01-05T09:00:00.000Z')) {}
  now = (): number => this.ms
  advance (ms: number): void {
    this.ms += ms
  }
}

export function tempDir (t: Tap, prefix = 'webex-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** TEST_STORE=postgres: the database of each DATA_DIR a test started a service on. */
const databases = new Map<string, string>()

export interface Running extends App {
  url: string
  dataDir: string
}

/** The real service on 127.0.0.1 with its own temp store; closed when the test ends. */
export async function startService (
  t: Tap,
  settings: Record<string, unknown> = {},
  deps: AppDeps = {}
): Promise<Running> {
  const dataDir = (settings.dataDir as string | undefined) ?? tempDir(t)
  // A suite run on PostgreSQL (test/helpers/on-postgres.ts): every service it starts gets a database of its own,
  // and a service started again on the same DATA_DIR (a restart) the same database.
  if (process.env.TEST_STORE === 'postgres' && settings.store === undefined) {
    let databaseUrl = databases.get(dataDir)
    if (!databaseUrl) databases.set(dataDir, (databaseUrl = await freshDatabase(t)))
    settings = { ...settings, store: 'postgres', databaseUrl }
  }
  // In-process delivery unless a test asks for the thread: tests drive and observe the worker directly.
  // The runtime is on (as by default) but has no flows unless a test gives a directory: the shipped ones would
  // otherwise react to every other test's events.
  const config = makeConfig({
    logLevel: 'silent',
    port: 0,
    flows: { dir: join(dataDir, 'no-flows') },
    ...settings,
    dataDir,
    delivery: { thread: false, ...(settings.delivery as Record<string, unknown> | undefined) },
  })
  const built = await buildApp(config, deps)
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => built.app.close())
  return { ...built, url, dataDir }
}

export interface Reply<T = any> {
  status: number
  headers: Headers
  body: T
}

/** A tiny Webex client: bearer token, JSON in and out. */
export function client (baseUrl: string, token?: string) {
  return async function call<T = any> (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ): Promise<Reply<T>> {
    const res = await fetch(path.startsWith('http') ? path : baseUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
  }
}
export type Call = ReturnType<typeof client>

/** The `rel="next"` URL of a Link header, if any. */
export function nextLink (headers: Headers): string | undefined {
  return /<([^>]+)>;\s*rel="next"/.exec(headers.get('link') ?? '')?.[1]
}
