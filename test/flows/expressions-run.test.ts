import t from 'tap'
import { encodeId } from '../../src/ids.js'
import { compileFlow, FlowLoadError } from '../../src/flows/load.js'
import { flowFile, host, startFlows, statuses } from './helpers.js'

// The expression language inside real runs: what result() and actions() give a try/catch flow, how a failing
// expression fails its action, and the number model in variables.
const compose = (inputs: unknown, runAfter: Record<string, string[]> = {}) => ({ type: 'Compose', inputs, runAfter })
const missingMessage = {
  type: 'ApiConnection',
  runAfter: {},
  inputs: {
    host: host('GetMessageDetails'),
    parameters: { messageId: encodeId('MESSAGE', '00000000-0000-4000-8000-000000000000') },
    retryPolicy: { type: 'none' },
  },
}

t.test("result('Try'): a Scope's top-level actions as Logic Apps lists them, for the catch branch", async t => {
  const s = await startFlows(t, {
    trycatch: flowFile({
      Try: {
        type: 'Scope',
        runAfter: {},
        actions: {
          Note: compose('first'),
          Get: { ...missingMessage, runAfter: { Note: ['Succeeded'] } },
          After: compose('not reached', { Get: ['Succeeded'] }),
        },
      },
      Catch: {
        type: 'Query',
        runAfter: { Try: ['Failed'] },
        inputs: { from: "@result('Try')", where: "@equals(item()['status'], 'Failed')" },
      },
      Report: compose(
        {
          failed: "@first(body('Catch'))?['name']",
          code: "@first(body('Catch'))?['code']",
          status: "@first(body('Catch'))?['outputs']?['statusCode']",
          all: "@length(result('Try'))",
          names: "@join(createArray(result('Try')[0]['name'], result('Try')[2]['name']), ',')",
          skipped: "@result('Try')[2]['code']",
          tracking: "@equals(result('Try')[0]['clientTrackingId'], workflow()['run']['name'])",
          note: "@actions('Note')['status']",
        },
        { Catch: ['Succeeded'] }
      ),
    }),
  })
  const run = await s.runNow('trycatch')
  t.same(statuses(run), {
    Note: 'Succeeded',
    Get: 'Failed',
    After: 'Skipped',
    Try: 'Failed',
    Catch: 'Succeeded',
    Report: 'Succeeded',
  })
  t.equal(run.status, 'Succeeded', 'the catch handles the failure')
  t.same(run.actions.find((a: any) => a.name === 'Report').outputs, {
    failed: 'Get',
    code: 'NotFound',
    status: 404,
    all: 3,
    names: 'Note,After',
    skipped: 'ActionSkipped',
    tracking: true,
    note: 'Succeeded',
  })
  const caught = run.actions.find((a: any) => a.name === 'Catch').outputs.body[0]
  t.match(caught, {
    name: 'Get',
    status: 'Failed',
    code: 'NotFound',
    error: { code: '404' },
    outputs: { statusCode: 404 },
    inputs: {},
  })
  t.match(caught.startTime, /^\d{4}-\d\d-\d\dT/)
  t.match(caught.trackingId, /^[0-9a-f]{8}-[0-9a-f]{4}-/)
})

t.test("result('Loop'): each action of a Foreach with its iterations, in order", async t => {
  const s = await startFlows(t, {
    loop: flowFile({
      Loop: {
        type: 'Foreach',
        runAfter: {},
        foreach: '@createArray(3, 1, 2)',
        actions: { Double: compose('@mul(item(), 2)') },
      },
      Collect: compose("@result('Loop')", { Loop: ['Succeeded'] }),
    }),
  })
  const run = await s.runNow('loop')
  const out = run.actions.find((a: any) => a.name === 'Collect').outputs
  t.equal(out.length, 1)
  t.equal(out[0].name, 'Double')
  t.same(
    out[0].outputs.map((i: any) => i.outputs),
    [6, 2, 4],
    'one record per iteration, in iteration order'
  )
})

t.test('a failing expression fails its action with InvalidTemplate and a message naming the function', async t => {
  const s = await startFlows(t, {
    bad: flowFile({
      Divide: compose('@div(10, sub(2, 2))'),
      Date: compose("@formatDateTime('31/31/2018')"),
      Path: compose("@triggerBody()['missing']['deeper']"),
    }),
  })
  const run = await s.runNow('bad')
  t.equal(run.status, 'Failed')
  const error = (name: string) => run.actions.find((a: any) => a.name === name).error
  t.same(error('Divide'), {
    code: 'InvalidTemplate',
    message: "The template language function 'div' could not be evaluated: The divisor must not be zero.",
  })
  t.match(error('Date'), {
    code: 'InvalidTemplate',
    message: /^The template language function 'formatDateTime' expects its first parameter to be a timestamp/,
  })
  t.match(error('Path'), { code: 'InvalidTemplate', message: /property 'missing' doesn't exist/ })
  for (const a of run.actions) t.notMatch(a.error?.message ?? '', /undefined|NaN|Infinity|TypeError/)
})

t.test('variables: a float variable holds floats; IncrementVariable keeps the number model', async t => {
  const s = await startFlows(t, {
    vars: flowFile({
      Init: {
        type: 'InitializeVariable',
        runAfter: {},
        inputs: {
          variables: [
            { name: 'f', type: 'float', value: 5 },
            { name: 'n', type: 'integer', value: 7 },
            { name: 'd', type: 'float' },
          ],
        },
      },
      Half: compose("@div(variables('f'), 2)", { Init: ['Succeeded'] }),
      Whole: compose("@div(variables('n'), 2)", { Init: ['Succeeded'] }),
      Add: { type: 'IncrementVariable', runAfter: { Half: ['Succeeded'] }, inputs: { name: 'f', value: 0.5 } },
      Text: compose("@{variables('f')} @{variables('d')}", { Add: ['Succeeded'] }),
      Wrong: { type: 'SetVariable', runAfter: { Text: ['Succeeded'] }, inputs: { name: 'n', value: 1.5 } },
    }),
  })
  const run = await s.runNow('vars')
  const out = (name: string) => run.actions.find((a: any) => a.name === name)
  t.equal(out('Half').outputs, 2.5, 'div() of a float variable is a float division')
  t.equal(out('Whole').outputs, 3, 'div() of an integer variable divides as integers')
  t.equal(out('Text').outputs, '5.5 0')
  t.equal(out('Wrong').status, 'Failed', 'an integer variable does not take a float')
})

t.test('listCallbackUrl() needs a trigger or action with a callback URL: refused at load, naming it', async t => {
  const s = await startFlows(t, {})
  const json = flowFile(
    { Url: compose('@listCallbackUrl()') },
    { trigger: { Daily: { type: 'Recurrence', recurrence: { frequency: 'Day', interval: 1 } } } }
  )
  const err = t.throws(() => compileFlow('x', 'x.json', json, s.flows!.catalog)) as unknown as FlowLoadError
  t.ok(err instanceof FlowLoadError)
  t.match(err.problems, [
    {
      path: '/definition/actions/Url/inputs',
      message:
        'listCallbackUrl() needs a flow with a Request, HttpWebhook or ApiConnectionWebhook trigger, or an ' +
        "HttpWebhook action; this flow's trigger is Recurrence",
    },
  ])
  const scoped = flowFile({ Look: compose("@result('Nothing')") })
  const err2 = t.throws(() => compileFlow('y', 'y.json', scoped, s.flows!.catalog)) as unknown as FlowLoadError
  t.match(err2.problems, [{ message: /result\('Nothing'\): there is no action named 'Nothing'/ }])
})
