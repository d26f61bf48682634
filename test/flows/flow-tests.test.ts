import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DOMParser } from '@xmldom/xmldom'
import { runTestFiles } from '../../src/flows/testing/suite.js'
import { junitReport, textReport } from '../../src/flows/testing/report.js'
import { mismatches, substitute } from '../../src/flows/testing/match.js'
import { tempDir } from '../helpers/service.js'

// The test file format's references are written ${like.this}, in plain strings.
/* eslint-disable no-template-curly-in-string */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI = ['--import', 'tsx', 'src/flows/cli.ts', 'test']
const FLOWS = join(ROOT, 'flows')

t.test('every shipped flow has a test file, and every shipped test passes', async t => {
  const flows = readdirSync(FLOWS).filter(f => f.endsWith('.json'))
  const tests = readdirSync(join(FLOWS, 'tests')).filter(f => f.endsWith('.test.json'))
  t.same(
    flows.map(f => f.replace(/\.json$/, '.test.json')).filter(f => !tests.includes(f)),
    [],
    'no shipped flow without tests'
  )
  const results = await runTestFiles(tests.map(f => join(FLOWS, 'tests', f)))
  t.ok(results.length >= flows.length * 2, `${results.length} cases`)
  const failed = results.filter(r => r.failures.length > 0)
  t.same(failed.map(r => `${r.name}: ${r.failures.join('; ')}`), [], textReport(failed))
})

const flow = (actions: Record<string, unknown>, parameters: Record<string, unknown> = {}) => ({
  owner: 'alice@example.com',
  definition: {
    parameters: { hook: { type: 'String', defaultValue: 'http://127.0.0.1:9/none' }, ...parameters },
    triggers: { manual: { type: 'Request', kind: 'Http' } },
    actions,
  },
})

t.test('receivers, the fake clock, mocks and failures: the report names the path and the failed action', async t => {
  const dir = tempDir(t, 'flow-tests-')
  writeFileSync(
    join(dir, 'notify.json'),
    JSON.stringify(
      flow({
        Hold: { type: 'Wait', runAfter: {}, inputs: { interval: { count: 2, unit: 'Hour' } } },
        Call: {
          type: 'Http',
          runAfter: { Hold: ['Succeeded'] },
          inputs: {
            method: 'POST',
            uri: "@{parameters('hook')}/in",
            body: { at: '@{utcNow()}', n: "@triggerBody()?['n']" },
          },
        },
        Lookup: {
          type: 'ApiConnection',
          runAfter: { Call: ['Succeeded', 'Failed'] },
          inputs: {
            host: {
              connection: { name: "@parameters('$connections')['webexspaces']['connectionId']" },
              operationId: 'GetSpaceDetails',
            },
            parameters: { roomId: "@triggerBody()?['room']" },
          },
        },
      })
    )
  )
  writeFileSync(
    join(dir, 'notify.test.json'),
    JSON.stringify({
      flow: 'notify.json',
      tests: [
        {
          name: 'passes',
          clock: '2026-03-01T10:00:00Z',
          parameters: { hook: '${crm.url}' },
          receivers: { crm: { statusCode: 202, body: { ok: true } } },
          trigger: { body: { n: 7, room: '${demo.apollo}' } },
          expect: {
            runs: 1,
            status: 'Succeeded',
            actions: {
              Hold: { status: 'Succeeded' },
              Call: { status: 'Succeeded', outputs: { statusCode: 202, body: { ok: true } } },
              Lookup: { outputs: { body: { title: 'Project Apollo' } } },
            },
            calls: [{ operationId: 'GetSpaceDetails', method: 'GET', status: 200 }],
            received: { crm: [{ method: 'POST', path: '/in', body: { at: '2026-03-01T12:00:00.0000000Z', n: 7 } }] },
          },
        },
        {
          name: 'fails',
          parameters: { hook: '${crm.url}' },
          receivers: { crm: { statusCode: 500 } },
          staticResults: { Hold: { status: 'Succeeded' } },
          trigger: { body: { n: 1, room: 'nope' } },
          expect: {
            status: 'Succeeded',
            actions: { Call: { status: 'Succeeded' }, Never: { status: 'Succeeded' } },
            calls: [],
            received: { crm: [], other: [] },
          },
        },
        { name: 'bad reference', trigger: { body: '${nothing.here}' }, expect: {} },
      ],
    })
  )
  const results = await runTestFiles([join(dir, 'notify.test.json')], 2)
  t.same(
    results.map(r => r.name),
    ['passes', 'fails', 'bad reference'],
    'in file order, though run in parallel'
  )
  t.same(results[0].failures, [], 'receivers, the clock moved by the Wait, the connector call')
  const failures = results[1].failures
  t.match(failures, [
    /^\/tests\/1\/expect\/status: expected Succeeded, got Failed \(ActionFailed/,
    '/tests/1/expect/actions/Call/status: expected "Succeeded", got "Failed"',
    '/tests/1/expect/actions/Never: the action did not run (no record)',
    /^\/tests\/1\/expect\/calls: expected 0 item\(s\), got 1/,
    /^\/tests\/1\/expect\/received\/crm: expected 0 item\(s\), got 5/, // the default retry policy: 4 retries
    "/tests/1/expect/received/other: there is no receiver 'other' in receivers",
  ])
  t.same(results[2].failures, ['/tests/2/trigger/body: ${nothing.here} names nothing'])
  const text = textReport(results)
  t.match(text, '✓ passes')
  t.match(text, '✗ fails')
  t.match(text, /action Call Failed\n\s+inputs: {2}\{"method":"POST"/, "the failed action's inputs")
  t.match(text, /outputs: \{"statusCode":500/, 'and outputs')
  t.match(text, '3 test(s), 1 passed, 2 failed')

  const xml = new DOMParser().parseFromString(junitReport(results), 'text/xml')
  const suite = xml.getElementsByTagName('testsuite')[0]
  t.equal(suite.getAttribute('tests'), '3')
  t.equal(suite.getAttribute('failures'), '2')
  const cases = xml.getElementsByTagName('testcase')
  t.equal(cases.length, 3)
  t.equal(cases[0].getElementsByTagName('failure').length, 0)
  t.match(cases[1].getElementsByTagName('failure')[0].getAttribute('message'), /expected Succeeded, got Failed/)

  // The CLI: non-zero exit on a failure, JUnit XML to a file.
  const out = join(dir, 'junit.xml')
  const cli = spawnSync(
    process.execPath,
    [...CLI, join(dir, 'notify.test.json'), '--reporter', 'junit', '--output', out],
    { cwd: ROOT, encoding: 'utf8' }
  )
  t.equal(cli.status, 1, cli.stderr)
  t.match(cli.stdout, '3 test(s), 1 passed, 2 failed')
  t.match(readFileSync(out, 'utf8'), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites tests="3" failures="2">/)
  const stdoutXml = spawnSync(
    process.execPath,
    [...CLI, join(dir, 'notify.test.json'), '--reporter', 'junit'],
    { cwd: ROOT, encoding: 'utf8' }
  )
  t.match(stdoutXml.stdout, /^<\?xml/, 'without --output the XML is the standard output')
  t.match(stdoutXml.stderr, '✗ fails', 'and the readable report goes to stderr')
})

t.test('a malformed test file is reported with JSON paths, like a malformed flow', async t => {
  const dir = tempDir(t, 'flow-tests-')
  writeFileSync(join(dir, 'f.json'), JSON.stringify(flow({ A: { type: 'Compose', inputs: 1 } })))
  writeFileSync(
    join(dir, 'bad.test.json'),
    JSON.stringify({
      flow: 'f.json',
      tests: [
        { name: 'x', expect: { status: 3 }, data: [{ as: 'mallory', path: '/x' }] },
        { name: 'x', expect: {}, trigger: { recurrence: 'tomorrow' }, extra: 1 },
      ],
    })
  )
  const twice = [
    { name: 'x', expect: {} },
    { name: 'x', expect: {} },
  ]
  writeFileSync(join(dir, 'dup.test.json'), JSON.stringify({ flow: 'f.json', tests: twice }))
  writeFileSync(join(dir, 'broken.test.json'), '{ "flow": ')
  writeFileSync(join(dir, 'flowbad.test.json'), JSON.stringify({ flow: 'bad-flow.json', tests: twice.slice(1) }))
  writeFileSync(join(dir, 'bad-flow.json'), JSON.stringify(flow({ A: { type: 'Compose', inputs: '@nope()' } })))
  writeFileSync(
    join(dir, 'baddata.test.json'),
    JSON.stringify({
      flow: 'f.json',
      tests: [{ name: 'x', data: [{ as: 'bob', path: '/v1/rooms', body: {} }], expect: {} }],
    })
  )
  const results = await runTestFiles(
    ['bad', 'dup', 'broken', 'flowbad', 'baddata'].map(f => join(dir, `${f}.test.json`))
  )
  const [bad, dup, broken, flowbad, baddata] = results
  t.equal(bad.name, '(test file)')
  t.match(bad.failures, [
    '/tests/0/data/0/as: must be equal to one of the allowed values: alice, bob, carol, dave',
    '/tests/0/data/0/path: must match pattern "^/v1/"',
    '/tests/0/expect/status: must be string',
    "/tests/1: unknown property 'extra'",
  ])
  t.ok(bad.failures.some(f => f.startsWith('/tests/1/trigger')), 'the trigger is named')
  t.same(dup.failures, ['/tests/1/name: is not unique'])
  t.match(broken.failures, [/^\/: not valid JSON/])
  t.match(flowbad.failures, [/^bad-flow\.json\/definition\/actions\/A\/inputs: /], "the flow's own load problems")
  t.match(baddata.failures, [/^\/tests\/0\/data\/0: POST \/v1\/rooms answered 400/])
})

t.test('partial matching and substitution', async t => {
  t.same(mismatches({ a: 1, b: { c: [1, { d: 2 }] } }, { a: 1, z: 0, b: { c: [1, { d: 2, e: 3 }] } }), [])
  t.same(mismatches({ a: { b: 1 } }, { a: 'x' }), ['/a: expected an object, got "x"'])
  t.same(mismatches([1], {}), ['/: expected an array, got {}'])
  t.same(mismatches({ a: 1 }, undefined), ['/: expected an object, got nothing'])
  t.same(substitute({ n: '${x.n}', s: 'n=${x.n}, o=${x.o}' }, { x: { n: 2, o: { k: 1 } } }), {
    n: 2,
    s: 'n=2, o={"k":1}',
  })
  t.same(substitute(['${x.0}'], { x: ['first'] }), ['first'])
})
