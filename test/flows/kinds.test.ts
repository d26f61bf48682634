import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { compileFlow, FlowLoadError } from '../../src/flows/load.js'
import { nextOccurrence } from '../../src/flows/recurrence.js'
import { flowFile, startFlows, statuses } from './helpers.js'
import { ManualClock } from '../helpers/service.js'

const compose = (inputs: unknown, runAfter: Record<string, string[]> = {}) => ({ type: 'Compose', inputs, runAfter })
const out = (run: any, name: string) => run.actions.filter((a: any) => a.name === name).pop()

/** A loopback HTTP server answering each request with `answer`, recording method, url, headers and body. */
async function server (
  t: Tap,
  answer: (req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }) => {
    status?: number
    headers?: Record<string, string>
    body?: unknown
  }
) {
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = []
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const got = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }
      seen.push(got)
      const a = answer(got)
      const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body)
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers }).end(body)
    })
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => srv.close(() => resolve())))
  const origin = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  return { origin, seen }
}
type Tap = { teardown(fn: () => unknown): void }

t.test('data operations: Select, Join, Table (CSV, HTML), ParseJson, Query, AppendToString/Decrement', async t => {
  const items = [
    { ID: 0, Product_Name: 'Apples' },
    { ID: 1, Product_Name: 'Oranges, "navel"' },
  ]
  const s = await startFlows(t, {
    data: flowFile({
      Vars: {
        type: 'InitializeVariable',
        inputs: {
          variables: [
            { name: 'Items', type: 'array', value: items },
            { name: 'Text', type: 'string', value: 'a' },
            { name: 'Count', type: 'integer', value: 10 },
          ],
        },
      },
      Numbers: {
        type: 'Select',
        runAfter: { Vars: ['Succeeded'] },
        inputs: { from: [1, 2, 3], select: { number: '@item()' } },
      },
      Names: {
        type: 'Select',
        runAfter: { Vars: ['Succeeded'] },
        inputs: { from: "@variables('items')", select: "@item()['Product_Name']" },
      },
      Joined: { type: 'Join', runAfter: { Numbers: ['Succeeded'] }, inputs: { from: [1, 2, 3, 4], joinWith: ',' } },
      Csv: { type: 'Table', runAfter: { Vars: ['Succeeded'] }, inputs: { format: 'CSV', from: "@variables('Items')" } },
      Html: {
        type: 'Table',
        runAfter: { Vars: ['Succeeded'] },
        inputs: {
          format: 'HTML',
          from: "@variables('Items')",
          columns: [
            { header: 'Stock_ID', value: '@item().ID' },
            { header: 'Description', value: "@concat('Organic ', item().Product_Name)" },
          ],
        },
      },
      Parse: {
        type: 'ParseJson',
        runAfter: { Vars: ['Succeeded'] },
        inputs: {
          content: '{"Member":{"Email":"sophie@contoso.com"}}',
          schema: { type: 'object', properties: { Member: { type: 'Object' } } },
        },
      },
      Invalid: {
        type: 'ParseJson',
        runAfter: { Vars: ['Succeeded'] },
        inputs: { content: { n: 'x' }, schema: { type: 'object', properties: { n: { type: 'integer' } } } },
      },
      Append: {
        type: 'AppendToStringVariable',
        runAfter: { Vars: ['Succeeded'] },
        inputs: { name: 'TEXT', value: 'bc' },
      },
      Down: { type: 'DecrementVariable', runAfter: { Vars: ['Succeeded'] }, inputs: { name: 'count', value: 3 } },
      Final: {
        type: 'Compose',
        runAfter: { Append: ['Succeeded'], Down: ['Succeeded'], Invalid: ['Failed'] },
        inputs: "@createArray(variables('Text'), variables('Count'), body('Parse')?['Member']?['Email'])",
      },
    }),
  })
  const run = await s.runNow('data')
  t.equal(run.status, 'Succeeded', 'the failed ParseJson is handled by Final')
  t.same(out(run, 'Numbers').outputs.body, [{ number: 1 }, { number: 2 }, { number: 3 }])
  t.same(out(run, 'Names').outputs.body, ['Apples', 'Oranges, "navel"'])
  t.equal(out(run, 'Joined').outputs.body, '1,2,3,4')
  t.equal(out(run, 'Csv').outputs.body, 'ID,Product_Name\r\n0,Apples\r\n1,"Oranges, ""navel"""')
  t.equal(
    out(run, 'Html').outputs.body,
    '<table><thead><tr><th>Stock_ID</th><th>Description</th></tr></thead><tbody>' +
      '<tr><td>0</td><td>Organic Apples</td></tr>' +
      '<tr><td>1</td><td>Organic Oranges, &quot;navel&quot;</td></tr></tbody></table>'
  )
  t.match(out(run, 'Invalid'), { status: 'Failed', error: { code: 'ValidationFailed' } })
  t.same(out(run, 'Final').outputs, ['abc', 7, 'sophie@contoso.com'], 'names of variables and actions ignore case')
})

t.test('Until: repeats until the condition holds or limit.count; Wait until; Expression actions', async t => {
  const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'))
  const s = await startFlows(
    t,
    {
      loop: flowFile({
        N: { type: 'InitializeVariable', inputs: { variables: [{ name: 'n', type: 'integer', value: 0 }] } },
        Until3: {
          type: 'Until',
          runAfter: { N: ['Succeeded'] },
          expression: "@equals(variables('n'), 3)",
          limit: { count: 10, timeout: 'PT1H' },
          actions: { Inc: { type: 'IncrementVariable', inputs: { name: 'n' } } },
        },
        Capped: {
          type: 'Until',
          runAfter: { Until3: ['Succeeded'] },
          expression: '@equals(1, 2)',
          limit: { count: 2 },
          actions: { Again: { type: 'IncrementVariable', inputs: { name: 'n', value: 10 } } },
        },
        WaitUntil: {
          type: 'Wait',
          runAfter: { Capped: ['Succeeded'] },
          inputs: { until: { timestamp: '2026-03-01T12:30:00Z' } },
        },
        Now: { type: 'Expression', kind: 'CurrentTime', runAfter: { WaitUntil: ['Succeeded'] }, inputs: {} },
        Past: {
          type: 'Expression',
          kind: 'GetPastTime',
          runAfter: { Now: ['Succeeded'] },
          inputs: { interval: 2, timeUnit: 'Day' },
        },
        Converted: {
          type: 'Expression',
          kind: 'ConvertTimeZone',
          runAfter: { Now: ['Succeeded'] },
          inputs: {
            baseTime: '2026-07-01T12:00:00Z',
            sourceTimeZone: 'UTC',
            destinationTimeZone: 'Pacific Standard Time',
            formatString: 'yyyy-MM-dd HH:mm',
          },
        },
        Pos: {
          type: 'Expression',
          kind: 'IndexOf',
          runAfter: { Now: ['Succeeded'] },
          inputs: { text: 'https://graph/v1.0/me', searchText: 'v1.0' },
        },
        Total: {
          type: 'Compose',
          runAfter: { Past: ['Succeeded'], Converted: ['Succeeded'], Pos: ['Succeeded'] },
          inputs: "@variables('n')",
        },
      }),
    },
    {},
    { clock: clock.now }
  )
  const run = await s.runNow('loop')
  t.equal(run.status, 'Succeeded')
  t.equal(run.actions.filter((a: any) => a.name === 'Inc').length, 3, 'three repetitions until n = 3')
  t.same(out(run, 'Until3').outputs, { iterations: 3 })
  t.same(out(run, 'Capped').outputs, { iterations: 2 }, 'limit.count stops the loop')
  t.equal(out(run, 'Total').outputs, 23)
  t.same(s.sleeps, [30 * 60_000], 'Wait until waits exactly up to the timestamp')
  t.equal(out(run, 'Now').outputs.body, '2026-03-01T12:00:00.0000000Z')
  t.equal(out(run, 'Past').outputs.body, '2026-02-27T12:00:00.0000000Z')
  t.equal(out(run, 'Converted').outputs.body, '2026-07-01 05:00', 'daylight time in Pacific: UTC-7')
  t.equal(out(run, 'Pos').outputs.body, 14)
})

t.test('options: secureData, staticResult, trackedProperties (filterable), Sequential, SingleInstance', async t => {
  const s = await startFlows(t, {
    opts: {
      owner: 'alice@example.com',
      definition: {
        staticResults: { Mocked0: { status: 'Succeeded', outputs: { statusCode: 200, body: { mocked: true } } } },
        triggers: { manual: { type: 'Request', kind: 'Http', operationOptions: 'SingleInstance' } },
        actions: {
          Secret: {
            type: 'Compose',
            inputs: { password: 'hunter2' },
            runtimeConfiguration: { secureData: { properties: ['inputs', 'outputs'] } },
            trackedProperties: { customer: "@{triggerBody()?['customer']}" },
          },
          Uses: { type: 'Compose', runAfter: { Secret: ['Succeeded'] }, inputs: "@outputs('Secret')?['password']" },
          Mock: {
            type: 'Http',
            runAfter: { Uses: ['Succeeded'] },
            inputs: { method: 'GET', uri: 'https://unreachable.example' },
            runtimeConfiguration: { staticResult: { name: 'Mocked0', staticResultOptions: 'Enabled' } },
          },
          Each: {
            type: 'Foreach',
            runAfter: { Mock: ['Succeeded'] },
            foreach: [1, 2, 3],
            operationOptions: 'Sequential',
            actions: { Item: { type: 'Compose', inputs: '@item()' } },
          },
        },
      },
    },
  })
  const run = await s.runNow('opts', { customer: 'C-7' })
  t.equal(run.status, 'Succeeded')
  t.same(out(run, 'Secret').inputs, { secured: 'Content not shown due to security configuration.' })
  t.same(out(run, 'Secret').outputs, { secured: 'Content not shown due to security configuration.' })
  t.equal(out(run, 'Uses').outputs, 'hunter2', 'later actions still see the value')
  t.same(out(run, 'Secret').trackedProperties, { customer: 'C-7' })
  t.same(
    out(run, 'Mock').outputs,
    { statusCode: 200, body: { mocked: true } },
    'the static result stands in for the call'
  )
  t.same(
    run.actions.filter((a: any) => a.name === 'Item').map((a: any) => a.outputs),
    [1, 2, 3],
    'Sequential keeps order'
  )
  await s.runNow('opts', { customer: 'C-8' })
  const c7 = (await s.alice('GET', '/v1/flows/opts/runs?trackedName=customer&trackedValue=C-7')).body.items
  t.equal(c7.length, 1)
  t.equal(c7[0].id, run.id)
})

t.test('Http: Basic and Raw authentication, the asynchronous pattern, pagination, ManagedServiceIdentity', async t => {
  let polls = 0
  type Answer = { status?: number; headers?: Record<string, string>; body?: unknown }
  const api = await server(t, (req): Answer => {
    if (req.url.startsWith('/job')) {
      return polls++ < 2 ? { status: 202, headers: { location: '/job', 'retry-after': '3' } } : { body: { done: true } }
    }
    if (req.url === '/start') return { status: 202, headers: { location: '/job' } }
    if (req.url.startsWith('/list')) {
      const page = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1')
      return {
        body: {
          value: [page * 10, page * 10 + 1],
          ...(page < 3 ? { nextLink: `${api.origin}/list?page=${page + 1}` } : {}),
        },
      }
    }
    return { body: { auth: req.headers.authorization ?? null } }
  })
  const identity = await server(t, req => ({
    body: {
      access_token: `tok-for-${new URL(req.url, 'http://x').searchParams.get('resource')}`,
      expires_on: '9999999999',
      token_type: 'Bearer',
    },
  }))
  const get = (uri: string, extra: Record<string, unknown> = {}) => ({
    type: 'Http',
    inputs: { method: 'GET', uri, ...extra },
  })
  const s = await startFlows(
    t,
    {
      calls: flowFile({
        Basic: get(`${api.origin}/who`, { authentication: { type: 'Basic', username: 'u', password: 'p' } }),
        Raw: get(`${api.origin}/who`, { authentication: { type: 'Raw', value: 'Token abc' } }),
        Msi: get(`${api.origin}/who`, {
          authentication: { type: 'ManagedServiceIdentity', audience: 'https://vault.azure.net' },
        }),
        Async: { ...get(`${api.origin}/start`), runAfter: { Basic: ['Succeeded'] } },
        Sync: {
          ...get(`${api.origin}/start`),
          runAfter: { Async: ['Succeeded'] },
          operationOptions: 'DisableAsyncPattern',
        },
        Pages: {
          ...get(`${api.origin}/list?page=1`),
          runtimeConfiguration: { paginationPolicy: { minimumItemCount: 5 } },
        },
      }),
    },
    {
      flows: {
        httpAllow: api.origin,
        identityEndpoint: `${identity.origin}/msi/token`,
        identityHeader: 'id-secret',
      },
    }
  )
  const run = await s.runNow('calls')
  t.equal(run.status, 'Succeeded', JSON.stringify(run.actions.filter((a: any) => a.error)))
  t.equal(out(run, 'Basic').outputs.body.auth, `Basic ${Buffer.from('u:p').toString('base64')}`)
  t.equal(out(run, 'Raw').outputs.body.auth, 'Token abc')
  t.equal(out(run, 'Msi').outputs.body.auth, 'Bearer tok-for-https://vault.azure.net')
  t.equal(identity.seen[0].headers['x-identity-header'], 'id-secret')
  t.same(out(run, 'Async').outputs.body, { done: true }, 'a 202 with Location is polled until done')
  t.equal(out(run, 'Sync').outputs.statusCode, 202, 'DisableAsyncPattern takes the 202 as it is')
  t.same(out(run, 'Pages').outputs.body.value, [10, 11, 20, 21, 30, 31], 'nextLink followed up to the minimum count')
  t.ok(s.sleeps.includes(3000), "the poll waits the endpoint's Retry-After")
  t.equal(api.seen.find(r => r.url === '/start')?.headers['x-ms-workflow-name'], 'calls', 'workflow headers go out')
})

t.test(
  'refused at load, with the reason: C# code, AgentHandOff, XmlValidation, MSI-less certificates, options of no kind',
  async t => {
    const s = await startFlows(t, {})
    const problems = (actions: Record<string, unknown>): string[] => {
      try {
        compileFlow('x', 'x.json', flowFile(actions), s.flows!.catalog)
        return []
      } catch (err) {
        if (err instanceof FlowLoadError) return err.problems.map(p => `${p.path}: ${p.message}`)
        throw err
      }
    }
    t.match(
      problems({ A: { type: 'CSharpScriptCode', inputs: { code: 'return 1;' } } })[0],
      /CSharpScriptCode actions are refused: .*sandbox runs JavaScript only/
    )
    t.match(problems({ A: { type: 'AgentHandOff', inputs: {} } })[0], /AgentHandOff actions are refused: .*handoff/)
    t.match(problems({ A: { type: 'xmlValidation', inputs: {} } })[0], /XmlValidation actions are refused: .*integration/)
    t.match(
      problems({
        A: {
          type: 'Http',
          inputs: {
            method: 'GET',
            uri: 'https://x',
            authentication: { type: 'ClientCertificate', pfx: 'x', password: 'y' },
          },
        },
      })[0],
      /ClientCertificate authentication is refused/
    )
    t.match(
      problems({
        A: { type: 'Compose', inputs: 1, runtimeConfiguration: { contentTransfer: { transferMode: 'Chunked' } } },
      })[0],
      /contentTransfer does not apply to a Compose/
    )
    t.match(
      problems({ A: { type: 'Compose', inputs: 1, operationOptions: 'DisableAsyncPattern' } })[0],
      /'DisableAsyncPattern' does not apply to a Compose/
    )
    t.match(problems({ A: { type: 'Compose', inputs: 1, limit: { count: 3 } } })[0], /limit.count applies to Until/)
    t.same(
      problems({
        a: { type: 'compose', inputs: 1 },
        B: { type: 'COMPOSE', inputs: "@outputs('A')", runAfter: { A: ['SUCCEEDED'] } },
      }),
      [],
      'type names, runAfter statuses and action names in another case'
    )
  }
)

t.test('Recurrence: schedule hours/minutes/weekDays in a Windows time zone, daylight saving kept', async t => {
  const r = {
    frequency: 'Week' as const,
    interval: 1,
    startTime: '2026-03-01T00:00:00',
    zone: 'America/Los_Angeles',
    schedule: { hours: [9], minutes: [30], weekDays: [1, 3] },
  }
  // Monday 2026-03-02 09:30 PST = 17:30Z; after the US change (8 March), 09:30 PDT = 16:30Z.
  t.equal(new Date(nextOccurrence(r, Date.parse('2026-03-01T12:00:00Z'), 0)!).toISOString(), '2026-03-02T17:30:00.000Z')
  t.equal(new Date(nextOccurrence(r, Date.parse('2026-03-02T17:30:00Z'), 0)!).toISOString(), '2026-03-04T17:30:00.000Z')
  t.equal(new Date(nextOccurrence(r, Date.parse('2026-03-05T00:00:00Z'), 0)!).toISOString(), '2026-03-09T16:30:00.000Z')
  const daily = { frequency: 'Day' as const, interval: 1, startTime: '2026-03-07T08:00:00', zone: 'Europe/Berlin' }
  t.equal(
    new Date(nextOccurrence(daily, Date.parse('2026-03-28T08:00:00Z'), 0)!).toISOString(),
    '2026-03-29T06:00:00.000Z',
    'a daily 08:00 in Berlin stays at 08:00 local across the change to summer time'
  )
  const monthly = {
    frequency: 'Month' as const,
    interval: 1,
    startTime: '2026-01-01T00:00:00Z',
    schedule: { monthDays: [-1], hours: [23], minutes: [0] },
  }
  t.equal(
    new Date(nextOccurrence(monthly, Date.parse('2026-02-10T00:00:00Z'), 0)!).toISOString(),
    '2026-02-28T23:00:00.000Z',
    'the last day'
  )
  const ended = {
    frequency: 'Hour' as const,
    interval: 1,
    startTime: '2026-01-01T00:00:00Z',
    endTime: '2026-01-01T03:00:00Z',
  }
  t.equal(nextOccurrence(ended, Date.parse('2026-01-01T03:00:00Z'), 0), undefined, 'nothing after endTime')
})

t.test('trigger concurrency: runs 1 executes one run at a time, in order', async t => {
  let release: () => void = () => {}
  const gate = new Promise<void>(resolve => {
    release = resolve
  })
  let waits = 0
  const s = await startFlows(
    t,
    {
      one: {
        owner: 'alice@example.com',
        definition: {
          triggers: {
            manual: {
              type: 'Request',
              kind: 'Http',
              runtimeConfiguration: { concurrency: { runs: 1, maximumWaitingRuns: 1 } },
            },
          },
          actions: { Hold: { type: 'Wait', inputs: { interval: { count: 1, unit: 'Minute' } } } },
        },
      },
    },
    {},
    {
      flowSleep: async () => {
        waits++
        await gate
      },
    }
  )
  const url = (await s.alice('POST', '/v1/flows/one/listCallbackUrl', {})).body.value
  t.equal((await fetch(url, { method: 'POST' })).status, 202)
  t.equal((await fetch(url, { method: 'POST' })).status, 202)
  const third = await fetch(url, { method: 'POST' })
  t.equal(third.status, 429, 'a second waiting run is over maximumWaitingRuns')
  const states = (await s.alice('GET', '/v1/flows/one/runs')).body.items.map((r: any) => r.status)
  t.same(states, ['Queued', 'Running'], 'the second run waits while the first runs')
  release()
  await s.flows!.idle()
  t.equal(waits, 2)
  t.same(
    statuses(
      await s
        .alice('GET', `/v1/flows/one/runs/${(await s.alice('GET', '/v1/flows/one/runs')).body.items[0].id}`)
        .then(r => r.body)
    ),
    { Hold: 'Succeeded' }
  )
})

t.test('compose helper kept', async t => {
  t.same(compose(1), { type: 'Compose', inputs: 1, runAfter: {} })
})

t.test('Http contentTransfer Chunked: Range downloads and the chunked upload protocol', async t => {
  const content = 'abcdefghij'
  const uploaded: string[] = []
  const api = await server(t, (req): { status?: number; headers?: Record<string, string>; body?: unknown } => {
    if (req.url === '/file') {
      const [from, to] = /bytes=(\d+)-(\d+)/.exec(String(req.headers.range))!.slice(1).map(Number)
      // The endpoint serves at most 4 bytes per range: the runtime asks for the rest.
      const end = Math.min(to, from + 3, content.length - 1)
      return {
        status: 206,
        headers: { 'content-type': 'text/plain', 'content-range': `bytes ${from}-${end}/${content.length}` },
        body: content.slice(from, end + 1),
      }
    }
    if (req.url === '/upload' && req.method === 'POST') {
      t.equal(req.headers['x-ms-transfer-mode'], 'chunked')
      t.equal(req.headers['x-ms-content-length'], String(JSON.stringify({ big: content }).length))
      return { headers: { location: '/upload/1', 'x-ms-chunk-size': '8' } }
    }
    uploaded.push(`${req.headers['content-range']}:${req.body}`)
    return { body: { received: uploaded.length } }
  })
  const chunked = { contentTransfer: { transferMode: 'Chunked' } }
  const s = await startFlows(
    t,
    {
      big: flowFile({
        Down: { type: 'Http', inputs: { method: 'GET', uri: `${api.origin}/file` }, runtimeConfiguration: chunked },
        Up: {
          type: 'Http',
          inputs: { method: 'POST', uri: `${api.origin}/upload`, body: { big: content } },
          runtimeConfiguration: chunked,
        },
      }),
    },
    { flows: { httpAllow: api.origin } }
  )
  const run = await s.runNow('big')
  t.equal(run.status, 'Succeeded')
  t.equal(out(run, 'Down').outputs.body, content, 'three ranges joined')
  t.equal(api.seen.filter(r => r.url === '/file').length, 3)
  t.same(uploaded, ['bytes 0-7/20:{"big":"', 'bytes 8-15/20:abcdefgh', 'bytes 16-19/20:ij"}'])
  t.same(out(run, 'Up').outputs.body, { received: 3 })
})
