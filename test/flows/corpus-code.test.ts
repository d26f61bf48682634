import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { CodeSandbox } from '../../src/flows/sandbox/sandbox.js'
import { startFlows, statuses } from './helpers.js'
import { corpusPresent, runnable } from './corpus-harness.js'

// Corpus flows with inline code (JavaScriptCode) run end to end: their code in the sandbox, the other connectors'
// calls at a loopback receiver.
const sandbox = new CodeSandbox({ timeoutMs: 15_000, memoryMb: 64, maxBytes: 1 << 20, concurrency: 1 }).availability()
const skip = !corpusPresent()
  ? 'did not run: ../shared/conformance is not there'
  : !sandbox.ok && `did not run: the inline code sandbox is not available here (${sandbox.reason})`

t.test('corpus flows with JavaScriptCode run end to end', { skip }, async t => {
  const bodies: Record<string, any> = {}
  const srv = http.createServer((req, res) => {
    let text = ''
    req.on('data', c => (text += c))
    req.on('end', () => {
      const name = decodeURIComponent(String(req.url).replace('/connector/', ''))
      bodies[name] = text ? JSON.parse(text) : null
      const answer = name === 'Read_CSV_orders_from_blob' ? { content: 'O-1;Ada\r\n\r\nO-2;Bob & <Co>\r\n' } : {}
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    })
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => srv.close(() => resolve())))
  const origin = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  // A Standard project's parameters.json gives DataFileName; here the flow's own parameter stands for it.
  const orders = runnable('Azure+logicapps+agentic-sap-workflows+Workflows+SendCustomerOrdersWorkflow.json', origin)
  ;(orders.definition as any).parameters = { DataFileName: { type: 'String', defaultValue: 'orders.csv' } }
  const s = await startFlows(
    t,
    {
      orders,
      skipping: runnable('ScoreUnder+IllogicApps+IllogicApps.Json.Test+TestData+SkippingTestWorkflow.json', origin),
    },
    { throttle: { enabled: false }, flows: { httpAllow: origin } }
  )
  t.same(s.flows!.loadErrors().map(e => e.file), [], 'both load')

  const run = await s.runNow('orders', {})
  t.equal(run.status, 'Succeeded')
  t.same(statuses(run), {
    Read_CSV_orders_from_blob: 'Succeeded',
    Extract_rows: 'Succeeded',
    Transform_CSV_to_XML: 'Succeeded',
    '[RFC]_Create_all_IDocs': 'Succeeded',
  })
  const xml =
    '<ZTY_CSV_LINE><LINE>O-1;Ada</LINE></ZTY_CSV_LINE>' +
    '<ZTY_CSV_LINE><LINE>O-2;Bob &amp; &lt;Co&gt;</LINE></ZTY_CSV_LINE>'
  t.same(
    run.actions.find((a: any) => a.name === 'Transform_CSV_to_XML').outputs,
    { xml },
    'the code dropped the empty line and escaped the rest'
  )
  t.ok(JSON.stringify(bodies['[RFC]_Create_all_IDocs']).includes(xml), 'the next call carries the XML')
  t.equal(bodies.Read_CSV_orders_from_blob.parameters.blobName, 'orders.csv')

  const skipping = await s.runNow('skipping', {})
  t.equal(skipping.status, 'Succeeded')
  t.same(statuses(skipping), {
    Initialize_variable: 'Succeeded',
    Execute_JavaScript_Code: 'Succeeded',
    Compose_1: 'Skipped',
    Compose_3: 'Skipped',
    'Compose_3-copy': 'Skipped',
    Compose: 'Succeeded',
    Compose_2: 'Skipped',
    'Compose_2-copy': 'Succeeded',
    Condition: 'Succeeded',
  })
  const out = (n: string) => skipping.actions.find((a: any) => a.name === n).outputs
  const code = out('Execute_JavaScript_Code')
  t.equal(code, 'data:,123asdf?a=b%20c%2F', 'the expression in the code is evaluated, then the code runs')
  t.equal(out('Compose'), "test test'ing data:,123asdf?a=b%20c%2F")
  t.equal(out('Compose_2-copy'), '@testing testing one two three')
})
