import t from 'tap'
import pg from 'pg'
import { DEMO } from '../src/demo.js'
import { client, startService } from './helpers/service.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { startCluster, until } from './helpers/cluster.js'
import { holdingFlowDir } from './flows/helpers.js'

// Three instances on one database, one of them killed (kill -9) mid-run: its Running run is failed as
// RunInterrupted by a survivor once its liveness lease expires, its queued runs are run by the others. And the
// daily retention run, with every instance's timer on, runs on one instance only.
const skip = await pgUnavailable()
if (skip) t.comment(`The cluster failover tests ${skip}`)

interface RunState {
  id: string
  status: string
  instance: string | null
  error: string | null
}

t.test('an instance dies: its runs are interrupted or taken over; the retention run was once', { skip }, async t => {
  const databaseUrl = await freshDatabase(t)
  // The organisation and a retention policy exist before the instances start, so the first tick has work.
  const seed = await startService(t, { store: 'postgres', databaseUrl, flows: { enabled: false } })
  const policy = await client(seed.url, DEMO.tokens.carol)('POST', '/v1/governance/retention/policies', {
    name: 'All 30',
    action: 'deleteMessages',
    days: 30,
  })
  t.equal(policy.status, 200)
  await seed.app.close()

  const flowsDir = holdingFlowDir(t)
  const cluster = await startCluster(t, 3, databaseUrl, {
    FLOWS_DIR: flowsDir,
    // One run at a time per instance: the second and third runs wait in the first instance's queue.
    FLOWS_CONCURRENCY: '1',
    THROTTLE_ENABLED: 'false',
    CLUSTER_LEASE_MS: '4000',
    RETENTION_SCHEDULE_ENABLED: 'true',
    RETENTION_AT: '00:00',
    RETENTION_TICK_MS: '200',
  })
  const [a] = cluster.instances
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  t.teardown(() => db.end())

  t.test('the retention run is one instance\'s, the others yield', async t => {
    const lines = (text: string): number =>
      cluster.instances.reduce((n, i) => n + i.lines.filter(l => l.includes(text)).length, 0)
    await until('every instance to have ticked', async () =>
      lines('scheduled retention run') + lines("today's retention run is another instance's") >= 3 ? true : undefined
    )
    t.equal(lines('scheduled retention run'), 1, 'one instance ran it')
    t.equal(lines("today's retention run is another instance's"), 2, 'the two others did not')
    const slots = (await db.query("SELECT holder FROM schedule_slots WHERE name = 'retention'")).rows
    t.equal(slots.length, 1, "one slot for today's run")
  })

  t.test('kill -9 mid-run: RunInterrupted by a survivor, the queued runs run elsewhere', async t => {
    const alice = client(a.url, DEMO.tokens.alice)
    const ids: string[] = []
    for (const n of [1, 2, 3]) {
      const r = await alice('POST', '/v1/flows/long/runs', { triggerBody: { n } })
      t.equal(r.status, 201)
      ids.push(r.body.id)
    }
    const state = async (): Promise<RunState[]> =>
      (
        await db.query<RunState>(
          'SELECT id, status, instance, error FROM flow_runs WHERE id = ANY($1::text[]) ORDER BY seq',
          [ids]
        )
      ).rows
    const [first] = await until('the first run to be inside its Wait', async () => {
      const rows = await state()
      const actions = (await db.query("SELECT count(*)::int AS n FROM flow_run_actions WHERE name = 'First'")).rows
      return rows[0].status === 'Running' && actions[0].n === 1 ? rows : undefined
    })
    const mine = first.instance
    t.ok(mine, 'the run names the instance running it')
    const before = await state()
    a.proc.kill('SIGKILL')
    await a.exited
    t.same(
      before.slice(1).map(r => r.status),
      ['Queued', 'Queued'],
      'when the instance died, the two others were still queued there'
    )

    const after = await until('a survivor to interrupt the first run and take the queued ones', async () => {
      const rows = await state()
      return rows[0].status === 'Failed' && rows.slice(1).every(r => r.status === 'Running') ? rows : undefined
    })
    t.match(JSON.parse(after[0].error ?? '{}'), { code: 'RunInterrupted' })
    const takers = after.slice(1).map(r => r.instance)
    t.ok(takers.every(i => i && i !== mine), 'the queued runs run on the survivors')
    t.not(takers[0], takers[1], 'one each (one run at a time per instance)')

    const b = client(cluster.instances[1].url, DEMO.tokens.alice)
    const interrupted = (await b('GET', `/v1/flows/long/runs/${ids[0]}`)).body
    t.match(interrupted, { status: 'Failed', error: { code: 'RunInterrupted' }, finished: /./ })
    t.match(interrupted.actions, [{ name: 'First', status: 'Succeeded', outputs: 1 }], 'what ran before is kept')
  })
})
