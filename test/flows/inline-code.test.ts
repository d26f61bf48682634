import t from 'tap'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CodeSandbox } from '../../src/flows/sandbox/sandbox.js'
import type { LoadEnv } from '../../src/flows/load.js'
import type { OperationCatalog } from '../../src/flows/operations.js'
import { loadProblems, startFlows, statuses } from './helpers.js'

// JavaScriptCode runs in a child process per execution (sandbox/), never in the service's process. Where the host
// forbids the namespaces the sandbox needs, the loader refuses the action with the reason, and only that is tested.
const probe = new CodeSandbox({ timeoutMs: 5_000, memoryMb: 64, maxBytes: 1 << 20, concurrency: 1 })
const available = probe.availability()
if (!available.ok) t.comment(`NOT RUN: the inline code sandbox is not available on this host (${available.reason})`)

const manual = { manual: { type: 'Request', kind: 'Http', inputs: { method: 'POST' } } }
const flow = (actions: Record<string, unknown>, trigger: Record<string, unknown> = manual) => ({
  owner: 'alice@example.com',
  definition: { triggers: trigger, actions },
})
const js = (code: string, extra: Record<string, unknown> = {}) => ({
  type: 'JavaScriptCode',
  inputs: { code, ...extra },
})
const runAfter = (name: string, action: Record<string, unknown>) => ({ ...action, runAfter: { [name]: ['Succeeded'] } })
const problems = (json: unknown, env: LoadEnv = {}) => loadProblems(catalog!, json, env)
let catalog: OperationCatalog | undefined

t.test('without the sandbox, JavaScriptCode is refused at load, saying why', async t => {
  const s = await startFlows(t, {})
  catalog = s.flows!.catalog
  const saved = process.env.PATH
  const empty = mkdtempSync(join(tmpdir(), 'no-unshare-'))
  process.env.PATH = empty
  const none = new CodeSandbox({ timeoutMs: 1000, memoryMb: 64, maxBytes: 1024, concurrency: 1 })
  const why = none.availability()
  process.env.PATH = saved
  rmSync(empty, { recursive: true })
  t.same(why, { ok: false, reason: "util-linux's unshare, which isolates it from the network, is not installed" })
  t.match(problems(flow({ Code: js('return 1') }), { inlineCode: () => why }), [
    {
      path: '/definition/actions/Code/type',
      message:
        'JavaScriptCode cannot run here: inline code runs only in a sandbox, and ' +
        "util-linux's unshare, which isolates it from the network, is not installed",
    },
  ])
  t.same(await none.run('return 1', '{}'), {
    ok: false,
    error: "inline code cannot run here: util-linux's unshare, which isolates it from the network, is not installed",
  })
})

t.test('load-time checks: the code is parsed, its length bounded, the actions it names must exist', async t => {
  const s = await startFlows(t, {})
  catalog = s.flows!.catalog
  const env = { inlineCode: () => ({ ok: true as const }) }
  t.match(problems(flow({ Code: js('return (1 +') }), env), [
    {
      path: '/definition/actions/Code/inputs/code',
      message: /^The input parameter 'code' for inline code action 'Code' contains invalid code\. Parsing the code /,
    },
  ])
  t.match(problems(flow({ Code: js(`return 1 // ${'x'.repeat(100_000)}`) }), env), [
    { path: '/definition/actions/Code/inputs/code', message: /has 100012 characters; inline code takes at most 100000/ },
  ])
  t.match(problems(flow({ Code: js('return workflowContext.actions.Nope.outputs') }), env), [
    { message: "actions('Nope'): there is no action named 'Nope'" },
  ])
  t.match(problems(flow({ Code: js('return 1', { explicitDependencies: { actions: ['Gone'] } }) }), env), [
    { message: "actions('Gone'): there is no action named 'Gone'" },
  ])
  t.match(problems(flow({ Code: js('return 1', { explicitDependencies: { actions: 'x' } }) }), env), [
    { path: '/definition/actions/Code/inputs/explicitDependencies/actions' },
  ])
  t.same(problems(flow({ Code: js('const a = "x@y"; return a') }), env), [], "an '@' in the code is not an expression")
})

t.test('a flow with inline code: workflowContext (actions, trigger, workflow) in, the return value as body out', {
  skip: !available.ok && 'the sandbox is not available here',
}, async t => {
  const s = await startFlows(t, {
    shape: flow({
      Prices: { type: 'Compose', inputs: [{ sku: 'a', price: 2.5 }, { sku: 'b', price: 4 }] },
      'my.lookup': { type: 'Compose', inputs: { rate: 2 }, runAfter: { Prices: ['Succeeded'] } },
      Total: runAfter('my.lookup', js(
        'const items = workflowContext.actions.Prices.outputs;\n' +
          'const rate = workflowContext.actions["my.lookup"].outputs.rate;\n' +
          'await null;\n' +
          'return { total: items.reduce((s, i) => s + i.price, 0) * rate,\n' +
          '  who: workflowContext.trigger.outputs.body.who,\n' +
          '  flow: workflowContext.workflow.name, status: workflowContext.actions.Prices.status,\n' +
          '  seen: Object.keys(workflowContext.actions).sort(), greeting: "@{toUpper(\'hi\')}" }',
        { explicitDependencies: { actions: ['my.lookup'] } }
      )),
      Respond: {
        type: 'Response',
        runAfter: { Total: ['Succeeded'] },
        inputs: { statusCode: 200, body: "@body('Total')" },
      },
    }),
  })
  const url = (await s.alice('POST', '/v1/flows/shape/listCallbackUrl', {})).body.value
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"who":"Ada"}',
  })
  t.equal(res.status, 200)
  const expected = {
    total: 13,
    who: 'Ada',
    flow: 'shape',
    status: 'Succeeded',
    seen: ['Prices', 'my.lookup'],
    greeting: 'HI',
  }
  t.same(await res.json(), expected)
  await s.flows!.idle()
  const runs = (await s.alice('GET', '/v1/flows/shape/runs')).body.items
  const run = (await s.alice('GET', `/v1/flows/shape/runs/${runs[0].id}`)).body
  const total = run.actions.find((a: any) => a.name === 'Total')
  t.same(total.outputs, expected, "the action's outputs are the return value (Standard's Outputs token)")
  t.match(total.inputs.code, /greeting: "HI"/, 'expressions in the code are evaluated before it runs, as in Logic Apps')
})

t.test('failures fail only that action: a throw, a hang, a never-settled promise, running out of memory', {
  skip: !available.ok && 'the sandbox is not available here',
}, async t => {
  const after = (name: string) => ({
    type: 'Compose',
    inputs: `after ${name}`,
    runAfter: { [name]: ['Failed'] },
  })
  const s = await startFlows(
    t,
    {
      failing: flow({
        Throws: js('throw new Error("no such customer")'),
        AfterThrows: after('Throws'),
        ThrowsValue: js('throw 0'),
        Spins: js('while (true) {}'),
        AfterSpins: after('Spins'),
        Waits: js('await new Promise(() => {}); return 1'),
        Eats: js('const a = []; for (;;) a.push(new Array(1e6).fill(1))'),
        AfterEats: after('Eats'),
        NotJson: js('return 10n'),
        Fine: js('return [1, 2, 3].map(x => x * 2)'),
      }),
    },
    { flows: { codeTimeoutMs: 1500, codeMemoryMb: 32, codeConcurrency: 4 } }
  )
  const run = await s.runNow('failing')
  t.same(statuses(run), {
    Throws: 'Failed',
    AfterThrows: 'Succeeded',
    ThrowsValue: 'Failed',
    Spins: 'Failed',
    AfterSpins: 'Succeeded',
    Waits: 'Failed',
    Eats: 'Failed',
    AfterEats: 'Succeeded',
    NotJson: 'Failed',
    Fine: 'Succeeded',
  })
  const err = (n: string) => run.actions.find((a: any) => a.name === n).error
  t.same(err('Throws'), {
    code: 'InlineCodeScriptRuntimeFailure',
    message: "The inline code action 'Throws' execution failed, with error 'no such customer'.",
  })
  t.match(err('ThrowsValue').message, /with error '0'/)
  t.match(err('Spins').message, /with error 'the code did not finish within 1\.5 seconds'/)
  t.match(err('Waits').message, /did not finish within 1\.5 seconds/)
  t.match(err('Eats').message, /ran out of memory \(its limit is 32 MB\)/)
  t.match(err('NotJson').message, /the result cannot be written as JSON/)
  t.same(run.actions.find((a: any) => a.name === 'Fine').outputs, [2, 4, 6])
  t.equal((await s.alice('GET', '/v1/people/me')).status, 200, 'the service is unaffected')
})

t.test('the code has no host APIs: no require, process, import(), fetch', {
  skip: !available.ok && 'the sandbox is not available here',
}, async t => {
  const r = await probe.run(
    'const out = { require: typeof require, process: typeof process, fetch: typeof fetch, Buffer: typeof Buffer };\n' +
      'try { await import("node:fs"); out.import = "loaded" } catch (e) { out.import = "refused" }\n' +
      'try { out.escape = (async () => {}).constructor.constructor("return typeof process")() } catch (e) {\n' +
      '  out.escape = "refused" }\n' +
      'return out',
    '{}'
  )
  t.same(r, {
    ok: true,
    value: {
      require: 'undefined',
      process: 'undefined',
      fetch: 'undefined',
      Buffer: 'undefined',
      import: 'refused',
      escape: 'undefined',
    },
  })
})

t.test("the child's own walls, as code that escaped its context would meet them: no files, sockets, processes", {
  skip: !available.ok && 'the sandbox is not available here',
}, async t => {
  let connections = 0
  const server = createServer(c => {
    connections++
    c.destroy()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const script = `
    const out = {}
    const attempt = (k, f) => { try { f(); out[k] = 'allowed' } catch (e) { out[k] = e.code || e.message } }
    attempt('read', () => require('fs').readFileSync('/etc/hostname'))
    attempt('write', () => require('fs').writeFileSync('/tmp/sandbox-was-here', 'x'))
    attempt('spawn', () => require('child_process').execFileSync('/bin/true'))
    attempt('worker', () => new (require('worker_threads').Worker)('1', { eval: true }))
    attempt('eval', () => eval('1'))
    out.env = Object.keys(process.env).length
    const s = require('net').connect(${port}, '127.0.0.1')
    s.on('connect', () => { out.tcp = 'connected'; done() })
    s.on('error', e => { out.tcp = e.code; done() })
    function done () { process.stdout.write(JSON.stringify(out)) }
  `
  const { file, args } = probe.command(script)
  const child = spawn(file, args, { env: {}, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  child.stdout.on('data', b => (text += b))
  await new Promise(resolve => child.on('close', resolve))
  t.same(JSON.parse(text), {
    read: 'ERR_ACCESS_DENIED',
    write: 'ERR_ACCESS_DENIED',
    spawn: 'ERR_ACCESS_DENIED',
    worker: 'ERR_ACCESS_DENIED',
    eval: 'Code generation from strings disallowed for this context',
    env: 0,
    tcp: 'ENETUNREACH',
  })
  t.equal(connections, 0, 'the loopback listener saw no connection')
})
