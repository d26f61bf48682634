import t from 'tap'
import type pg from 'pg'
import { openPostgresStore, type PostgresStore } from '../src/store/postgres.js'
import { RunHistory } from '../src/flows/history.js'
import type { ActionResult } from '../src/flows/runner.js'
import { StoreUnavailableError } from '../src/errors.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'

// The run history's writes when PostgreSQL goes away in the very moment of a COMMIT: the server commits, the
// answer never arrives (the store says 503, unavailable), and the history gives its records back to be written
// again. Written again, they must change nothing: not fail every later write of every run (the duplicate key
// that left test/postgres-faults.test.ts with runs Running for good and its shutdown failing).

type Query = (...args: unknown[]) => Promise<unknown>

/**
 * The pool's next COMMIT is carried out by the server, and then its connection is reset before the caller hears
 * the answer: what a database stopped between the COMMIT and its reply does, at a moment chosen by the test.
 */
function loseNextCommitAnswer (store: PostgresStore): void {
  let armed = true
  const onAcquire = (client: pg.PoolClient): void => {
    const own = client as unknown as { query: Query; connection: { stream: { destroy (err: Error): void } } }
    const query: Query = client.query.bind(client) as Query
    own.query = async (...args: unknown[]) => {
      if (!armed || args[0] !== 'COMMIT') return await query(...args)
      armed = false
      store.pool.off('acquire', onAcquire)
      await query(...args)
      const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
      own.connection.stream.destroy(reset)
      throw reset
    }
    // Given back to the pool (or dropped): the client's own query again.
    store.pool.once('release', () => {
      delete (own as { query?: Query }).query
    })
  }
  store.pool.on('acquire', onAcquire)
}

const action = (name: string, extra: Partial<ActionResult> = {}): ActionResult => ({
  name,
  type: 'Compose',
  status: 'Succeeded',
  attempts: 1,
  durationMs: 1,
  startTime: '2026-01-01T00:00:00.000Z',
  endTime: '2026-01-01T00:00:00.001Z',
  ...extra,
})

const skip = await pgUnavailable()
t.test('records whose COMMIT went through unanswered are written again without a trace', { skip }, async t => {
  const store = await openPostgresStore({ url: await freshDatabase(t), poolMax: 2 })
  t.teardown(() => store.close())
  const history = new RunHistory(store)
  const queue = async (): Promise<number> => {
    const seq = await store.tx(() => history.enqueue('outage', 'manual', 'manual', 'null'))
    t.ok(await history.start(seq), 'claimed')
    return seq
  }
  const first = await queue()
  const other = await queue()

  history.action(first, action('Tracked', { tracked: { order: '42' } }))
  loseNextCommitAnswer(store)
  await t.rejects(history.flush(), StoreUnavailableError, 'the flush is answered as unavailable (503)')
  const rows = async (): Promise<unknown[]> =>
    await store.all(
      'SELECT run_seq, ord, name FROM flow_run_actions WHERE run_seq IN (?, ?) ORDER BY run_seq, ord',
      first,
      other
    )
  t.same(await rows(), [{ run_seq: first, ord: 1, name: 'Tracked' }], 'and yet the server committed it')

  // The given-back record goes out again with the next write of any run: the other run's, then this one's.
  history.action(other, action('Other'))
  await history.finish(other, { status: 'Succeeded' })
  history.action(first, action('After'))
  await history.finish(first, { status: 'Failed', error: { code: 'ActionFailed', message: 'no' } })

  t.same(
    await rows(),
    [
      { run_seq: first, ord: 1, name: 'Tracked' },
      { run_seq: first, ord: 2, name: 'After' },
      { run_seq: other, ord: 1, name: 'Other' },
    ],
    'each record once, in order'
  )
  t.same(
    await store.all('SELECT run_seq, action, name, value FROM flow_run_tracked'),
    [{ run_seq: first, action: 'Tracked', name: 'order', value: '42' }],
    'its tracked property once'
  )
  t.same(
    await store.all('SELECT seq, status FROM flow_runs ORDER BY seq'),
    [
      { seq: first, status: 'Failed' },
      { seq: other, status: 'Succeeded' },
    ],
    'both runs ended, as they finished'
  )
})

/**
 * The store with each `txGrouped` numbered: call n is held, after its transaction committed, until the test opens
 * its gate; `committed(n)` resolves once it has. What a slow connection does to one flush, at a moment chosen by
 * the test.
 */
function gatedWrites (store: PostgresStore): {
  store: PostgresStore
  calls: string[]
  committed: (n: number) => Promise<void>
  open: (n: number) => void
} {
  const calls: string[] = []
  const gates = new Map<number, { opened: Promise<void>; open: () => void }>()
  const commits = new Map<number, { done: Promise<void>; resolve: () => void }>()
  const entry = <E>(map: Map<number, E>, n: number, make: () => E): E => {
    if (!map.has(n)) map.set(n, make())
    return map.get(n)!
  }
  const gate = (n: number): { opened: Promise<void>; open: () => void } => entry(gates, n, () => {
    let open = (): void => {}
    const opened = new Promise<void>(resolve => { open = resolve })
    return { opened, open }
  })
  const commit = (n: number): { done: Promise<void>; resolve: () => void } => entry(commits, n, () => {
    let done = (): void => {}
    const promise = new Promise<void>(resolve => { done = resolve })
    return { done: promise, resolve: done }
  })
  let n = 0
  const txGrouped = async <T>(fn: () => Promise<T>): Promise<T> => {
    const mine = ++n
    calls.push(`write ${mine}`)
    const value = await store.txGrouped(fn)
    commit(mine).resolve()
    await gate(mine).opened
    calls.push(`written ${mine}`)
    return value
  }
  const gated = new Proxy(store, {
    get (target, prop) {
      if (prop === 'txGrouped') return txGrouped
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { store: gated, calls, committed: async n => await commit(n).done, open: n => gate(n).open() }
}

const turn = async (): Promise<void> => await new Promise(resolve => setImmediate(resolve))

t.test('a run ends after every flush holding its records, one that started while it waited too', { skip }, async t => {
  const store = await openPostgresStore({ url: await freshDatabase(t), poolMax: 4 })
  t.teardown(() => store.close())
  const writes = gatedWrites(store)
  const history = new RunHistory(writes.store)
  const seq = await store.tx(() => history.enqueue('slow', 'manual', 'manual', 'null'))
  t.ok(await history.start(seq), 'claimed')

  history.action(seq, action('First'))
  await turn() // the turn's flush takes First: write 1
  history.action(seq, action('Second'))
  const finished = history.finish(seq, { status: 'Succeeded' }) // waits for write 1, which holds First
  await turn() // the next turn's flush takes Second: write 2, on another connection
  await writes.committed(1)
  await writes.committed(2)
  writes.open(1)
  await turn() // write 1 answered: the finish goes on to wait for write 2, which holds Second
  t.same(writes.calls, ['write 1', 'write 2', 'written 1'], 'the outcome is not written while Second is in flight')

  writes.open(2)
  writes.open(3)
  await finished
  t.same(writes.calls, ['write 1', 'write 2', 'written 1', 'written 2', 'write 3', 'written 3'], 'then it is')
  t.same(
    await store.all('SELECT ord, name FROM flow_run_actions WHERE run_seq = ? ORDER BY ord', seq),
    [{ ord: 1, name: 'First' }, { ord: 2, name: 'Second' }],
    'both records are there'
  )
})
