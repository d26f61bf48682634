import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { client, tempDir } from './helpers/service.js'
import { startReceiver, type Receiver } from './helpers/receiver.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { decodeId } from '../src/ids.js'

// Several instances (`npm start` children) on one PostgreSQL database: each subscription's lane is worked by one
// of them at a time, through instances stopping and starting, and through a kill -9 of the one working them.
const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Small, so a takeover happens within the test's patience (ttl + a third); long enough for a loaded machine. */
const TTL_MS = 3000
const DEADLINE_MS = 60_000

interface Instance {
  url: string
  /** Its name in the leases table. */
  id: string
  proc: ChildProcess
  exited: Promise<number | null>
}

/** `npm start` on the shared database; resolves once it listens and has said which lease holder it is. */
async function startInstance (t: Test, databaseUrl: string): Promise<Instance> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      LOG_REQUESTS: 'false',
      STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      DATA_DIR: tempDir(t),
      FLOWS_ENABLED: 'false',
      THROTTLE_ENABLED: 'false',
      DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
      DELIVERY_LEASE_TTL_MS: String(TTL_MS),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.teardown(() => {
    proc.kill('SIGKILL')
  })
  const exited = new Promise<number | null>(resolve => proc.once('exit', code => resolve(code)))
  let id: string | undefined
  let url: string | undefined
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', line => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
      if (m) url = m[1]
      const lease = /"instance":"([0-9a-f-]+)".*delivery lanes leased/.exec(line)
      if (lease) id = lease[1]
      if (url && id) resolve()
    })
    proc.once('exit', code => reject(new Error(`instance exited (${code}) before listening`)))
  })
  return { url: url!, id: id!, proc, exited }
}

/** Polls `check` until it returns a value, failing after DEADLINE_MS: waiting on state, not on time. */
async function until<T> (what: string, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + DEADLINE_MS
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setImmediate(resolve))
  }
}

async function database (t: Test, url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  t.teardown(() => pool.end())
  return pool
}

/** Who holds the lane of each subscription now (expired leases count as nobody's). */
async function holders (db: pg.Pool, subscriptionIds: string[]): Promise<Array<string | undefined>> {
  const { rows } = await db.query<{ name: string; holder: string }>(
    `SELECT name, holder FROM leases WHERE name = ANY($1)
      AND expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint`,
    [subscriptionIds.map(id => `lane:${id}`)]
  )
  return subscriptionIds.map(id => rows.find(r => r.name === `lane:${id}`)?.holder)
}

/** Every lane's watermark is past every outbox row naming it: nothing more will be sent. */
async function drained (db: pg.Pool): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM outbox o JOIN subscriptions s ON o.targets LIKE '%,' || s.id || ',%'
      WHERE (o.tx, o.seq) > (s.delivered_tx, s.delivered_through) LIMIT 1`
  )
  return rows.length === 0
}

/** Receipts of one receiver: per webhook, message ids in the order of their first receipt, and duplicates. */
function receipts (rx: Receiver): Map<string, { order: string[]; duplicates: string[] }> {
  const by = new Map<string, { order: string[]; duplicates: string[] }>()
  for (const r of rx.received) {
    const k = by.get(r.body.id) ?? { order: [], duplicates: [] }
    by.set(r.body.id, k)
    if (k.order.includes(r.body.data.id)) k.duplicates.push(r.body.data.id)
    else k.order.push(r.body.data.id)
  }
  return by
}

const unavailable = await pgUnavailable()
if (unavailable) {
  t.comment(`Delivery across instances ${unavailable}`)
  t.pass(`delivery across instances ${unavailable}`)
} else {
  t.test('one webhook gets each event exactly once while instances stop and start', async t => {
    const url = await freshDatabase(t)
    const db = await database(t, url)
    const rx = await startReceiver(t)
    const a = await startInstance(t, url)
    const b = await startInstance(t, url)
    const hook = await client(a.url, DEMO.tokens.alice)('POST', '/v1/triggers/messages/created', {
      callbackUrl: rx.url,
      roomId: DEMO_IDS.apollo,
    })
    t.equal(hook.status, 201)
    const sent: string[] = []
    const post = async (via: Instance, n: number): Promise<void> => {
      const alice = client(via.url, DEMO.tokens.alice)
      for (let i = 0; i < n; i++) {
        const m = await alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: `m${sent.length}` })
        t.equal(m.status, 200)
        sent.push(m.body.id)
      }
    }
    await post(a, 5)
    await post(b, 5)
    // A stops gracefully in the middle of the traffic; C starts; then B stops and A2 starts.
    a.proc.kill('SIGTERM')
    await post(b, 5)
    t.equal(await a.exited, 0, 'A stopped cleanly')
    const c = await startInstance(t, url)
    await post(c, 5)
    await post(b, 5)
    b.proc.kill('SIGTERM')
    await post(c, 5)
    t.equal(await b.exited, 0, 'B stopped cleanly')
    const a2 = await startInstance(t, url)
    await post(a2, 5)
    await post(c, 5)
    await rx.count(sent.length)
    await until('every lane drained', async () => ((await drained(db)) ? true : undefined))
    const got = receipts(rx).get(hook.body.id)!
    t.same(got.order, sent, 'every event once, in the order the changes were made')
    t.same(got.duplicates, [], 'none twice: every stop handed the lane over with its watermark written')
    t.equal(rx.received.length, sent.length)
  })

  t.test('kill -9 of the instance working busy lanes: another takes them over, nothing lost, order kept', async t => {
    const url = await freshDatabase(t)
    const db = await database(t, url)
    const rx = await startReceiver(t)
    const a = await startInstance(t, url)
    const alice = client(a.url, DEMO.tokens.alice)
    const hooks: string[] = []
    for (const name of ['one', 'two']) {
      const h = await alice('POST', '/v1/webhooks', {
        name,
        targetUrl: rx.url,
        resource: 'messages',
        event: 'created',
        filter: `roomId=${DEMO_IDS.apollo}`,
      })
      t.equal(h.status, 200)
      hooks.push(h.body.id)
    }
    const subs = hooks.map(h => decodeId('WEBHOOK', h)!)
    // A holds both lanes before the others start, so they are A's to lose.
    await until('A holding both lanes', async () =>
      (await holders(db, subs)).every(h => h === a.id) ? true : undefined)
    const b = await startInstance(t, url)
    const c = await startInstance(t, url)
    // The 10th delivery of webhook one reaches the receiver and is never answered: A dies holding it.
    let hang!: () => void
    const hung = new Promise<void>(resolve => {
      hang = resolve
    })
    let inFlight: string | undefined
    let seen = 0
    rx.respond = got => {
      if (inFlight === undefined && got.body.id === hooks[0] && ++seen === 10) {
        inFlight = got.body.data.id
        hang()
        return new Promise(() => {})
      }
      return { status: 200 }
    }
    const sent: string[] = []
    const bob = client(b.url, DEMO.tokens.bob)
    for (let i = 0; i < 30; i++) {
      const m = await bob('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: `k${i}` })
      t.equal(m.status, 200)
      sent.push(m.body.id)
    }
    await hung
    t.same(await holders(db, subs), [a.id, a.id], 'A was working both lanes when it died')
    a.proc.kill('SIGKILL')
    t.equal(await a.exited, null, 'killed by the signal')
    // What A had delivered by its death: the only deliveries that may come again, with the one it was making.
    const beforeKill = [...receipts(rx)].map(([hook, r]) => [hook, new Set([...r.order, inFlight!])] as const)
    await rx.count(sent.length * 2)
    await until('every lane drained', async () => ((await drained(db)) ? true : undefined))
    const survivors = await holders(db, subs)
    t.ok(survivors.every(h => h === b.id || h === c.id), 'the lanes are with the instances still running')
    const got = receipts(rx)
    for (const [i, id] of hooks.entries()) {
      const r = got.get(id)!
      t.same(r.order, sent, `webhook ${i + 1}: every event, in order`)
      // At least once: only what A had sent (delivered but perhaps not recorded, or in flight) may come twice.
      const allowed = new Map(beforeKill).get(id) ?? new Set()
      t.same(r.duplicates.filter(d => !allowed.has(d)), [], `webhook ${i + 1}: nothing twice that A had not sent`)
    }
    t.ok(
      got.get(hooks[0])!.order.includes(inFlight!),
      'the delivery in flight at the kill went out again and was received'
    )
  })
}
