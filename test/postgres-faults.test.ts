import t, { type Test } from 'tap'
import pg from 'pg'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startChild, type Child } from './helpers/child.js'
import { client, nextLink, startService, tempDir, type Call, type Reply } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { isWebexError } from './helpers/assertions.js'
import { pgUnavailable, urlOf } from './helpers/postgres.js'
import { privatePostgresUnavailable, startPrivatePostgres } from './helpers/private-postgres.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { Listener } from '../src/store/cluster/notify.js'

// Faults of the database, seen from outside: `npm start` (src/main.ts) as a child process. A wrong DATABASE_URL
// stops the start plainly; PostgreSQL stopped and started under load (a private server of this test's own, so
// nothing else is disturbed) gives 503s, loses no acknowledged write, and the service comes back by itself.

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** src/main.ts with `env`, to its exit: its code and what it wrote. */
async function startFails (t: Test, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, STORE: 'postgres', PORT: '0', DATA_DIR: tempDir(t), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString()
  })
  child.stdout.resume()
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  return { code, stderr }
}

function stopsPlainly (t: Test, res: { code: number | null; stderr: string }, names: RegExp): void {
  t.not(res.code, 0, 'exits non-zero')
  t.not(res.code, null, 'exits by itself')
  t.match(res.stderr, names, `the message: ${res.stderr.trim()}`)
  t.notMatch(res.stderr, /^\s+at /m, 'no stack trace')
  t.ok(res.stderr.trim().split('\n').length <= 2, 'a line or two')
}

t.test('a wrong DATABASE_URL stops the start with a message naming it, no stack trace', async t => {
  t.test('not a URL', async t => {
    stopsPlainly(t, await startFails(t, { DATABASE_URL: 'not a url' }), /DATABASE_URL is not a URL/)
  })
  t.test('not a postgres:// URL', async t => {
    stopsPlainly(t, await startFails(t, { DATABASE_URL: 'mysql://root@127.0.0.1/test' }), /DATABASE_URL must be/)
  })
  t.test('STORE=postgres without it', async t => {
    stopsPlainly(t, await startFails(t, { DATABASE_URL: '' }), /STORE=postgres needs DATABASE_URL/)
  })
  t.test('nothing listening on the port', async t => {
    stopsPlainly(
      t,
      await startFails(t, { DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/test' }),
      /DATABASE_URL postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test.*ECONNREFUSED/
    )
  })
  t.test('a host that does not exist', async t => {
    const res = await startFails(t, { DATABASE_URL: 'postgres://postgres@no-such-host.invalid:5432/test' })
    stopsPlainly(t, res, /DATABASE_URL postgres:\/\/postgres@no-such-host\.invalid:5432\/test.*(ENOTFOUND|EAI_AGAIN)/)
  })
  t.test('a database that does not exist', async t => {
    const unavailable = await pgUnavailable()
    if (unavailable) {
      t.pass(`a database that does not exist ${unavailable}`)
      return
    }
    stopsPlainly(
      t,
      await startFails(t, { DATABASE_URL: urlOf('no_such_database_here') }),
      /DATABASE_URL .*no_such_database_here.*does not exist/
    )
  })
})

interface Outcome {
  kind: 'message' | 'room'
  /** Which phase the call was sent in, and which one it was answered in. */
  sent: Phase
  answered: Phase
  res: Reply
}
type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'back'

/** Polls `check` until it holds or the deadline passes (then fails, saying what it waited for). */
async function until (what: string, check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/** Every id of a list (all its pages). */
async function listIds (call: Call, path: string): Promise<Set<string>> {
  const ids = new Set<string>()
  let next: string | undefined = path
  while (next) {
    const page: Reply = await call('GET', next)
    if (page.status !== 200) throw new Error(`GET ${next}: ${page.status}`)
    for (const item of page.body.items) ids.add(item.id)
    next = nextLink(page.headers)
  }
  return ids
}

const unavailable = (await pgUnavailable()) ?? (await privatePostgresUnavailable())
t.test('PostgreSQL stopped and started under load: 503s, no acknowledged write lost, back by itself', async t => {
  if (unavailable) {
    t.comment(`The outage test ${unavailable}`)
    t.pass(`the outage test ${unavailable}`)
    return
  }
  const server = await startPrivatePostgres(t, ['webex'])

  const rx = await startReceiver(t)
  const service: Child = await startChild({
    STORE: 'postgres',
    DATABASE_URL: server.url('webex'),
    DATA_DIR: tempDir(t),
    LOG_REQUESTS: 'false',
    // The throttle on, counted in the database (the cluster limiter), with room for the whole load.
    THROTTLE_ENABLED: 'true',
    THROTTLE_LIMIT: '1000000',
    DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
    DELIVERY_BASE_DELAY_MS: '50',
    DELIVERY_MAX_DELAY_MS: '500',
  })
  t.teardown(() => {
    service.proc.kill('SIGKILL')
  })

  // Four writers, each in a space of its own (Send a Message), creating spaces now and then (Create Space).
  const writers = [DEMO.tokens.alice, DEMO.tokens.bob, DEMO.tokens.carol, DEMO.tokens.dave].map(token => ({
    call: client(service.url, token),
    room: '',
  }))
  for (const [i, w] of writers.entries()) {
    const room = await w.call('POST', '/v1/rooms', { title: `Writer ${i}` })
    t.equal(room.status, 200)
    w.room = room.body.id
  }
  // Every message of the first writer's space goes to a webhook too: deliveries go on across the outage.
  const sub = await writers[0].call('POST', '/v1/webhooks', {
    name: 'outage',
    targetUrl: rx.url,
    resource: 'messages',
    event: 'created',
    filter: `roomId=${writers[0].room}`,
  })
  t.equal(sub.status, 200)

  let phase: Phase = 'up'
  let running = true
  const outcomes: Outcome[] = []
  const failures: unknown[] = []
  const load = writers.map(async (w, i) => {
    for (let n = 0; running; n++) {
      const kind = n % 5 === 4 ? 'room' : 'message'
      const sent = phase
      try {
        const res =
          kind === 'room'
            ? await w.call('POST', '/v1/rooms', { title: `Writer ${i} space ${n}` })
            : await w.call('POST', '/v1/messages', { roomId: w.room, text: `writer ${i} message ${n}` })
        outcomes.push({ kind, sent, answered: phase, res })
      } catch (err) {
        // No answer at all: the service closed the connection (or died).
        failures.push(err)
        running = false
      }
    }
  })
  const answered = (p: (o: Outcome) => boolean): number => outcomes.filter(p).length
  const acknowledged = (o: Outcome): boolean => o.res.status === 200

  try {
    // Two outages: a fast shutdown (sessions told to end) and an immediate one (killed, crash recovery).
    for (const mode of ['fast', 'immediate'] as const) {
      const before = answered(acknowledged)
      await until(`writes acknowledged before the ${mode} stop`, () => answered(acknowledged) >= before + 40)
      phase = 'stopping'
      await server.stop(mode)
      phase = 'down'
      const downFrom = outcomes.length
      await until(
        `answers during the ${mode} outage`,
        () => outcomes.slice(downFrom).filter(o => o.sent === 'down' && o.answered === 'down').length >= 40
      )
      phase = 'starting'
      await server.start()
      phase = 'back'
      const backFrom = outcomes.length
      await until(
        `writes acknowledged after the ${mode} outage`,
        () => outcomes.slice(backFrom).filter(o => o.sent === 'back' && acknowledged(o)).length >= 40
      )
      phase = 'up'
    }
  } finally {
    running = false
    await Promise.all(load)
  }

  t.same(failures, [], 'every call was answered')
  t.equal(service.proc.exitCode, null, 'the service is still running')
  const statuses = new Map<number, number>()
  for (const o of outcomes) statuses.set(o.res.status, (statuses.get(o.res.status) ?? 0) + 1)
  t.comment(`answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.same(
    [...statuses.keys()].filter(s => s !== 200 && s !== 503),
    [],
    'every answer is 200 or 503'
  )
  const down = outcomes.filter(o => o.sent === 'down' && o.answered === 'down')
  t.ok(down.length >= 80, `${down.length} calls sent and answered while the database was down`)
  t.same(down.filter(o => o.res.status !== 503).map(o => o.res.status), [], 'all 503 while it was down')
  const unavailableAnswers = outcomes.filter(o => o.res.status === 503)
  let shaped = 0
  for (const o of unavailableAnswers) {
    const retryAfter = o.res.headers.get('retry-after')
    if (
      typeof o.res.body?.message === 'string' &&
      /database is unavailable/.test(o.res.body.message) &&
      o.res.body.errors?.[0]?.description &&
      o.res.body.trackingId === o.res.headers.get('trackingid') &&
      retryAfter !== null &&
      /^[1-9]\d*$/.test(retryAfter)
    ) {
      shaped++
    }
  }
  t.equal(shaped, unavailableAnswers.length, 'each 503 in the Webex shape with Retry-After')
  isWebexError(t, down[0].res, 503, /database is unavailable/)

  // Every acknowledged write is there.
  const rx0 = new Set<string>()
  for (const [i, w] of writers.entries()) {
    const mine = outcomes.filter(o => o.res.status === 200 && o.res.body.roomId === w.room).map(o => o.res.body.id)
    const stored = await listIds(w.call, `/v1/messages?roomId=${w.room}&max=1000`)
    t.same(
      mine.filter(id => !stored.has(id)),
      [],
      `writer ${i}: each of its ${mine.length} acknowledged messages is stored`
    )
    if (i === 0) for (const id of mine) rx0.add(id)
  }
  const rooms = new Set<string>()
  for (const w of writers) for (const id of await listIds(w.call, '/v1/rooms?max=1000')) rooms.add(id)
  const created = outcomes.filter(o => o.kind === 'room' && acknowledged(o)).map(o => o.res.body.id)
  t.ok(created.length > 0, `${created.length} spaces created`)
  t.same(
    created.filter(id => !rooms.has(id)),
    [],
    'each acknowledged space is stored'
  )

  // Deliveries resumed by themselves: every acknowledged message of the watched space reaches the webhook.
  await until('every acknowledged message of the watched space delivered', () => {
    const got = new Set(rx.received.map(r => r.body.data.id as string))
    return [...rx0].every(id => got.has(id))
  })
  t.pass(`all ${rx0.size} acknowledged messages of the watched space delivered`)

  // The flow runs the messages started (the shipped flows run, as under npm start) all end, none left queued or
  // running: runs whose claim, records or outcome met the outage are taken up or recorded once it is back.
  const db = new pg.Client({ connectionString: server.url('webex') })
  await db.connect()
  t.teardown(() => db.end())
  const open = async (): Promise<number> =>
    Number((await db.query("SELECT count(*) AS n FROM flow_runs WHERE status IN ('Queued', 'Running')")).rows[0].n)
  // A run whose claim was in flight when the database stopped may be Running with nobody running it (the COMMIT
  // went through, its answer was lost): the runtime fails it as RunInterrupted once the store is back.
  await t.test('every flow run ends', async t => {
    await until('every flow run ended', async () => (await open()) === 0).catch(async (err: unknown) => {
      const left = await db.query(
        `SELECT r.flow_id, r.status, r.instance, r.started,
           (SELECT json_agg(a.name || ':' || a.status) FROM flow_run_actions a WHERE a.run_seq = r.seq) AS actions
         FROM flow_runs r WHERE r.status IN ('Queued', 'Running') LIMIT 5`
      )
      t.comment(`runs left: ${JSON.stringify(left.rows)}`)
      throw err
    })
    t.equal(await open(), 0, 'no flow run left queued or running')
  })
  const runs = await db.query('SELECT status, count(*) AS n FROM flow_runs GROUP BY status ORDER BY status')
  t.comment(`flow runs by status: ${JSON.stringify(runs.rows)}`)
  t.ok(runs.rows.length > 0, 'the shipped flows ran')

  // Nothing crashed or went unmapped inside: no 500, no fatal, no unhandled rejection in the log.
  const bad = service.lines.filter(l => /"level":(60)|unhandled error|Unhandled|uncaught/i.test(l))
  t.same(bad.slice(0, 5), [], 'no fatal or unhandled error logged')
  service.proc.kill('SIGTERM')
  const code = await service.exited
  // On failure, what the service said last at error level (the shutdown's own line among them).
  if (code !== 0) for (const line of service.lines.filter(l => /"level":50/.test(l)).slice(-5)) t.comment(line)
  t.equal(code, 0, 'and it shuts down cleanly')
})

t.test('a lane cut off by the outage with work left resumes by itself, with no new write to wake it', async t => {
  if (unavailable) {
    t.pass(`the lane outage test ${unavailable}`)
    return
  }
  const server = await startPrivatePostgres(t, ['webex'])
  const svc = await startService(t, {
    store: 'postgres',
    databaseUrl: server.url('webex'),
    throttle: { enabled: false },
    delivery: { allowPrivateTargets: true },
  })
  const rx = await startReceiver(t)
  const alice = client(svc.url, DEMO.tokens.alice)
  const hook = await alice('POST', '/v1/webhooks', {
    name: 'apollo',
    targetUrl: rx.url,
    resource: 'messages',
    event: 'created',
    filter: `roomId=${DEMO_IDS.apollo}`,
  })
  t.equal(hook.status, 200)
  // The first delivery is held at the receiver; the second message is committed meanwhile, so the lane must
  // read the outbox again once the first is answered: by then the database is gone.
  let answer!: () => void
  const answered = new Promise<void>(resolve => {
    answer = resolve
  })
  let arrived!: () => void
  const firstArrived = new Promise<void>(resolve => {
    arrived = resolve
  })
  rx.respond = async () => {
    arrived()
    await answered
    return { status: 200 }
  }
  const a = await alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'first' })
  await firstArrived
  const b = await alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'second' })
  t.equal(b.status, 200)
  await server.stop('immediate')
  answer()
  await rx.count(1)
  rx.respond = () => ({ status: 200 })
  t.equal((await alice('GET', '/v1/people/me')).status, 503, 'the database is away')
  await server.start()
  // No write from here on: the lane must find the second message by itself.
  await until('the second message delivered after the outage', () => rx.received.length >= 2)
  t.same(
    rx.received.map(r => r.body.data.id),
    [a.body.id, b.body.id],
    'both delivered, in order'
  )
})

t.test('the LISTEN connection outlives a database stop: it reconnects by itself and hears again', async t => {
  if (unavailable) {
    t.pass(`the listener outage test ${unavailable}`)
    return
  }
  const server = await startPrivatePostgres(t)
  const listener = new Listener({ connectionString: server.url() }, { minRetryMs: 20, maxRetryMs: 200 })
  t.teardown(() => listener.close())
  await listener.start()
  const heard: string[] = []
  await listener.listen('outage', payload => heard.push(payload))
  let reconnects = 0
  listener.onReconnect(() => {
    reconnects++
  })
  const say = async (payload: string): Promise<void> => {
    const c = new pg.Client({ connectionString: server.url() })
    await c.connect()
    await c.query("SELECT pg_notify('outage', $1)", [payload])
    await c.end()
  }
  await say('before')
  await until('the notification before the stop', () => heard.includes('before'))
  await server.stop('immediate')
  await until('the listener notices the loss', () => listener.pid === undefined)
  await server.start()
  await until('the listener reconnected', () => reconnects === 1)
  await say('after')
  await until('the notification after the restart', () => heard.includes('after'))
  t.same(heard, ['before', 'after'], 'heard before and after the outage, once each')
})
