import t from 'tap'
import { DEMO, DEMO_IDS } from '../../src/demo.js'
import { client } from '../helpers/service.js'
import { encodeId } from '../../src/ids.js'
import { startReceiver } from '../helpers/receiver.js'
import { flowFile, host, startFlows, statuses } from './helpers.js'

const compose = (inputs: unknown, runAfter: Record<string, string[]> = {}) => ({ type: 'Compose', inputs, runAfter })

t.test('runAfter: order, parallel branches, Skipped propagation and a join', async t => {
  const s = await startFlows(t, {
    graph: flowFile({
      A: compose('a'),
      OnAFailed: compose('never', { A: ['Failed'] }),
      AfterSkip: compose('ran because OnAFailed was skipped', { OnAFailed: ['Skipped'] }),
      Left: compose("@concat(outputs('A'), '-left')", { A: ['Succeeded'] }),
      Right: compose("@concat(outputs('A'), '-right')", { A: ['Succeeded'] }),
      Join: compose("@createArray(outputs('Left'), outputs('Right'))", { Left: ['Succeeded'], Right: ['Succeeded'] }),
      AfterNever: compose('skipped too', { OnAFailed: ['Succeeded'] }),
    }),
  })
  const run = await s.runNow('graph')
  t.equal(run.status, 'Succeeded')
  t.same(statuses(run), {
    A: 'Succeeded',
    OnAFailed: 'Skipped',
    AfterSkip: 'Succeeded',
    Left: 'Succeeded',
    Right: 'Succeeded',
    Join: 'Succeeded',
    AfterNever: 'Skipped',
  })
  t.same(run.actions.find((a: any) => a.name === 'Join').outputs, ['a-left', 'a-right'])
  const order = run.actions.map((a: any) => a.name)
  t.ok(
    order.indexOf('Join') > order.indexOf('Left') && order.indexOf('Join') > order.indexOf('Right'),
    'the join waits for both branches'
  )
})

t.test('a failure fails the run unless an action runs after it on Failed', async t => {
  const missing = {
    type: 'ApiConnection',
    runAfter: {},
    inputs: {
      host: host('GetMessageDetails'),
      parameters: { messageId: encodeId('MESSAGE', '00000000-0000-4000-8000-000000000000') },
    },
  }
  const s = await startFlows(t, {
    unhandled: flowFile({ Get: missing, Next: compose('not reached', { Get: ['Succeeded'] }) }),
    handled: flowFile({ Get: missing, Recover: compose("@outputs('Get')?['statusCode']", { Get: ['Failed'] }) }),
  })
  const bad = await s.runNow('unhandled')
  t.equal(bad.status, 'Failed')
  t.match(bad.error, { code: 'ActionFailed', message: /Get/ })
  t.same(statuses(bad), { Get: 'Failed', Next: 'Skipped' })
  const get = bad.actions.find((a: any) => a.name === 'Get')
  t.equal(get.attempts, 1, 'a 404 is not retried')
  t.equal(get.outputs.statusCode, 404, "the failed call's outputs are kept")
  t.match(get.outputs.body, { message: /./, trackingId: /./ }, 'with the Webex error body')
  t.equal(s.sleeps.length, 0)

  const ok = await s.runNow('handled')
  t.equal(ok.status, 'Succeeded', 'a failure something ran after is handled')
  t.equal(ok.actions.find((a: any) => a.name === 'Recover').outputs, 404)
})

t.test('retry policies: fixed, exponential with Retry-After, none; only transient failures retry', async t => {
  const rx = await startReceiver(t)
  const answers: Record<string, number[]> = { fixed: [500, 503, 200], exp: [429, 502, 200], none: [500], bad: [400] }
  rx.respond = req => {
    const status = answers[req.body.case].shift() ?? 200
    const headers: Record<string, string> = status === 429 ? { 'retry-after': '40' } : {}
    return { status, headers }
  }
  const http = (c: string, retryPolicy: unknown) => ({
    type: 'Http',
    runAfter: {},
    inputs: { method: 'POST', uri: rx.url, body: { case: c }, retryPolicy },
  })
  const s = await startFlows(
    t,
    {
      retries: flowFile({
        Fixed: http('fixed', { type: 'fixed', count: 3, interval: 'PT2S' }),
        Exp: {
          ...http('exp', {
            type: 'exponential',
            count: 4,
            interval: 'PT10S',
            minimumInterval: 'PT5S',
            maximumInterval: 'PT1H',
          }),
          runAfter: { Fixed: ['Succeeded'] },
        },
        None: { ...http('none', { type: 'none' }), runAfter: { Exp: ['Succeeded'] } },
        Bad: { ...http('bad', { type: 'fixed', count: 3, interval: 'PT1S' }), runAfter: { None: ['Failed'] } },
      }),
    },
    { flows: { httpAllow: `http://127.0.0.1:${rx.port}` } }
  )
  const run = await s.runNow('retries')
  const by = Object.fromEntries(run.actions.map((a: any) => [a.name, a]))
  t.match(by.Fixed, { status: 'Succeeded', attempts: 3 })
  t.match(by.Exp, { status: 'Succeeded', attempts: 3 })
  t.match(by.None, { status: 'Failed', attempts: 1 })
  t.match(by.Bad, { status: 'Failed', attempts: 1 }, "a 400 is the caller's mistake: no retry")
  t.same(
    s.sleeps,
    [2000, 2000, 40_000, 20_000],
    "fixed waits its interval; exponential doubles (10 s, 20 s) but a 429's Retry-After of 40 s wins"
  )
  t.equal(rx.attempts.length, 3 + 3 + 1 + 1)
})

t.test('timeouts: the action is TimedOut and runAfter TimedOut handles it', async t => {
  const rx = await startReceiver(t)
  rx.respond = () => new Promise(() => {}) // never answers
  const s = await startFlows(
    t,
    {
      slow: flowFile({
        Call: {
          type: 'Http',
          runAfter: {},
          inputs: { method: 'POST', uri: rx.url, body: { x: 1 }, retryPolicy: { type: 'none' } },
          limit: { timeout: 'PT5S' },
        },
        OnTimeout: compose("@actions('Call')?['status']", { Call: ['TimedOut'] }),
      }),
    },
    { flows: { httpAllow: `http://127.0.0.1:${rx.port}` } }
  )
  const run = await s.runNow('slow')
  t.same(statuses(run), { Call: 'TimedOut', OnTimeout: 'Succeeded' })
  t.match(run.actions[0].error, { code: 'ActionTimedOut' })
  t.equal(run.actions[1].outputs, 'TimedOut')
  t.equal(run.status, 'Succeeded')
  t.same(s.sleeps, [5000], "the timeout is the action's limit")
})

t.test('Http only to allowed origins', async t => {
  const rx = await startReceiver(t)
  const s = await startFlows(t, {
    call: flowFile({ Call: { type: 'Http', runAfter: {}, inputs: { method: 'POST', uri: rx.url, body: {} } } }),
  })
  const run = await s.runNow('call')
  t.equal(run.status, 'Failed')
  t.match(run.actions[0], {
    status: 'Failed',
    attempts: 1,
    error: { code: 'HttpTargetNotAllowed', message: /FLOWS_HTTP_ALLOW/ },
  })
  t.equal(rx.attempts.length, 0, 'nothing left the process')
})

t.test('Terminate ends the run with its status; later actions do not run', async t => {
  const s = await startFlows(t, {
    stop: flowFile({
      Check: {
        type: 'If',
        runAfter: {},
        expression: "@equals(triggerBody()?['mode'], 'stop')",
        actions: {
          Stop: {
            type: 'Terminate',
            runAfter: {},
            inputs: { runStatus: 'Failed', runError: { code: 'Refused', message: 'told to stop' } },
          },
        },
      },
      After: compose('after', { Check: ['Succeeded'] }),
    }),
    cancel: flowFile({ Cancel: { type: 'Terminate', runAfter: {}, inputs: { runStatus: 'Cancelled' } } }),
  })
  const stopped = await s.runNow('stop', { mode: 'stop' })
  t.match(stopped, { status: 'Failed', error: { code: 'Refused', message: 'told to stop' } })
  t.notOk(
    stopped.actions.some((a: any) => a.name === 'After' && a.status === 'Succeeded'),
    'nothing after Terminate ran'
  )
  const passed = await s.runNow('stop', { mode: 'go' })
  t.equal(passed.status, 'Succeeded')
  t.equal(statuses(passed).After, 'Succeeded')
  t.equal((await s.runNow('cancel')).status, 'Cancelled')
})

t.test('Foreach: item, iteration records, and the concurrency limit holds', async t => {
  const rx = await startReceiver(t)
  // Holds requests until three are waiting (or all ten arrived): with repetitions 3 at most three can be in flight
  // at once.
  let waiting: Array<() => void> = []
  let maxInFlight = 0
  let inFlight = 0
  rx.respond = () =>
    new Promise(resolve => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      waiting.push(() => {
        inFlight--
        resolve({ status: 200 })
      })
      if (waiting.length === 3 || rx.attempts.length === 10) {
        const go = waiting
        waiting = []
        go.forEach(f => f())
      }
    })
  const s = await startFlows(
    t,
    {
      loop: flowFile({
        Total: {
          type: 'InitializeVariable',
          runAfter: {},
          inputs: {
            variables: [
              { name: 'total', type: 'integer', value: 0 },
              { name: 'seen', type: 'array' },
            ],
          },
        },
        Loop: {
          type: 'Foreach',
          runAfter: { Total: ['Succeeded'] },
          foreach: '@range(1, 10)',
          runtimeConfiguration: { concurrency: { repetitions: 3 } },
          actions: {
            Post: {
              type: 'Http',
              runAfter: {},
              inputs: {
                method: 'POST',
                uri: rx.url,
                body: { n: "@items('Loop')", index: "@iterationIndexes('Loop')" },
              },
            },
          },
        },
        Sequential: {
          type: 'Foreach',
          runAfter: { Loop: ['Succeeded'] },
          foreach: "@split('x,y,z', ',')",
          runtimeConfiguration: { concurrency: { repetitions: 1 } },
          actions: {
            Add: { type: 'IncrementVariable', runAfter: {}, inputs: { name: 'total', value: 2 } },
            Remember: {
              type: 'AppendToArrayVariable',
              runAfter: { Add: ['Succeeded'] },
              inputs: { name: 'seen', value: "@concat(item(), variables('total'))" },
            },
          },
        },
        Result: compose("@variables('seen')", { Sequential: ['Succeeded'] }),
      }),
    },
    { flows: { httpAllow: `http://127.0.0.1:${rx.port}` } }
  )
  const run = await s.runNow('loop')
  t.equal(run.status, 'Succeeded')
  t.equal(maxInFlight, 3, 'three iterations at a time, never more')
  t.same(
    rx.received.map(r => r.body.n).sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  )
  t.same(
    rx.received.map(r => r.body.index).sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  )
  t.same(
    run.actions
      .filter((a: any) => a.name === 'Post')
      .map((a: any) => a.iteration)
      .sort(),
    Array.from({ length: 10 }, (_, i) => `Loop[${i}]`).sort()
  )
  t.same(
    run.actions.find((a: any) => a.name === 'Result').outputs,
    ['x2', 'y4', 'z6'],
    'a sequential loop sees its own variable updates in order'
  )
})

t.test('Switch picks the case (or default) and skips the others; Scope groups', async t => {
  const s = await startFlows(t, {
    sw: flowFile({
      Route: {
        type: 'Switch',
        runAfter: {},
        expression: "@triggerBody()?['kind']",
        cases: {
          Red: { case: 'red', actions: { R: compose('r') } },
          Blue: { case: 'blue', actions: { B: compose('b') } },
        },
        default: { actions: { D: compose('d') } },
      },
      Wrap: { type: 'Scope', runAfter: { Route: ['Succeeded'] }, actions: { Inner: compose("@outputs('Route')") } },
    }),
  })
  const red = await s.runNow('sw', { kind: 'red' })
  t.same(statuses(red), {
    R: 'Succeeded',
    B: 'Skipped',
    D: 'Skipped',
    Route: 'Succeeded',
    Inner: 'Succeeded',
    Wrap: 'Succeeded',
  })
  t.match(red.actions.find((a: any) => a.name === 'Inner').outputs, { expression: 'red', case: 'Red' })
  const other = await s.runNow('sw', { kind: 'green' })
  t.same(statuses(other), {
    R: 'Skipped',
    B: 'Skipped',
    D: 'Succeeded',
    Route: 'Succeeded',
    Inner: 'Succeeded',
    Wrap: 'Succeeded',
  })
})

t.test('Wait/Delay asks for its interval; an expression error fails just that action', async t => {
  const s = await startFlows(t, {
    wait: flowFile({
      Pause: { type: 'Wait', runAfter: {}, inputs: { interval: { count: 90, unit: 'Second' } } },
      Oops: compose("@int('not a number')", { Pause: ['Succeeded'] }),
      Handle: compose("@actions('Oops')?['error']?['code']", { Oops: ['Failed'] }),
    }),
  })
  const run = await s.runNow('wait')
  t.same(s.sleeps, [90_000])
  t.same(statuses(run), { Pause: 'Succeeded', Oops: 'Failed', Handle: 'Succeeded' })
  t.equal(run.actions.find((a: any) => a.name === 'Handle').outputs, 'InvalidTemplate')
})

t.test("actions run with the owner's rights: Bob's flow cannot read a space he is not in", async t => {
  const s = await startFlows(t, {
    snoop: flowFile(
      {
        Read: {
          type: 'ApiConnection',
          runAfter: {},
          inputs: { host: host('GetMessages'), parameters: { roomId: DEMO_IDS.finance } },
        },
      },
      { owner: 'bob@example.com' }
    ),
    allowed: flowFile(
      {
        Read: {
          type: 'ApiConnection',
          runAfter: {},
          inputs: { host: host('GetMessages'), parameters: { roomId: DEMO_IDS.apollo } },
        },
      },
      { owner: 'bob@example.com' }
    ),
  })
  const denied = await s.runNow('snoop', {}, s.bob)
  t.equal(denied.status, 'Failed')
  t.match(
    denied.actions[0].outputs,
    { statusCode: 404 },
    'the same answer Bob gets over HTTP for a space he cannot see'
  )
  const ok = await s.runNow('allowed', {}, s.bob)
  t.equal(ok.status, 'Succeeded')
  t.ok(ok.actions[0].outputs.body.items.length >= 2, 'he reads the space he is in')
})

t.test(
  'stopping the service interrupts a waiting run at once: it ends Failed (RunInterrupted), queued runs stay queued',
  async t => {
    // A delay that only ends when the runtime gives up on it (what a 1-hour Wait looks like to a stop).
    const started: number[] = []
    const forever = (ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((_resolve, reject) => {
        started.push(ms)
        signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
      })
    const s = await startFlows(
      t,
      {
        hold: flowFile({
          First: compose('done before the stop'),
          Hold: {
            type: 'Wait',
            runAfter: { First: ['Succeeded'] },
            inputs: { interval: { count: 1, unit: 'Hour' } },
          },
          After: compose('never', { Hold: ['Succeeded', 'Failed'] }),
        }),
      },
      { flows: { concurrency: 1 } },
      { flowSleep: forever }
    )
    const one = (await s.alice('POST', '/v1/flows/hold/runs', { triggerBody: {} })).body
    const two = (await s.alice('POST', '/v1/flows/hold/runs', { triggerBody: {} })).body
    // Ask until the first run is inside its Wait (each question is a real request).
    while (started.length === 0) await s.alice('GET', `/v1/flows/hold/runs/${one.id}`)
    await s.app.close()

    const again = await startFlows(
      t,
      {},
      { flowsDir: s.flowsDir, dataDir: s.dataDir, flows: { concurrency: 1 } },
      { flowSleep: forever }
    )
    const interrupted = (await again.alice('GET', `/v1/flows/hold/runs/${one.id}`)).body
    t.match(interrupted, { status: 'Failed', error: { code: 'RunInterrupted' } })
    t.same(
      interrupted.actions.map((a: any) => [a.name, a.status]),
      [
        ['First', 'Succeeded'],
        ['Hold', 'Failed'],
      ],
      'After never started'
    )
    const resumed = (await again.alice('GET', `/v1/flows/hold/runs/${two.id}`)).body
    t.ok(['Queued', 'Running'].includes(resumed.status), `the queued run was kept and resumes (${resumed.status})`)
  }
)

t.test(
  'trigger filters: a flow hears only the events its roomId / Webex filter selects, and only what its owner may see',
  async t => {
    const trigger = (parameters: Record<string, string>) => ({
      When_a_message_is_created: {
        type: 'ApiConnectionWebhook',
        inputs: { host: host('WhenMessageCreated'), parameters },
      },
    })
    const s = await startFlows(t, {
      apolloOnly: flowFile(
        { Note: compose("@triggerBody()?['data']?['roomId']") },
        { trigger: trigger({ roomId: DEMO_IDS.apollo }) }
      ),
      directOnly: flowFile(
        { Note: compose("@triggerBody()?['data']?['roomType']") },
        { trigger: trigger({ filter: 'roomType=direct' }) }
      ),
      davesView: flowFile({ Note: compose("@triggerBody()?['data']?['roomId']") }, { owner: 'dave@example.com' }),
    })
    await s.alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'in Apollo' })
    await s.alice('POST', '/v1/messages', { roomId: DEMO_IDS.general, text: 'in Product' })
    await s.alice('POST', '/v1/messages', { roomId: DEMO_IDS.direct, text: 'to Bob' })
    await s.alice('POST', '/v1/messages', { roomId: DEMO_IDS.finance, text: 'in Finance' })
    await s.flows!.idle()
    const notes = async (flowId: string, as = s.alice): Promise<unknown[]> => {
      const runs = (await as('GET', `/v1/flows/${flowId}/runs`)).body.items
      return Promise.all(
        runs
          .reverse()
          .map(async (r: any) => (await as('GET', `/v1/flows/${flowId}/runs/${r.id}`)).body.actions[0].outputs)
      )
    }
    t.same(await notes('apolloOnly'), [DEMO_IDS.apollo])
    t.same(await notes('directOnly'), ['direct'])
    t.same(await notes('davesView', client(s.url, DEMO.tokens.dave)), [DEMO_IDS.finance], 'Dave is only in Finance Q4')
  }
)
