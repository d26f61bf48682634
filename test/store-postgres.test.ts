import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openPostgresStore, PostgresStore, makePool } from '../src/store/postgres.js'
import { migratePostgres, PG_MIGRATIONS } from '../src/store/pg-migrations.js'
import { StoreUnavailableError } from '../src/errors.js'
import { installErrorHandling } from '../src/http/error-handler.js'
import { buildApp } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { storeContract } from './store/contract.js'
import { freshDatabase, pgUnavailable, terminateConnections, urlOf } from './helpers/postgres.js'
import { tempDir } from './helpers/service.js'
import { DEMO } from '../src/demo.js'

// The asynchronous store on PostgreSQL: the same contract as SQLite's, then the driver's part (types, pool,
// lost connections, DATABASE_URL), each test on a database of its own. Runs whenever PostgreSQL is reachable
// (DATABASE_URL, else this machine's on 127.0.0.1:5432); CI always has it.

const skip = await pgUnavailable()

async function open (t: Test, opts: { poolMax?: number } = {}): Promise<PostgresStore> {
  const store = await openPostgresStore({ url: await freshDatabase(t), poolMax: opts.poolMax ?? 4 })
  t.teardown(() => store.close())
  return store
}

if (skip) {
  t.test('the PostgreSQL store', { skip }, async () => {})
} else {
  t.test('the store contract on PostgreSQL', async t => {
    storeContract(t, open)
  })

  t.test('results come back as SQLite gives them: int8 and numeric as numbers, booleans as 1/0', async t => {
    const s = await open(t)
    t.same(
      await s.get(
        "SELECT CAST(9007199254740991 AS bigint) AS big, CAST('12.50' AS numeric) AS dec, 2 > 1 AS yes, " +
          '1 > 2 AS no, avg(x) AS mean FROM (VALUES (1), (2)) AS v(x)'
      ),
      { big: 9007199254740991, dec: 12.5, yes: 1, no: 0, mean: 1.5 }
    )
    t.same(
      await s.get("SELECT CAST('9007199254740993' AS bigint) AS big, CAST('0.1234567890123456789' AS numeric) AS dec"),
      { big: '9007199254740993', dec: '0.1234567890123456789' },
      'beyond what a double holds exactly: the text'
    )
  })

  t.test('the database unreachable: StoreUnavailableError (503, Retry-After) from queries and txs', async t => {
    const pool = makePool({ url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 2000 })
    const s = new PostgresStore(pool, { retryAfterSeconds: 7 })
    t.teardown(() => s.close())
    const err = await s.get('SELECT 1').catch((e: unknown) => e)
    t.ok(err instanceof StoreUnavailableError, 'a query')
    t.match(err, { statusCode: 503, headers: { 'retry-after': '7' } })
    t.ok((await s.tx(() => s.run('SELECT 1')).catch((e: unknown) => e)) instanceof StoreUnavailableError, 'a tx')
    t.ok((await s.scan('SELECT 1', [], () => {}).catch((e: unknown) => e)) instanceof StoreUnavailableError, 'a scan')

    // The error handler answers it in the Webex shape, with Retry-After.
    const app = Fastify()
    installErrorHandling(app)
    app.get('/probe', async () => s.get('SELECT 1'))
    const res = await app.inject('/probe')
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '7')
    t.match(res.json(), { message: /database is unavailable/, errors: [{ description: /Service Unavailable/ }] })
    t.ok(res.json().trackingId, 'and a trackingId')
  })

  t.test('a connection lost mid-transaction fails it as unavailable; the pool connects again by itself', async t => {
    const url = await freshDatabase(t)
    const s = await openPostgresStore({ url, poolMax: 2 })
    t.teardown(() => s.close())
    await s.exec('CREATE TABLE notes (n integer)')
    const lost = s.tx(async () => {
      await s.run('INSERT INTO notes VALUES (1)')
      const { pid } = (await s.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!
      await terminateConnections(url, [pid])
      await s.run('INSERT INTO notes VALUES (2)')
    })
    await t.rejects(lost, StoreUnavailableError)
    // Every other connection goes too (a restart, as far as the pool can tell).
    await terminateConnections(url)
    const failures: unknown[] = []
    let value: number | undefined
    for (let i = 0; i < 5 && value === undefined; i++) {
      try {
        value = (await s.get<{ n: number }>('SELECT count(*) AS n FROM notes'))!.n
      } catch (err) {
        failures.push(err)
      }
    }
    t.equal(value, 0, 'answered again, and the lost transaction left nothing')
    t.ok(failures.length <= 2, 'at most one failure per pooled connection lost')
    t.ok(
      failures.every(e => e instanceof StoreUnavailableError),
      'each one a StoreUnavailableError'
    )
  })

  t.test('a connection lost in the turn its client is handed to a waiting transaction fails that one only', async t => {
    // A fast shutdown ends idle sessions: the FATAL can come in the same socket read as the ReadyForQuery that
    // freed the client, so it is emitted after the pool hands the client on and before the transaction that
    // waited for it resumes. Here the socket is reset at that moment (the pool's release, in the read).
    const s = await open(t, { poolMax: 1 })
    await s.get('SELECT 1')
    s.pool.once('release', (_err, client) => {
      ;(client as unknown as { connection: { stream: { destroy(err: Error): void } } }).connection.stream.destroy(
        Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
      )
    })
    const freeing = s.get<{ n: number }>('SELECT 2 AS n')
    const waiting = s.tx(() => s.get('SELECT 3'))
    t.same(await freeing, { n: 2 }, 'the query that freed the client is answered')
    await t.rejects(waiting, StoreUnavailableError, 'the transaction on the lost connection: unavailable (503)')
    t.same(await s.get('SELECT 4 AS n'), { n: 4 }, 'the pool connects again, and the process is still here')
  })

  t.test('a wrong DATABASE_URL stops at start with a message naming the setting (and no password)', async t => {
    await t.rejects(openPostgresStore({ url: 'not a url' }), /DATABASE_URL is not a URL/)
    await t.rejects(openPostgresStore({ url: 'mysql://root@127.0.0.1/test' }), /DATABASE_URL must be a postgres:\/\//)
    const wrong = (await openPostgresStore({
      url: urlOf('no_such_database_here').replace('postgres@', 'postgres:hunter2@'),
    }).catch((e: unknown) => e)) as Error
    t.match(wrong.message, /^DATABASE_URL postgres:\/\/postgres:\*\*\*@.*no_such_database_here.*does not exist/)
    t.notOk(wrong.message.includes('hunter2'), 'the password is not shown')
    await t.rejects(
      openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 2000 }),
      /^DATABASE_URL postgres:\/\/postgres@127\.0\.0\.1:1\/test: .*ECONNREFUSED/
    )
    t.throws(() => makeConfig({ store: 'postgres' }), /STORE=postgres needs DATABASE_URL/)
    await t.rejects(
      buildApp(makeConfig({ store: 'postgres', databaseUrl: 'postgres://postgres@127.0.0.1:1/test', logLevel: 'silent' })),
      /DATABASE_URL/
    )
    // A good one: the service runs on it, the demo organisation seeded there.
    const { app } = await buildApp(
      makeConfig({ store: 'postgres', databaseUrl: await freshDatabase(t), logLevel: 'silent', dataDir: tempDir(t) })
    )
    t.teardown(() => app.close())
    const me = await app.inject({ url: '/v1/people/me', headers: { authorization: `Bearer ${DEMO.tokens.alice}` } })
    t.equal(me.json().emails[0], 'alice@example.com', 'a good URL: the service runs on PostgreSQL')
  })

  t.test('npm start with a wrong DATABASE_URL exits at once, naming it', async t => {
    const root = fileURLToPath(new URL('..', import.meta.url))
    const child = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        STORE: 'postgres',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
        PORT: '0',
        DATA_DIR: tempDir(t),
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString()
    })
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
    t.not(code, 0)
    t.match(stderr, /DATABASE_URL postgres:\/\/postgres@127\.0\.0\.1:1\/test/)
  })

  t.test('migrations: recorded, run once when three instances start together, a newer schema refused', async t => {
    const url = await freshDatabase(t)
    const stores = await Promise.all([0, 1, 2].map(() => openPostgresStore({ url, poolMax: 2 })))
    t.teardown(() => Promise.all(stores.map(s => s.close())))
    t.same(
      await stores[0].values('SELECT version FROM schema_migrations ORDER BY version'),
      PG_MIGRATIONS.map((_, i) => [i + 1])
    )
    await migratePostgres(stores[1].pool)
    t.same((await stores[1].values('SELECT count(*) FROM schema_migrations'))[0], [PG_MIGRATIONS.length], 'no-op')
    await stores[0].run("INSERT INTO schema_migrations (version, applied) VALUES (99, 'later')")
    await t.rejects(openPostgresStore({ url }), /newer release \(schema 99/)
  })
}
