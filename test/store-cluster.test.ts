import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { openPostgresStore, type PostgresStore } from '../src/store/postgres.js'
import { ClusterLimiter } from '../src/store/cluster/throttle.js'
import { LeaseKeeper, Leases } from '../src/store/cluster/leases.js'
import { Listener, notify } from '../src/store/cluster/notify.js'
import { GENERATION_CHANNEL, invalidateAcrossInstances } from '../src/store/cluster/invalidation.js'
import { claim } from '../src/store/claim.js'
import { throttle } from '../src/throttle/plugin.js'
import { authenticate } from '../src/auth/authenticate.js'
import { installErrorHandling } from '../src/http/error-handler.js'
import type { WebexBackend } from '../src/backends/backend.js'
import type { Decision } from '../src/throttle/sliding-window.js'
import { ManualClock } from './helpers/service.js'
import { freshDatabase, pgUnavailable, terminateConnections } from './helpers/postgres.js'

// The cluster primitives on a real PostgreSQL: three stores (pools) on one database stand for three
// instances of the service. Runs whenever PostgreSQL is reachable.

const skip = await pgUnavailable()

async function cluster (
  t: Test,
  opts: { writeChannel?: string } = {}
): Promise<{ url: string; stores: PostgresStore[] }> {
  const url = await freshDatabase(t)
  const stores: PostgresStore[] = []
  for (let i = 0; i < 3; i++) stores.push(await openPostgresStore({ url, poolMax: 4, ...opts }))
  t.teardown(() => Promise.all(stores.map(s => s.close())))
  return { url, stores }
}

/** Resolves with the next value `subscribe` hands its callback. */
function next<T> (subscribe: (cb: (v: T) => void) => void): Promise<T> {
  return new Promise(resolve => subscribe(resolve))
}

if (skip) {
  t.test('the cluster primitives on PostgreSQL', { skip }, async () => {})
} else {
  t.test('the throttle: 300 concurrent calls on one token over three instances admit exactly 100', async t => {
    const { stores } = await cluster(t)
    const clock = new ManualClock()
    const limiters = stores.map(s => new ClusterLimiter(s, 100, 60_000, clock.now))
    const decisions = await Promise.all(Array.from({ length: 300 }, (_, i) => limiters[i % 3].take('token-a')))
    const allowed = decisions.filter((d): d is Extract<Decision, { allowed: true }> => d.allowed)
    t.equal(allowed.length, 100, 'exactly the limit, for the cluster')
    t.same(
      allowed.map(d => d.remaining).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
      'each admission saw the count before it'
    )
    t.ok(
      decisions.every(d => d.allowed || d.retryAfterMs === 60_000),
      'the refused wait for the oldest call to leave the window'
    )
    t.match(await limiters[1].take('token-b'), { allowed: true, remaining: 99 }, 'another token has its own window')
    clock.advance(59_999)
    t.match(await limiters[2].take('token-a'), { allowed: false, retryAfterMs: 1 })
    clock.advance(1)
    t.match(await limiters[0].take('token-a'), { allowed: true }, 'the window slid: admitted again')
    const stored = await stores[0].values<[string]>('SELECT key FROM throttle_windows')
    t.notOk(
      stored.some(([k]) => k.includes('token')),
      'tokens are stored hashed'
    )
    clock.advance(60_000)
    t.equal(await limiters[0].sweep(), 2, 'idle windows are swept')
  })

  t.test("the throttle on the database's clock, and through the plugin: 429 + Retry-After anywhere", async t => {
    const { stores } = await cluster(t)
    const onDbClock = stores.map(s => new ClusterLimiter(s, 10, 60_000))
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => onDbClock[i % 3].take('token-c')))
    t.equal(decisions.filter(d => d.allowed).length, 10)
    t.ok(decisions.every(d => d.allowed || (d.retryAfterMs > 0 && d.retryAfterMs <= 60_000)))

    const backend = {
      authenticate: async (token: string) => ({ token, personId: 'p', orgId: 'o', roles: [] }),
    } as unknown as WebexBackend
    const apps = await Promise.all(
      stores.map(async s => {
        const app = Fastify()
        installErrorHandling(app)
        await app.register(authenticate, { backend })
        await app.register(throttle, { limit: 5, windowMs: 60_000, limiter: new ClusterLimiter(s, 5, 60_000) })
        app.get('/v1/people/me', async () => ({ ok: true }))
        await app.ready()
        t.teardown(() => app.close())
        return app
      })
    )
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        apps[i % 3].inject({ url: '/v1/people/me', headers: { authorization: 'Bearer plugin-token' } })
      )
    )
    t.equal(answers.filter(a => a.statusCode === 200).length, 5, 'five admitted over three instances')
    const refused = answers.filter(a => a.statusCode === 429)
    t.equal(refused.length, 10)
    t.ok(refused.every(a => Number(a.headers['retry-after']) >= 1), 'each with Retry-After')
    t.match(refused[0].json(), { message: /limit is 5 calls per 60 seconds/, errors: [{}], trackingId: /./ })
  })

  t.test('leases: one holder; taken over once its holder stops renewing; the old holder is fenced out', async t => {
    const { stores } = await cluster(t)
    const clock = new ManualClock()
    const a = new Leases(stores[0], 'instance-a', 5000, clock.now)
    const b = new Leases(stores[1], 'instance-b', 5000, clock.now)
    const held = (await a.acquire('lane:s1'))!
    t.same(held, { name: 'lane:s1', fence: 1 })
    t.equal(await b.acquire('lane:s1'), undefined, 'held: nobody else gets it')
    clock.advance(3000)
    t.ok(await a.renew(held))
    clock.advance(4000)
    t.equal(await b.acquire('lane:s1'), undefined, 'renewed: still held at 7 s')
    t.match(await b.holderOf('lane:s1'), { holder: 'instance-a', fence: 1 })
    clock.advance(1000)
    const taken = (await b.acquire('lane:s1'))!
    t.same(taken, { name: 'lane:s1', fence: 2 }, 'not renewed for the ttl: taken over, with a higher fence')
    t.notOk(await a.renew(held), 'the old holder learns it lost the lease')
    await stores[0].exec('CREATE TABLE lane_state (name text PRIMARY KEY, through integer NOT NULL)')
    await stores[0].run("INSERT INTO lane_state VALUES ('lane:s1', 0)")
    const write = (store: PostgresStore, leases: Leases, lease: typeof held, through: number) =>
      store.tx(async () => {
        if (!(await leases.holds(lease))) return false
        await store.run("UPDATE lane_state SET through = ? WHERE name = 'lane:s1'", through)
        return true
      })
    t.equal(await write(stores[0], a, held, 10), false, "a write guarded by the old holder's lease is refused")
    t.equal(await write(stores[1], b, taken, 20), true, "the new holder's goes through")
    t.same(await stores[2].values('SELECT through FROM lane_state'), [[20]])
    await t.rejects(a.holds(held), /inside one/)
    await b.release(taken)
    t.same(await a.acquire('lane:s1'), { name: 'lane:s1', fence: 3 }, 'released: free at once, fence still grows')
  })

  t.test('the lease keeper: renews, takes over a stopped instance’s leases, gives them back on stop', async t => {
    const { stores } = await cluster(t)
    const clock = new ManualClock()
    const events: string[] = []
    const keeper = (s: PostgresStore, name: string) =>
      new LeaseKeeper(new Leases(s, name, 5000, clock.now), {
        timers: false,
        clock: clock.now,
        onAcquired: l => events.push(`${name} got ${l.name}`),
        onLost: l => events.push(`${name} lost ${l}`),
      })
    const a = keeper(stores[0], 'a')
    const b = keeper(stores[1], 'b')
    for (const k of [a, b]) {
      k.want('lane:1')
      k.want('lane:2')
    }
    await a.tick()
    await b.tick()
    t.same(events, ['a got lane:1', 'a got lane:2'])
    t.ok(a.lease('lane:1'))
    t.equal(b.lease('lane:1'), undefined)
    clock.advance(2000)
    await a.tick()
    clock.advance(4000)
    await b.tick()
    t.equal(events.length, 2, 'a renewed in time: b got nothing')
    // a stops ticking (its process died): within the ttl b has both lanes.
    clock.advance(5000)
    await b.tick()
    t.same(events.slice(2), ['b got lane:1', 'b got lane:2'])
    t.equal(a.lease('lane:1'), undefined, 'past what its last renewal vouched for, a no longer counts it held')
    await a.tick()
    t.same(events.slice(4), ['a lost lane:1', 'a lost lane:2'])
    await b.stop()
    await a.tick()
    t.same(events.slice(6), ['a got lane:1', 'a got lane:2'], 'a stopping keeper releases: taken at once')
  })

  t.test('SKIP LOCKED: claimers never wait for each other and each row goes to one of them', async t => {
    const { stores } = await cluster(t)
    await stores[0].exec('CREATE TABLE jobs (seq bigint PRIMARY KEY, status text NOT NULL, owner text)')
    await stores[0].run(
      "INSERT INTO jobs (seq, status) SELECT x, 'queued' FROM generate_series(1, 300) AS x"
    )
    const spec = (owner: string, limit = 10) => ({
      table: 'jobs',
      key: 'seq',
      where: "status = 'queued'",
      orderBy: 'seq',
      limit,
      set: "status = 'running', owner = ?",
      setParams: [owner],
    })
    let release!: () => void
    const gate = new Promise<void>(resolve => {
      release = resolve
    })
    let claimedA!: (seqs: number[]) => void
    const firstA = new Promise<number[]>(resolve => {
      claimedA = resolve
    })
    // A claims ten and keeps its transaction (and row locks) open.
    const holding = stores[0].tx(async () => {
      claimedA((await claim<{ seq: number }>(stores[0], spec('a'))).map(r => r.seq))
      await gate
    })
    t.same(await firstA, Array.from({ length: 10 }, (_, i) => i + 1))
    // B would wait on A's locks without SKIP LOCKED; lock_timeout turns such a wait into an error.
    const second = await stores[1].tx(async () => {
      await stores[1].exec("SET LOCAL lock_timeout = '2s'")
      return (await claim<{ seq: number }>(stores[1], spec('b'))).map(r => r.seq)
    })
    t.same(second, Array.from({ length: 10 }, (_, i) => i + 11), 'B got the next ten at once')
    release()
    await holding
    const owners = new Map<number, string>()
    await Promise.all(
      stores.map(async (s, i) => {
        for (;;) {
          const rows = await s.tx(() => claim<{ seq: number; owner: string }>(s, spec(`w${i}`, 7)))
          if (rows.length === 0) return
          for (const r of rows) {
            t.notOk(owners.has(r.seq), `row ${r.seq} claimed once`)
            owners.set(r.seq, r.owner)
          }
        }
      })
    )
    t.equal(owners.size, 280, 'the other 280 rows, each to exactly one claimer')
    t.same(await stores[2].values("SELECT count(*) FROM jobs WHERE status = 'queued'"), [[0]])
  })

  t.test('LISTEN/NOTIFY: delivered on commit only; the listener reconnects by itself', async t => {
    const { url, stores } = await cluster(t)
    const listener = new Listener({ connectionString: url }, { minRetryMs: 10 })
    t.teardown(() => listener.close())
    await listener.start()
    const heard: string[] = []
    const waiters: Array<() => void> = []
    await listener.listen('lanes', p => {
      heard.push(p)
      waiters.shift()?.()
    })
    const another = () => new Promise<void>(resolve => waiters.push(resolve))
    let got = another()
    await t.rejects(
      stores[0].tx(async () => {
        await notify(stores[0], 'lanes', 'rolled back')
        throw new Error('abort')
      })
    )
    await stores[1].tx(() => notify(stores[1], 'lanes', 'committed'))
    await got
    t.same(heard, ['committed'], 'a notification of a transaction that rolled back is never sent')
    const reconnected = next<void>(cb => listener.onReconnect(cb))
    t.equal(await terminateConnections(url, [listener.pid!]), 1, "the listener's connection is cut")
    await reconnected
    got = another()
    await notify(stores[2], 'lanes', 'after')
    await got
    t.same(heard, ['committed', 'after'], 'LISTENing again after reconnecting')
  })

  t.test('read caches across instances: a write elsewhere bumps the generation, a read or our own not', async t => {
    const { url, stores } = await cluster(t, { writeChannel: GENERATION_CHANNEL })
    const [a, b] = stores
    const listener = new Listener({ connectionString: url }, { minRetryMs: 10 })
    t.teardown(() => listener.close())
    await invalidateAcrossInstances(b, listener)
    await listener.start()
    const payloads: string[] = []
    await listener.listen(GENERATION_CHANNEL, p => payloads.push(p))
    await b.exec('CREATE TABLE notes (n integer)')
    const seen = b.generation
    let bumped = next<string>(cb => listener.listen(GENERATION_CHANNEL, cb))
    await a.tx(() => a.get('SELECT count(*) FROM notes'))
    await a.tx(() => a.run('INSERT INTO notes VALUES (1)'))
    const first = await bumped
    t.match(first, new RegExp(`^${a.instanceId}:`), 'the notification names the writer')
    t.same(payloads, [first], 'the read-only transaction sent nothing (notifications arrive in commit order)')
    t.ok(b.generation > seen, "b's read cache generation moved")
    const after = b.generation
    bumped = next<string>(cb => listener.listen(GENERATION_CHANNEL, cb))
    await b.tx(() => b.run('INSERT INTO notes VALUES (2)'))
    await bumped
    t.equal(b.generation, after + 1, 'its own write bumped it once (the commit), not again for the notification')
    const reconnected = next<void>(cb => listener.onReconnect(cb))
    const before = b.generation
    await terminateConnections(url, [listener.pid!])
    await reconnected
    t.ok(b.generation > before, 'a reconnection drops the caches: what was sent meanwhile is lost')
  })
}
