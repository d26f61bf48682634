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
