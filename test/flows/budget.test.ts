import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { budgetReport, callBudget, recurrenceRate } from '../../src/flows/budget.js'
import { flowFile, host, startFlows } from './helpers.js'

const send = (runAfter: Record<string, string[]> = {}) => ({
  type: 'ApiConnection',
  runAfter,
  inputs: { host: host('SendMessage'), parameters: { 'body/roomId': 'x', 'body/text': 'hi' } },
})

t.test('the call budget: connector actions per run, known loops multiplied, the dearer branch', async t => {
  const s = await startFlows(t, {
    loops: flowFile({
      Known: { type: 'Foreach', runAfter: {}, foreach: '@createArray(1, 2, 3)', actions: { S: send() } },
      Literal: {
        type: 'Foreach',
        runAfter: {},
        foreach: [1, 2],
        actions: { S2: send(), C: { type: 'Compose', inputs: 1 } },
      },
      Unknown: { type: 'Foreach', runAfter: {}, foreach: "@triggerBody()?['items']", actions: { S3: send() } },
      Again: {
        type: 'Until',
        runAfter: {},
        expression: '@equals(1, 1)',
        limit: { count: 4 },
        actions: { S4: send() },
      },
      Choose: {
        type: 'If',
        runAfter: {},
        expression: '@true',
        actions: { One: send() },
        else: { actions: { Two: send(), Three: send({ Two: ['Succeeded'] }) } },
      },
      Scoped: { type: 'Scope', runAfter: {}, actions: { Five: send() } },
      Pick: {
        type: 'Switch',
        runAfter: {},
        expression: '@1',
        cases: { a: { case: 1, actions: { Six: send() } } },
        default: { actions: {} },
      },
    }),
    minutely: flowFile(
      { A: send(), B: send({ A: ['Succeeded'] }) },
      { trigger: { Every: { type: 'Recurrence', recurrence: { frequency: 'Minute', interval: 1 } } } }
    ),
    nightly: flowFile(
      { A: send() },
      {
        trigger: {
          Every: {
            type: 'Recurrence',
            recurrence: { frequency: 'Day', interval: 1, schedule: { hours: [2, 14], minutes: [0] } },
          },
        },
      }
    ),
  })
  const flow = (id: string) => s.flows!.flow(id)!
  // 3 + 2 + 1 (unknown size) + 4 + max(1, 2) + 1 + max(1, 0)
  t.same(callBudget(flow('loops')), { calls: 14, unknown: ['Unknown'] })
  t.equal(recurrenceRate(flow('loops')), undefined, 'an event trigger: the rate is the one stated')
  t.same(budgetReport(flow('loops'), 5), {
    line: '14 Webex call(s) per run (per item of Unknown); at 5 trigger(s) a minute: 70 a minute (limit 100 per 60 s)',
  })
  t.same(budgetReport(flow('loops'), 8), {
    line: '14 Webex call(s) per run (per item of Unknown); at 8 trigger(s) a minute: 112 a minute (limit 100 per 60 s)',
    warning:
      'loops will be throttled (429) at 8 trigger(s) a minute: it needs 112 calls a minute; ' +
      "its owner's connection allows 100, so at most 7 run(s) a minute",
  })
  t.equal(recurrenceRate(flow('minutely')), 1)
  const limit = '(limit 100 per 60 s)'
  t.equal(budgetReport(flow('minutely'), 1000).line, `2 Webex call(s) per run; at its recurrence: 2 a minute ${limit}`)
  t.equal(budgetReport(flow('nightly'), 1000).line, `1 Webex call(s) per run; at its recurrence: 2 a day ${limit}`)
})

t.test('npm run flow -- check prints each budget and warns at the stated rate', async t => {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/flows/cli.ts', 'check', ...args], {
      cwd: root,
      encoding: 'utf8',
    })
  const calm = cli()
  t.equal(calm.status, 0, calm.stderr)
  t.match(calm.stdout, '    budget: 4 Webex call(s) per run; at 10 trigger(s) a minute: 40 a minute')
  t.notMatch(calm.stderr, '⚠')
  const busy = cli('--rate', '40')
  t.equal(busy.status, 0, 'a warning, not a failure')
  t.match(busy.stderr, '⚠ act-on-approval will be throttled (429) at 40 trigger(s) a minute: it needs 160 calls')
  t.notMatch(busy.stderr, 'welcome-new-member', 'one call per run stays under the limit')
  t.match(cli('--rate', 'lots'), { status: 1, stderr: /--rate must be a positive number/ })
})
