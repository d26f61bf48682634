import t from 'tap'
import { DEMO_IDS } from '../../src/demo.js'
import { startReceiver } from '../helpers/receiver.js'
import { flowFile, host, startFlows, statuses } from './helpers.js'

// A message posted, then a non-GET Http call that fails the first time, then a variable and a Compose.
const postThenCall = (uri: string) =>
  flowFile({
    Post: {
      type: 'ApiConnection',
      runAfter: {},
      inputs: {
        host: host('SendMessage'),
        parameters: { 'body/roomId': DEMO_IDS.apollo, 'body/text': "@{triggerBody()?['text']}" },
      },
    },
    Count: {
      type: 'InitializeVariable',
      runAfter: {},
      inputs: { variables: [{ name: 'n', type: 'integer', value: 1 }] },
    },
    Notify: {
      type: 'Http',
      runAfter: { Post: ['Succeeded'], Count: ['Succeeded'] },
      inputs: { method: 'POST', uri, body: { id: "@body('Post')?['id']", n: "@variables('n')" } },
    },
    Done: { type: 'Compose', runAfter: { Notify: ['Succeeded'] }, inputs: "@body('Post')?['id']" },
  }, { trigger: { manual: { type: 'Request', kind: 'Http' } } })

const messages = async (s: Awaited<ReturnType<typeof startFlows>>, text: string): Promise<number> =>
  (await s.alice('GET', `/v1/messages?roomId=${DEMO_IDS.apollo}&max=100`)).body.items.filter(
    (m: any) => m.text === text
  ).length

t.test('resubmit from an action reuses the results before it: the message is not sent twice', async t => {
  const rx = await startReceiver(t)
  let fail = true
  rx.respond = () => ({ status: fail ? 400 : 200 })
  const s = await startFlows(t, { pc: postThenCall(rx.url) }, { flows: { httpAllow: new URL(rx.url).origin } })
  const failed = await s.runNow('pc', { text: 'once only' })
  t.equal(failed.status, 'Failed')
  t.same(statuses(failed), { Post: 'Succeeded', Count: 'Succeeded', Notify: 'Failed', Done: 'Skipped' })
  const posted = failed.actions.find((a: any) => a.name === 'Post').outputs.body.id

  fail = false
  const queued = await s.alice('POST', `/v1/flows/pc/runs/${failed.id}/resubmit`, {
    actionsToResubmit: [{ name: 'notify' }],
  })
  t.equal(queued.status, 201, JSON.stringify(queued.body))
  t.match(queued.body, { status: 'Queued', resubmittedFrom: failed.id, actionsToResubmit: [{ name: 'Notify' }] })
  await s.flows!.idle()
  const again = (await s.alice('GET', new URL(queued.headers.get('location')!).pathname)).body
  t.equal(again.status, 'Succeeded')
  t.same(statuses(again), { Post: 'Succeeded', Count: 'Succeeded', Notify: 'Succeeded', Done: 'Succeeded' })
  const post = again.actions.find((a: any) => a.name === 'Post')
  t.equal(post.reusedFrom, failed.id, 'the message action is the recorded one')
  t.equal(post.outputs.body.id, posted)
  t.notOk(again.actions.find((a: any) => a.name === 'Count').reusedFrom, 'a variable action runs again')
  t.equal(again.actions.find((a: any) => a.name === 'Done').outputs, posted, 'later actions read the reused body')
  t.equal(await messages(s, 'once only'), 1, 'one message in the space')
  t.same(
    rx.attempts.map(a => a.body),
    [
      { id: posted, n: 1 },
      { id: posted, n: 1 },
    ],
    'the failed call is made again, with the reused outputs and the variable'
  )

  // From the trigger: everything runs again, the message too.
  const whole = await s.alice('POST', `/v1/flows/pc/runs/${failed.id}/resubmit`, {})
  t.equal(whole.status, 201)
  t.notOk(whole.body.actionsToResubmit)
  await s.flows!.idle()
  t.equal(await messages(s, 'once only'), 2)
  const list = (await s.alice('GET', '/v1/flows/pc/runs')).body.items
  t.same(
    list.map((r: any) => r.resubmittedFrom ?? null),
    [failed.id, failed.id, null],
    'the history links each new run to its origin'
  )

  // Refusals: not a top-level action, an unfinished run, someone else, unknown run.
  t.match(
    await s.alice('POST', `/v1/flows/pc/runs/${failed.id}/resubmit`, { actionsToResubmit: [{ name: 'Nope' }] }),
    { status: 400, body: { message: /'Nope' is not a top-level action/ } }
  )
  t.match(await s.bob('POST', `/v1/flows/pc/runs/${failed.id}/resubmit`, {}), { status: 404 })
  t.match(await s.carol('POST', `/v1/flows/pc/runs/${failed.id}/resubmit`, {}), {
    status: 403,
    body: { message: /owner/ },
  })
  t.match(await s.alice('POST', '/v1/flows/pc/runs/nope/resubmit', {}), { status: 404 })
  t.match(
    await s.alice('POST', `/v1/flows/pc/runs/${failed.id}/resubmit`, { actionsToResubmit: [] }),
    { status: 400 },
    'an empty list is not "from the trigger"'
  )
})

t.test('bulk resubmit: the failed runs of a window, each again from its trigger', async t => {
  const rx = await startReceiver(t)
  let fail = true
  rx.respond = () => ({ status: fail ? 400 : 200 })
  const s = await startFlows(t, { pc: postThenCall(rx.url) }, { flows: { httpAllow: new URL(rx.url).origin } })
  const a = await s.runNow('pc', { text: 'a' })
  const b = await s.runNow('pc', { text: 'b' })
  fail = false
  const ok = await s.runNow('pc', { text: 'c' })
  t.same([a.status, b.status, ok.status], ['Failed', 'Failed', 'Succeeded'])

  const none = await s.alice('POST', '/v1/flows/pc/runs/resubmit', {
    status: 'Failed',
    createdBefore: '2000-01-01T00:00:00Z',
  })
  t.same(none.body.items, [], 'nothing failed before 2000')
  const bulk = await s.alice('POST', '/v1/flows/pc/runs/resubmit', { status: 'Failed' })
  t.equal(bulk.status, 200)
  t.same(
    bulk.body.items.map((r: any) => r.resubmittedFrom),
    [a.id, b.id],
    'oldest first'
  )
  await s.flows!.idle()
  const failedNow = (await s.alice('GET', '/v1/flows/pc/runs?status=Failed')).body.items
  t.equal(failedNow.length, 2, 'the originals stay as they were')
  const byId = await s.alice('POST', '/v1/flows/pc/runs/resubmit', { runIds: [ok.id] })
  t.same(
    byId.body.items.map((r: any) => r.resubmittedFrom),
    [ok.id]
  )
  t.match(await s.alice('POST', '/v1/flows/pc/runs/resubmit', { runIds: [ok.id, 'nope'] }), {
    status: 409,
    body: { message: /nope is not a finished run/ },
  })
  t.match(await s.alice('POST', '/v1/flows/pc/runs/resubmit', {}), { status: 400 }, 'a selection is required')
  await s.flows!.idle()
  const since = encodeURIComponent(new Date(0).toISOString())
  const after = (await s.alice('GET', `/v1/flows/pc/runs?createdAfter=${since}`)).body.items
  t.equal(after.length, 6)
})

t.test('resubmit from an action is refused when a kept result cannot stand in for the action', async t => {
  const s = await startFlows(t, {
    sec: flowFile({
      Init: { type: 'InitializeVariable', runAfter: {}, inputs: { variables: [{ name: 'v', type: 'integer' }] } },
      Loop: {
        type: 'Foreach',
        runAfter: { Init: ['Succeeded'] },
        foreach: '@createArray(1, 2)',
        actions: { Add: { type: 'IncrementVariable', inputs: { name: 'v', value: 1 } } },
        runtimeConfiguration: { concurrency: { repetitions: 1 } },
      },
      Secret: {
        type: 'Compose',
        runAfter: { Init: ['Succeeded'] },
        inputs: 'hidden',
        runtimeConfiguration: { secureData: { properties: ['outputs'] } },
      },
      After: { type: 'Compose', runAfter: { Loop: ['Succeeded'], Secret: ['Succeeded'] }, inputs: "@variables('v')" },
    }),
  })
  const run = await s.runNow('sec')
  t.equal(run.status, 'Succeeded')
  t.match(
    await s.alice('POST', `/v1/flows/sec/runs/${run.id}/resubmit`, { actionsToResubmit: [{ name: 'Loop' }] }),
    { status: 400, body: { message: /outputs of 'Secret' are secured/ } }
  )
  t.match(
    await s.alice('POST', `/v1/flows/sec/runs/${run.id}/resubmit`, { actionsToResubmit: [{ name: 'Secret' }] }),
    { status: 400, body: { message: /'Add' inside 'Loop' changes a variable/ } }
  )
  const ok = await s.alice('POST', `/v1/flows/sec/runs/${run.id}/resubmit`, { actionsToResubmit: [{ name: 'Init' }] })
  t.equal(ok.status, 201)
  await s.flows!.idle()
  const again = (await s.alice('GET', `/v1/flows/sec/runs/${ok.body.id}`)).body
  t.equal(again.status, 'Succeeded')
  t.equal(again.actions.find((a: any) => a.name === 'After').outputs, 2)
})

t.test('cancel: a running run stops where it is; queued runs never start', async t => {
  // The first run is Running once it waits: the 201s only say the runs are queued, the claim comes after.
  let holding!: () => void
  const held = new Promise<void>(resolve => { holding = resolve })
  const s = await startFlows(
    t,
    {
      slow: flowFile(
        {
          Hold: { type: 'Wait', runAfter: {}, inputs: { interval: { count: 1, unit: 'Hour' } } },
          After: { type: 'Compose', runAfter: { Hold: ['Succeeded', 'Failed'] }, inputs: 'late' },
        },
        {
          trigger: {
            manual: { type: 'Request', kind: 'Http', runtimeConfiguration: { concurrency: { runs: 1 } } },
          },
        }
      ),
    },
    {},
    {
      // The wait ends only when the run is stopped: the test decides when, no timers.
      flowSleep: (_ms, signal) => {
        holding()
        return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))))
      },
    }
  )
  const started = await Promise.all([1, 2, 3].map(() => s.alice('POST', '/v1/flows/slow/runs', { triggerBody: {} })))
  t.same(started.map(r => r.status), [201, 201, 201])
  await held
  const states = async (): Promise<string[]> =>
    (await s.alice('GET', '/v1/flows/slow/runs')).body.items.map((r: any) => r.status).reverse()
  t.same(await states(), ['Running', 'Queued', 'Queued'])
  // The three calls are concurrent: the runs start in the order they were written (on PostgreSQL not always the
  // order the calls were sent in), so the oldest is the one running.
  const ids: string[] = (await s.alice('GET', '/v1/flows/slow/runs')).body.items.map((r: any) => r.id).reverse()

  t.match(await s.bob('POST', '/v1/flows/slow/runs/cancel', {}), { status: 404 }, 'not his flow')
  const queued = await s.carol('POST', '/v1/flows/slow/runs/cancel', {})
  t.same(queued.body, { cancelled: 2 }, 'a compliance officer may cancel')
  t.same(await states(), ['Running', 'Cancelled', 'Cancelled'])

  const cancelled = await s.alice('POST', `/v1/flows/slow/runs/${ids[0]}/cancel`, {})
  t.equal(cancelled.status, 200)
  t.match(cancelled.body, { status: 'Cancelled', error: { code: 'RunCancelled' } })
  t.same(statuses(cancelled.body), { Hold: 'Cancelled' }, 'the wait was cut short; nothing after it started')
  await s.flows!.idle()
  t.match(await s.alice('POST', `/v1/flows/slow/runs/${ids[0]}/cancel`, {}), {
    status: 409,
    body: { message: /already finished \(Cancelled\)/ },
  })
  t.match(
    await s.alice('POST', `/v1/flows/slow/runs/${ids[1]}/resubmit`, {}),
    { status: 201 },
    'a cancelled run resubmits'
  )

  const one = await s.alice('POST', '/v1/flows/slow/runs', { triggerBody: {} })
  const other = await s.alice('POST', '/v1/flows/slow/runs', { triggerBody: {} })
  t.match(await s.alice('POST', `/v1/flows/slow/runs/${other.body.id}/resubmit`, {}), {
    status: 409,
    body: { message: /has not finished \(Queued\)/ },
  })
  t.match(await s.alice('POST', `/v1/flows/slow/runs/${other.body.id}/cancel`, {}), { body: { status: 'Cancelled' } })
  t.ok(one.body.id)
})
