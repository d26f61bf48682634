import pg from 'pg'
import Cursor from 'pg-cursor'
import { randomUUID } from 'node:crypto'
import { TransactionalStore, type Frame, type Isolation, type Root, type TxOptions } from './db.js'
import { POSTGRES, numbered } from './dialect.js'
import { RETRYABLE_STATES, isUnavailable, sqlState, storeError } from './pg-errors.js'
import { migratePostgres } from './pg-migrations.js'
import { SettingError } from '../config.js'

/**
 * A pooled client's connection error: the query it fails rejects, the pool or the checkout's own listener reports
 * it, and the pool does not reuse the client.
 */
function ignoreHandled (): void {}

/** What the store logs (pino's shape, so Fastify's logger fits). */
export interface StoreLog {
  warn(obj: object, msg: string): void
}

/**
 * Results as SQLite gives them: int8 (bigint columns, count(*)) and numeric (sum of bigints) as numbers when
 * exact, else as their text; booleans (`a < b`, EXISTS) as 1/0, since the schema's flags are integers too.
 */
const PARSERS: Record<number, (v: string) => unknown> = {
  20: v => {
    const n = Number(v)
    return Number.isSafeInteger(n) ? n : v
  },
  1700: v => {
    const n = Number(v)
    if (Number.isSafeInteger(n)) return n
    // A fraction is exact enough as a double up to 15 significant digits (trailing zeros of avg() do not count).
    const significant = v.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '')
    return Number.isFinite(n) && v.includes('.') && significant.length <= 15 ? n : v
  },
  16: v => (v === 't' ? 1 : 0),
}
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && PARSERS[oid]
      ? PARSERS[oid]
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
}

const BEGIN: Record<Isolation, string> = {
  'read committed': 'BEGIN',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
}

interface Prepared {
  name: string
  text: string
  /** A plain SELECT: it writes nothing, so a transaction of only these need not tell other instances. */
  reads: boolean
}

export interface PostgresOptions {
  clock?: () => number
  log?: StoreLog
  /** Retry-After of the 503 answered while the database cannot be reached. */
  retryAfterSeconds?: number
  /**
   * NOTIFY this channel with `<instance>:<generation>` in every transaction that wrote, delivered on commit
   * only: other instances' read caches drop what they hold (cluster/invalidation.ts).
   */
  writeChannel?: string
}

/**
 * The asynchronous store on PostgreSQL (node-postgres): a pool; a transaction is one pooled client, found by
 * the queries of its body through AsyncLocalStorage. `txGrouped` is `tx`: PostgreSQL groups commits of
 * concurrent transactions itself, so a write is committed when its transaction resolves and `whenCommitted`
 * answers at once. A lost connection or database surfaces as StoreUnavailableError (503 + Retry-After); the pool
 * drops broken clients and connects again on the next query.
 */
export class PostgresStore extends TransactionalStore<pg.PoolClient> {
  readonly dialect = POSTGRES
  /** This instance's name in the notifications it sends (it ignores its own). */
  readonly instanceId = randomUUID()
  private readonly statements = new Map<string, Prepared>()
  private readonly retryAfter: number
  private commits = 0

  constructor (
    readonly pool: pg.Pool,
    private readonly opts: PostgresOptions = {}
  ) {
    super(opts.clock)
    this.retryAfter = opts.retryAfterSeconds ?? 5
    // An idle client whose connection dies reports it here; unheard, it would end the process.
    pool.on('error', err => opts.log?.warn({ err }, 'a pooled PostgreSQL connection failed; it is replaced on demand'))
    // The pool stops listening to a client as it hands it out, and `await pool.connect()` resumes a microtask
    // later: a FATAL read in the same socket chunk as the ReadyForQuery that freed the client (a fast shutdown
    // ends idle sessions) is emitted in between, with nobody listening, and would end the process. So every
    // client has a listener of its own for its whole life; the pool drops a client that is no longer queryable.
    pool.on('connect', client => client.on('error', ignoreHandled))
    pool.on('remove', client => client.off('error', ignoreHandled))
  }

  private prepared (sql: string): Prepared {
    let p = this.statements.get(sql)
    if (!p) {
      p = { name: `w${this.statements.size}`, text: numbered(sql), reads: /^\s*SELECT\b/i.test(sql) }
      this.statements.set(sql, p)
    }
    return p
  }

  private mapped (err: unknown): unknown {
    return storeError(err, this.retryAfter)
  }

  private async query (sql: string, params: unknown[], rowMode?: 'array'): Promise<pg.QueryResult> {
    const p = this.prepared(sql)
    const f = this.current()
    const config = { name: p.name, text: p.text, values: params, ...(rowMode ? { rowMode } : {}) }
    try {
      if (!f) return await this.pool.query(config)
      if (!p.reads) f.root.wrote = true
      return await f.root.conn.query(config)
    } catch (err) {
      this.failed(err)
      throw this.mapped(err)
    }
  }

  async get<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined
  }

  async all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[]
  }

  async values<T extends unknown[]>(sql: string, ...params: unknown[]): Promise<T[]> {
    return (await this.query(sql, params, 'array')).rows as T[]
  }

  async run (sql: string, ...params: unknown[]): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0
  }

  async exec (sql: string): Promise<void> {
    const f = this.current()
    try {
      if (!f) await this.pool.query(sql)
      else {
        f.root.wrote = true
        await f.root.conn.query(sql)
      }
    } catch (err) {
      this.failed(err)
      throw this.mapped(err)
    }
  }

  async scan<T extends unknown[]>(sql: string, params: unknown[], row: (r: T) => void): Promise<number> {
    const f = this.current()
    const own = f ? undefined : await this.connect()
    const client = f ? f.root.conn : own!.client
    let broken: Error | undefined
    try {
      const cursor = client.query(new Cursor<T>(numbered(sql), params, { rowMode: 'array', types: TYPES }))
      let n = 0
      for (;;) {
        const rows = await cursor.read(1000)
        if (rows.length === 0) break
        for (const r of rows) row(r)
        n += rows.length
      }
      await cursor.close()
      return n
    } catch (err) {
      if (f) this.failed(err)
      if (isUnavailable(err)) broken = err as Error
      throw this.mapped(err)
    } finally {
      own?.release(broken)
    }
  }

  /**
   * A client for a transaction or a scan, and how to give it back. The pool listens for errors of idle clients
   * only: one checked out that loses its connection between queries reports it here (unheard, it would end the
   * process), and is destroyed on release instead of going back to the pool.
   */
  private async connect (): Promise<{ client: pg.PoolClient; release: (err?: Error) => void }> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      throw this.mapped(err)
    }
    let lost: Error | undefined
    const onError = (err: Error): void => {
      lost = err
    }
    client.on('error', onError)
    return {
      client,
      release: err => {
        client.off('error', onError)
        client.release(err ?? lost)
      },
    }
  }

  protected async control (frame: Frame<pg.PoolClient>, sql: string): Promise<void> {
    try {
      await frame.root.conn.query(sql)
    } catch (err) {
      throw this.mapped(err)
    }
  }

  protected async outer<T>(body: () => Promise<T>, _grouped: boolean, opts: TxOptions): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(body, opts.isolation ?? 'read committed')
      } catch (err) {
        const state = sqlState(err)
        if (attempt >= (opts.retries ?? 0) || state === undefined || !RETRYABLE_STATES.has(state)) throw err
      }
    }
  }

  private async attempt<T>(body: () => Promise<T>, isolation: Isolation): Promise<T> {
    const { client, release } = await this.connect()
    const root: Root<pg.PoolClient> = { conn: client, wrote: false }
    let broken: Error | undefined
    let tell = false
    let after: Array<() => void> | undefined
    try {
      await client.query(BEGIN[isolation])
      let ran: { frame: Frame<pg.PoolClient>; value: T }
      try {
        ran = await this.within(root, 0, body)
      } catch (err) {
        await client.query('ROLLBACK')
        throw err
      }
      // The notification goes out with the COMMIT, in one round trip, and only if it commits.
      const commit =
        root.wrote && this.opts.writeChannel
          ? `SELECT pg_notify(${client.escapeLiteral(this.opts.writeChannel)}, ` +
            `${client.escapeLiteral(`${this.instanceId}:${++this.commits}`)}); COMMIT`
          : 'COMMIT'
      const res = (await client.query(commit)) as pg.QueryResult | pg.QueryResult[]
      const last = Array.isArray(res) ? res[res.length - 1] : res
      // COMMIT of a transaction PostgreSQL already aborted answers ROLLBACK, not an error.
      if (last.command === 'ROLLBACK') {
        throw new Error('PostgreSQL rolled the transaction back instead of committing it.')
      }
      tell = ran.frame.notify
      after = ran.frame.after
      return ran.value
    } catch (err) {
      if (isUnavailable(err)) broken = err as Error
      throw this.mapped(err)
    } finally {
      release(broken)
      this.bump()
      if (tell) this.committed(after)
    }
  }

  whenCommitted (callback: (err?: Error) => void): void {
    callback()
  }

  async commit (): Promise<void> {}

  async close (): Promise<void> {
    await this.pool.end()
  }
}

export interface OpenPostgresOptions extends PostgresOptions {
  /** DATABASE_URL. */
  url: string
  /** Connections in the pool. */
  poolMax?: number
  /** Milliseconds to wait for a connection before the query fails as unavailable. */
  connectTimeoutMs?: number
}

/** The URL with its password hidden, for messages. */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(not a URL)'
  }
}

/** A pool on `url`, with the store's type parsers. */
export function makePool (opts: OpenPostgresOptions): pg.Pool {
  return new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'webex-spaces-connector',
    types: TYPES,
  })
}

/**
 * Opens the PostgreSQL store: checks DATABASE_URL (its form, then a connection), brings the schema up to date,
 * and returns the store. Any failure names the setting, so a wrong URL stops the service at start, plainly.
 */
export async function openPostgresStore (opts: OpenPostgresOptions): Promise<PostgresStore> {
  let url: URL
  try {
    url = new URL(opts.url)
  } catch {
    throw new SettingError('DATABASE_URL is not a URL: expected postgres://user[:password]@host[:port]/database.')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new SettingError(
      `DATABASE_URL must be a postgres:// URL (postgres://user[:password]@host[:port]/database), not ${url.protocol}//.`
    )
  }
  const pool = makePool(opts)
  const store = new PostgresStore(pool, opts)
  try {
    await pool.query('SELECT 1')
    await migratePostgres(pool)
  } catch (err) {
    await pool.end().catch(() => undefined)
    throw new SettingError(`DATABASE_URL ${redactUrl(opts.url)}: ${describe(err)}`, { cause: err })
  }
  return store
}

/** A driver error in words: node's AggregateError (every address refused) has no message of its own. */
function describe (err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(describe).join('; ')
  const e = err as { message?: string; code?: string }
  return e.message || e.code || String(err)
}
