import t from 'tap'
import { DEMO_IDS } from '../../src/demo.js'
import { flowFile, host, startFlows } from './helpers.js'

// One instance claims runs in memory (history.ts, hold): a run is written once at its end unless it does
// something outside the run first. Watched at the moment each operation is called, with the store read directly.
t.test('a run that only reads is held in memory to its end; one that writes is Running in the store first', async t => {
  // Run now only: the messages a run posts must not start more runs (manual runs skip the conditions).
  const never = {
    When_a_message_is_created: {
      type: 'ApiConnectionWebhook',
      inputs: { host: host('WhenMessageCreated') },
      conditions: [{ expression: '@equals(1, 2)' }],
    },
  }
  const s = await startFlows(t, {
    reads: flowFile({
      First: { type: 'Compose', runAfter: {}, inputs: 'computed' },
      Me: { type: 'ApiConnection', runAfter: { First: ['Succeeded'] }, inputs: { host: host('GetMyOwnDetails') } },
    }, { trigger: never }),
    posts: flowFile({
      First: { type: 'Compose', runAfter: {}, inputs: 'computed' },
      Post: {
        type: 'ApiConnection',
        runAfter: { First: ['Succeeded'] },
        inputs: { host: host('SendMessage'), parameters: { 'body/roomId': DEMO_IDS.apollo, 'body/text': 'posted' } },
      },
    }, { trigger: never }),
  })
  if (s.store.opened.dialect !== 'sqlite') {
    t.pass('several instances on PostgreSQL claim runs in the store: nothing is held in memory there')
    return
  }
  const db = s.store.opened.store.db
  const seen: Record<string, { status: string; actions: number; shown?: Promise<unknown> }> = {}
  t.teardown(s.flows!.catalog.watch(call => {
    const flow = call.operationId === 'SendMessage' ? 'posts' : call.operationId === 'GetMyOwnDetails' ? 'reads' : ''
    if (!flow) return
    const latest = 'SELECT seq, status FROM flow_runs WHERE flow_id = ? ORDER BY seq DESC LIMIT 1'
    const row = db.prepare(latest).get(flow) as { seq: number; status: string }
    const actions = db.prepare('SELECT count(*) AS n FROM flow_run_actions WHERE run_seq = ?').get(row.seq) as {
      n: number
    }
    seen[flow] = { status: row.status, actions: actions.n, shown: s.flows!.history.bySeq(row.seq) }
  }))

  const read = await s.runNow('reads')
  t.match(seen.reads, { status: 'Queued', actions: 0 }, 'nothing of the reading run was written while it ran')
  t.match(
    await seen.reads.shown,
    { status: 'Running', started: /./, actions: [{ name: 'First', status: 'Succeeded', outputs: 'computed' }] },
    'the history shows it Running with what it did so far'
  )
  t.match(read, { status: 'Succeeded', started: /./, finished: /./ })
  t.same(
    read.actions.map((a: { name: string; status: string }) => [a.name, a.status]),
    [['First', 'Succeeded'], ['Me', 'Succeeded']],
    'written whole at its end'
  )

  const posted = await s.runNow('posts')
  t.match(
    seen.posts,
    { status: 'Running', actions: 1 },
    'before the message was sent, the run was Running in the store with its first action: a crash now interrupts it'
  )
  t.match(posted, { status: 'Succeeded' })
  t.equal(posted.actions.length, 2)
})
