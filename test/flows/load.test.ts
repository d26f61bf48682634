import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileFlow, FlowLoadError, type CompiledFlow } from '../../src/flows/load.js'
import { startService, tempDir } from '../helpers/service.js'

// Flows are checked against the running service's own operation catalog: the routes are the truth.
const flowsDir = (t: Tap): string => tempDir(t, 'flows-')
type Tap = Parameters<typeof tempDir>[0]

const host = (operationId: string) => ({
  connection: { name: "@parameters('$connections')['webexspaces']['connectionId']" },
  operationId,
})
const flow = (actions: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  owner: 'alice@example.com',
  definition: {
    triggers: {
      When_a_message_is_created: { type: 'ApiConnectionWebhook', inputs: { host: host('WhenMessageCreated') } },
    },
    actions,
    ...extra,
  },
})

t.test('load errors name the file, the JSON path and the reason; the good flows still load', async t => {
  const dir = flowsDir(t)
  writeFileSync(join(dir, 'broken-json.json'), '{ "owner": ')
  writeFileSync(
    join(dir, 'ok.json'),
    JSON.stringify(flow({ Say: { type: 'Compose', runAfter: {}, inputs: "@triggerBody()?['data']?['id']" } }))
  )
  writeFileSync(join(dir, 'notes.txt'), 'not a flow')
  const s = await startService(t, { flows: { enabled: true, dir } })
  const errors = s.flows!.loadErrors()
  t.equal(errors.length, 1)
  t.match(errors[0], { file: join(dir, 'broken-json.json'), problems: [{ path: '', message: /not valid JSON/ }] })
  t.same(
    s.flows!.all().map(f => f.id),
    ['ok'],
    'the valid flow loaded; other files are ignored'
  )
})

t.test('every kind of mistake is caught at load, with its path', async t => {
  const s = await startService(t, { flows: { enabled: true, dir: flowsDir(t) } })
  const catalog = s.flows!.catalog
  const problems = (json: unknown): Array<{ path: string; message: string }> => {
    try {
      compileFlow('x', 'x.json', json, catalog)
    } catch (err) {
      if (err instanceof FlowLoadError) return err.problems
      throw err
    }
    return []
  }
  const one = (label: string, json: unknown, path: string, message: RegExp): void => {
    const found = problems(json)
    t.ok(
      found.some(p => p.path === path && message.test(p.message)),
      `${label}: ${path} ${message} in ${JSON.stringify(found)}`
    )
  }
  const A = '/definition/actions'
  one('no owner', { definition: flow({}).definition }, '/owner', /is required/)
  one('unknown top-level property', { ...flow({}), extra: 1 }, '', /unknown property 'extra'/)
  one(
    'unknown action type',
    flow({ A: { type: 'Javascript', inputs: {} } }),
    `${A}/A/type`,
    /must be equal to one of the allowed values: ApiConnection/
  )
  one('Compose without inputs', flow({ A: { type: 'Compose' } }), `${A}/A/inputs`, /is required/)
  one(
    'bad runAfter status',
    flow({ A: { type: 'Compose', inputs: 1 }, B: { type: 'Compose', inputs: 1, runAfter: { A: ['Done'] } } }),
    `${A}/B/runAfter/A/0`,
    /Succeeded, Failed, Skipped, TimedOut/
  )
  one(
    'unknown function',
    flow({ A: { type: 'Compose', inputs: '@frobnicate(1)' } }),
    `${A}/A/inputs`,
    /'frobnicate' is not a known function/
  )
  one(
    'wrong arity',
    flow({ A: { type: 'Compose', inputs: "@toLower('a', 'b')" } }),
    `${A}/A/inputs`,
    /toLower takes 1 arguments, not 2/
  )
  one(
    'bad syntax',
    flow({ A: { type: 'Compose', inputs: { deep: ["@concat('a'"] } } }),
    `${A}/A/inputs`,
    /Expected|expected/
  )
  one(
    'runAfter an unknown action',
    flow({ A: { type: 'Compose', inputs: 1, runAfter: { Nope: ['Succeeded'] } } }),
    `${A}/A/runAfter/Nope`,
    /'Nope' is not an action in the same scope/
  )
  one(
    'runAfter cycle',
    flow({
      A: { type: 'Compose', inputs: 1, runAfter: { B: ['Succeeded'] } },
      B: { type: 'Compose', inputs: 1, runAfter: { A: ['Succeeded'] } },
    }),
    A,
    /cycle|loop/i
  )
  one(
    'unknown operation',
    flow({ A: { type: 'ApiConnection', inputs: { host: host('SendFax') } } }),
    `${A}/A/inputs/host/operationId`,
    /'SendFax' is not an operation of the connector/
  )
  one(
    'unknown parameter',
    flow({
      A: {
        type: 'ApiConnection',
        inputs: { host: host('GetMessageDetails'), parameters: { messageId: 'm', colour: 'red' } },
      },
    }),
    `${A}/A/inputs/parameters/colour`,
    /GetMessageDetails has no parameter 'colour'/
  )
  one(
    'missing required parameter',
    flow({ A: { type: 'ApiConnection', inputs: { host: host('GetMessageDetails'), parameters: {} } } }),
    `${A}/A/inputs/parameters`,
    /needs the parameter 'messageId'/
  )
  one(
    'body() of an unknown action',
    flow({ A: { type: 'Compose', inputs: "@body('Ghost')" } }),
    `${A}/A/inputs`,
    /no action named 'Ghost'/
  )
  one(
    'items() outside its loop',
    flow({ A: { type: 'Compose', inputs: "@items('Loop')" } }),
    `${A}/A/inputs`,
    /not inside a Foreach named 'Loop'/
  )
  one(
    'undeclared variable',
    flow({ A: { type: 'Compose', inputs: "@variables('v')" } }),
    `${A}/A/inputs`,
    /no InitializeVariable declares 'v'/
  )
  one(
    'nested InitializeVariable',
    flow({
      S: {
        type: 'Scope',
        actions: { V: { type: 'InitializeVariable', inputs: { variables: [{ name: 'v', type: 'string' }] } } },
      },
    }),
    `${A}/S/actions/V`,
    /top level/
  )
  one(
    'Terminate status',
    flow({ T: { type: 'Terminate', inputs: { runStatus: 'Exploded' } } }),
    `${A}/T/inputs/runStatus`,
    /Failed, Cancelled or Succeeded/
  )
  one(
    'duplicate action names across scopes',
    flow({ A: { type: 'Compose', inputs: 1 }, S: { type: 'Scope', actions: { A: { type: 'Compose', inputs: 2 } } } }),
    `${A}/S/actions/A`,
    /unique|already/
  )
  one(
    'bad retry interval',
    flow({
      A: {
        type: 'ApiConnection',
        inputs: { host: host('GetPeople'), retryPolicy: { type: 'fixed', count: 2, interval: '30 seconds' } },
      },
    }),
    `${A}/A/inputs/retryPolicy/interval`,
    /must match pattern/
  )
  one(
    'unknown trigger operation',
    {
      owner: 'a@b.c',
      definition: {
        triggers: { T: { type: 'ApiConnectionWebhook', inputs: { host: host('WhenPigsFly') } } },
        actions: {},
      },
    },
    '/definition/triggers/T/inputs/host/operationId',
    /WhenMembershipCreated/
  )
  one(
    'two triggers',
    {
      owner: 'a@b.c',
      definition: {
        triggers: {
          A: { type: 'Recurrence', recurrence: { frequency: 'Day', interval: 1 } },
          B: { type: 'Recurrence', recurrence: { frequency: 'Day', interval: 1 } },
        },
        actions: {},
      },
    },
    '/definition/triggers',
    /must NOT have more than 1 properties/
  )
  one(
    'trigger filter Webex does not have',
    {
      owner: 'a@b.c',
      definition: {
        triggers: {
          T: {
            type: 'ApiConnectionWebhook',
            inputs: { host: host('WhenMessageCreated'), parameters: { filter: 'colour=red' } },
          },
        },
        actions: {},
      },
    },
    '/definition/triggers/T/inputs/parameters',
    /colour/
  )
  one(
    'retryPolicy outside inputs',
    flow({ A: { type: 'Http', inputs: { method: 'GET', uri: 'http://x.test' }, retryPolicy: { type: 'none' } } }),
    `${A}/A`,
    /unknown property 'retryPolicy' \(Logic Apps puts it in inputs.retryPolicy\)/
  )
  one(
    'a time zone that is not a Windows name',
    {
      owner: 'a@b.c',
      definition: {
        triggers: {
          T: {
            type: 'Recurrence',
            recurrence: { frequency: 'Day', interval: 1, timeZone: 'Mars Standard Time' },
          },
        },
        actions: {},
      },
    },
    '/definition/triggers/T/recurrence/timeZone',
    /not a Windows time zone name/
  )
  one(
    'Recurrence without recurrence',
    { owner: 'a@b.c', definition: { triggers: { T: { type: 'Recurrence' } }, actions: {} } },
    '/definition/triggers/T/recurrence',
    /is required/
  )

  const many = problems(
    flow({ A: { type: 'Compose', inputs: '@nope()' }, B: { type: 'Compose', inputs: "@body('Ghost')" } })
  )
  t.equal(many.length, 2, 'all problems of a file are reported at once, not just the first')
})

t.test('a well-formed flow compiles: defaults from the definition language', async t => {
  const s = await startService(t, { flows: { enabled: true, dir: flowsDir(t) } })
  const f: CompiledFlow = compileFlow(
    'x',
    'x.json',
    flow({
      Call: { type: 'ApiConnection', inputs: { host: host('GetPeople'), parameters: { email: 'bob@example.com' } } },
      Quiet: {
        type: 'ApiConnection',
        inputs: { host: host('GetPeople'), retryPolicy: { type: 'none' } },
        limit: { timeout: 'PT10S' },
      },
      Show: { type: 'Compose', inputs: 1 },
    }),
    s.flows!.catalog
  )
  const [call, quiet, show] = f.steps
  t.match(
    call.retry,
    { type: 'exponential', count: 4 },
    'connector calls retry 4 times, exponentially, unless told otherwise'
  )
  t.match(quiet, { retry: { type: 'none' }, timeoutMs: 10_000 })
  t.match(show.retry, { type: 'none' }, 'built-in actions do not retry')
})
