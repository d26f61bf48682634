import t from 'tap'
import { startFlows, statuses } from './helpers.js'

const requestTrigger = (inputs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  manual: { type: 'Request', kind: 'Http', inputs, ...extra },
})
const flow = (actions: Record<string, unknown>, trigger = requestTrigger()) => ({
  owner: 'alice@example.com',
  definition: { triggers: trigger, actions },
})

async function callbackUrl (s: Awaited<ReturnType<typeof startFlows>>, id: string): Promise<string> {
  const r = await s.alice('POST', `/v1/flows/${id}/listCallbackUrl`, {})
  if (r.status !== 200) throw new Error(`listCallbackUrl answered ${r.status}: ${JSON.stringify(r.body)}`)
  return r.body.value
}

t.test('Request + Response: the caller gets the Response; triggerBody, headers, queries, relative path', async t => {
  const s = await startFlows(t, {
    hello: flow(
      {
        Parse: {
          type: 'ParseJson',
          inputs: {
            content: '@triggerBody()',
            schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          },
        },
        Respond: {
          type: 'Response',
          runAfter: { Parse: ['SUCCEEDED'] },
          inputs: {
            statusCode: 201,
            headers: { 'x-greeting': "@{triggerOutputs()['headers']?['x-lang']}", 'Set-Cookie': 'dropped=1' },
            body: {
              hello: "@body('parse')?['name']",
              customer: "@triggerOutputs()['relativePathParameters']['id']",
              q: "@triggerOutputs()['queries']?['mode']",
            },
          },
        },
      },
      requestTrigger({ method: 'POST', relativePath: 'customers/{id}' })
    ),
  })
  const url = await callbackUrl(s, 'hello')
  t.match(
    url,
    /\/v1\/flows\/hello\/triggers\/manual\/paths\/invoke\/customers\/\{id\}\?api-version=2016-10-01&sp=.*&sv=1\.0&sig=/
  )
  const u = new URL(url.replace('%7Bid%7D', '42').replace('{id}', '42'))
  u.searchParams.set('mode', 'fast')
  const res = await fetch(u, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lang': 'en' },
    body: JSON.stringify({ name: 'Ada' }),
  })
  t.equal(res.status, 201)
  t.equal(res.headers.get('x-greeting'), 'en')
  t.equal(res.headers.get('set-cookie'), null, 'headers Logic Apps drops from a Response are dropped')
  t.ok(res.headers.get('x-ms-workflow-run-id'), 'the run id header')
  t.same(await res.json(), { hello: 'Ada', customer: '42', q: 'fast' })
  await s.flows!.idle()
  const runs = (await s.alice('GET', '/v1/flows/hello/runs')).body.items
  t.equal(runs.length, 1)
  t.equal(runs[0].source, 'request')
  const run = (await s.alice('GET', `/v1/flows/hello/runs/${runs[0].id}`)).body
  t.same(statuses(run), { Parse: 'Succeeded', Respond: 'Succeeded' })
  t.notOk(JSON.stringify(run).includes(new URL(url).searchParams.get('sig')!), 'the signature is not in the history')
})

t.test('the door: 401 without or with a wrong sig, 400 for the schema, 413, 429, 405 — none starts a run', async t => {
  const s = await startFlows(
    t,
    {
      door: flow(
        { Respond: { type: 'Response', inputs: { statusCode: 200, body: 'ok' } } },
        requestTrigger(
          { schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } },
          { operationOptions: 'EnableSchemaValidation' }
        )
      ),
    },
    { flows: { requestBodyLimit: 100, requestRateLimit: 3 } }
  )
  const url = new URL(await callbackUrl(s, 'door'))
  const post = (u: URL | string, body: unknown, method = 'POST') =>
    fetch(u, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const noSig = new URL(url)
  noSig.searchParams.delete('sig')
  const wrong = new URL(url)
  // Another first character (a sig can itself start with 'x': changing it to 'x' would leave it valid).
  const sig = url.searchParams.get('sig')!
  wrong.searchParams.set('sig', (sig[0] === 'x' ? 'y' : 'x') + sig.slice(1))
  const r401 = await post(noSig, { n: 1 })
  t.equal(r401.status, 401)
  const b401 = await r401.json()
  t.match(b401, { message: /signature/, errors: [{ description: /./ }], trackingId: /./ }, 'the Webex error shape')
  t.equal(r401.headers.get('trackingid'), b401.trackingId)
  t.equal((await post(wrong, { n: 1 })).status, 401)
  const r400 = await post(url, { n: 'one' })
  t.equal(r400.status, 400)
  t.match(await r400.json(), { message: /schema/ })
  const r413 = await post(url, { n: 1, pad: 'x'.repeat(200) })
  t.equal(r413.status, 413)
  const r405 = await post(url, { n: 1 }, 'PUT')
  t.equal(r405.status, 405, 'the trigger takes POST')
  t.equal(r405.headers.get('allow'), 'POST')
  // The rate limit (3 here) counts the calls that passed the signature check: the 400, the 413 and the 405.
  const r429 = await post(url, { n: 1 })
  t.equal(r429.status, 429)
  t.ok(Number(r429.headers.get('retry-after')) > 0)
  await s.flows!.idle()
  t.same((await s.alice('GET', '/v1/flows/door/runs')).body.items, [], 'nothing was started')
})

t.test('keys rotate: a regenerated key invalidates its URLs, the other key keeps working', async t => {
  const s = await startFlows(t, { rot: flow({ Done: { type: 'Compose', inputs: 1 } }) })
  const primary = await callbackUrl(s, 'rot')
  const secondary = (await s.alice('POST', '/v1/flows/rot/listCallbackUrl', { keyType: 'Secondary' })).body.value
  t.not(primary, secondary)
  t.equal((await fetch(primary, { method: 'POST' })).status, 202, 'no Response: 202 at once')
  t.equal((await s.alice('POST', '/v1/flows/rot/regenerateAccessKey', { keyType: 'Primary' })).status, 204)
  t.equal((await fetch(primary, { method: 'POST' })).status, 401, 'the old primary URL is dead')
  t.equal((await fetch(secondary, { method: 'POST' })).status, 202, 'the secondary still works')
  t.equal((await s.bob('POST', '/v1/flows/rot/listCallbackUrl', {})).status, 404, 'others cannot see it')
  await s.flows!.idle()
})

t.test('a 202 carries the run location; splitOn starts one run per element, and answers 202', async t => {
  const s = await startFlows(t, {
    split: flow(
      { Respond: { type: 'Response', inputs: { statusCode: 200, body: '@triggerBody()' } } },
      requestTrigger(
        {},
        { splitOn: "@triggerBody()?['rows']", correlation: { clientTrackingId: "@triggerBody()['id']" } }
      )
    ),
  })
  const res = await fetch(await callbackUrl(s, 'split'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }),
  })
  t.equal(res.status, 202, 'splitOn with a Response answers 202 at once, as Logic Apps does')
  t.match(res.headers.get('location'), /\/v1\/flows\/split\/runs\//)
  await s.flows!.idle()
  const runs = (await s.alice('GET', '/v1/flows/split/runs')).body.items
  t.same(runs.map((r: any) => r.triggerBody.id).sort(), ['a', 'b', 'c'])
  t.same(runs.map((r: any) => r.clientTrackingId).sort(), ['a', 'b', 'c'], 'correlation.clientTrackingId per run')
  const only = (await s.alice('GET', '/v1/flows/split/runs?clientTrackingId=b')).body.items
  t.equal(only.length, 1)
})

t.test('Workflow calls a child flow and gets its Response; a run without a Response answers 502', async t => {
  const s = await startFlows(t, {
    child: flow({
      Respond: { type: 'Response', inputs: { statusCode: 200, body: { doubled: "@mul(triggerBody()?['n'], 2)" } } },
    }),
    parent: flow({
      Call: {
        type: 'Workflow',
        inputs: {
          host: {
            triggerName: 'manual',
            workflow: { id: '/subscriptions/x/providers/Microsoft.Logic/workflows/child' },
          },
          body: { n: 21 },
        },
      },
      Show: { type: 'Compose', runAfter: { Call: ['Succeeded'] }, inputs: "@body('Call')?['doubled']" },
    }),
    silent: flow({
      Never: { type: 'Response', runAfter: { Fail: ['Succeeded'] }, inputs: { statusCode: 200 } },
      Fail: { type: 'Terminate', inputs: { runStatus: 'Failed', runError: { code: 'Nope', message: 'no' } } },
    }),
  })
  const run = await s.runNow('parent')
  t.equal(run.status, 'Succeeded')
  t.equal(run.actions.find((a: any) => a.name === 'Show').outputs, 42)
  const res = await fetch(await callbackUrl(s, 'silent'), { method: 'POST' })
  t.equal(res.status, 502)
  t.match(await res.json(), { message: /without a Response/ })
})

t.test('the signature never reaches the service log (npm start, request logging on)', async t => {
  const { spawn } = await import('node:child_process')
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'flows-log-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'logged.json'), JSON.stringify(flow({ Done: { type: 'Compose', inputs: 1 } })))
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(import.meta.dirname, '..', '..'),
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: join(dir, 'data'),
      FLOWS_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  const exited = new Promise(resolve => proc.once('exit', resolve))
  t.teardown(() => {
    proc.kill('SIGKILL')
    return exited
  })
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      log += c.toString()
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)
      if (m) resolve(m[1])
    })
    proc.stderr!.on('data', (c: Buffer) => {
      log += c.toString()
    })
    proc.once('exit', code => reject(new Error(`exited ${code}: ${log}`)))
  })
  const list = await fetch(`${url}/v1/flows/logged/listCallbackUrl`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-alice-token', 'content-type': 'application/json' },
    body: '{}',
  })
  const callback = ((await list.json()) as { value: string }).value
  const sig = new URL(callback).searchParams.get('sig')!
  t.equal((await fetch(callback, { method: 'POST' })).status, 202)
  const wrong = new URL(callback)
  wrong.searchParams.set('sig', `${sig}x`)
  t.equal((await fetch(wrong, { method: 'POST' })).status, 401)
  proc.kill('SIGTERM')
  await exited
  t.match(log, /sig=\*\*\*/, 'the request log shows the URL with the signature masked')
  t.notOk(log.includes(sig), 'the signature itself is nowhere in the log')
})
