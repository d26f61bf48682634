import t from 'tap'
import http from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { flowFile, loadProblems, startFlows, statuses } from './helpers.js'
import { ManualClock, tempDir } from '../helpers/service.js'
import { corpusPresent, runnable } from './corpus-harness.js'
import { AppSettings } from '../../src/flows/app-settings.js'
import { WorkflowConnections } from '../../src/flows/workflow-connections.js'

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: any }
type Answer = { status?: number; body?: unknown; headers?: Record<string, string> }

/** A loopback server playing a model or a function: each request is recorded and answered by `answer`. */
async function server (t: { teardown(fn: () => unknown): void }, answer: (req: Seen, n: number) => Answer) {
  const seen: Seen[] = []
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      const got = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(got)
      const a = answer(got, seen.length - 1)
      res
        .writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers })
        .end(a.body === undefined ? '' : JSON.stringify(a.body))
    })
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => srv.close(() => resolve())))
  return { origin: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen }
}

/** A chat completions answer: text, or tool calls. */
const says = (content: string, usage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 }): Answer => ({
  body: { choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage },
})
const calls = (...c: Array<[string, string, unknown]>): Answer => ({
  body: {
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: c.map(([id, name, args]) => ({
            id,
            type: 'function',
            function: { name, arguments: JSON.stringify(args) },
          })),
        },
        finish_reason: 'tool_calls',
      },
    ],
  },
})

/** Settings files as a Standard project has them: connections.json reading its secrets from app settings. */
function files (t: any, modelOrigin: string, fnOrigin: string) {
  const dir = tempDir(t, 'agent-')
  writeFileSync(
    join(dir, 'settings.json'),
    JSON.stringify({
      Values: { agent_openAIKey: 'model-key', agent_openAIEndpoint: `${modelOrigin}/`, fnKey: 'f-key' },
    })
  )
  writeFileSync(
    join(dir, 'connections.json'),
    JSON.stringify({
      agentConnections: {
        agent: {
          type: 'model',
          endpoint: "@appsetting('agent_openAIEndpoint')",
          authentication: { type: 'Key', key: "@appsetting('agent_openAIKey')" },
        },
      },
      functionConnections: {
        orders: {
          function: { id: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/app/functions/Orders' },
          triggerUrl: `${fnOrigin}/api/orders`,
          authentication: { type: 'QueryString', name: 'Code', value: "@appsetting('fnKey')" },
        },
        headerFn: {
          triggerUrl: `${fnOrigin}/api/header`,
          authentication: { type: 'Header', value: "@appsetting('fnKey')" },
        },
      },
    })
  )
  const maps = join(dir, 'maps')
  mkdirSync(maps)
  writeFileSync(
    join(maps, 'order-total.xslt'),
    `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:param name="currency"/>
  <xsl:output method="xml" omit-xml-declaration="yes"/>
  <xsl:template match="/order">
    <total currency="{$currency}"><xsl:value-of select="sum(item/@qty)"/></total>
  </xsl:template>
</xsl:stylesheet>`
  )
  writeFileSync(
    join(maps, 'imports.xslt'),
    `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:include href="${modelOrigin}/other.xsl"/>
</xsl:stylesheet>`
  )
  writeFileSync(
    join(maps, 'names.xsl'),
    `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text"/>
  <xsl:template match="/order"><xsl:for-each select="item"><xsl:value-of select="."/>;</xsl:for-each></xsl:template>
</xsl:stylesheet>`
  )
  return {
    appSettings: join(dir, 'settings.json'),
    connectionsJson: join(dir, 'connections.json'),
    mapsDir: maps,
  }
}

const agentAction = (extra: Record<string, unknown> = {}, params: Record<string, unknown> = {}) => ({
  type: 'Agent',
  inputs: {
    parameters: {
      deploymentId: 'gpt-4o',
      agentModelType: 'AzureOpenAI',
      messages: [
        { role: 'System', content: 'You look up orders.' },
        { role: 'User', content: "Order @{triggerBody()?['order']}, please." },
      ],
      ...params,
    },
    modelConfigurations: { model1: { referenceName: 'agent' } },
  },
  runAfter: {},
  ...extra,
})

const lookupTool = {
  description: 'Looks up an order',
  agentParameterSchema: {
    type: 'object',
    properties: { orderId: { type: 'string', description: 'the order', required: true } },
  },
  actions: {
    Lookup: { type: 'Compose', inputs: { id: "@agentParameters('orderId')", status: 'shipped' } },
    Count: { type: 'IncrementVariable', inputs: { name: 'looked', value: 1 }, runAfter: { Lookup: ['Succeeded'] } },
  },
}

t.test('Agent: the loop calls the model, runs the tool it asks for with its arguments, ends on its answer', async t => {
  const model = await server(t, (_req, n) => {
    if (n === 0) return calls(['c1', 'Lookup_order', { orderId: 'A-7' }])
    if (n === 1) return calls(['c2', 'Lookup_order', { orderId: 42 }])
    return says('Order A-7 has shipped.')
  })
  const fn = await server(t, () => ({}))
  const s = await startFlows(
    t,
    {
      agent: flowFile({
        Init: { type: 'InitializeVariable', inputs: { variables: [{ name: 'looked', type: 'integer', value: 0 }] } },
        Ask: agentAction(
          {
            tools: { Lookup_order: lookupTool },
            limit: { count: 5, timeout: 'PT10M' },
            runAfter: { Init: ['Succeeded'] },
          },
          {
            agentModelSettings: {
              agentChatCompletionSettings: { maxTokens: 300, temperature: 0.1, topP: 0.5 },
              agentHistoryReductionSettings: {
                agentHistoryReductionType: 'messageCountReduction',
                messageCountLimit: 3,
              },
              deploymentModelProperties: { name: 'gpt-4o', format: 'OpenAI', version: '2024-11-20' },
            },
          }
        ),
        Reply: {
          type: 'Compose',
          inputs: "@{outputs('Ask')?['lastAssistantMessage']} (@{variables('looked')})",
          runAfter: { Ask: ['Succeeded'] },
        },
      }),
    },
    { flows: { httpAllow: `${model.origin},${fn.origin}`, ...files(t, model.origin, fn.origin) } }
  )
  const run = await s.runNow('agent', { order: 'A-7' })
  t.equal(run.status, 'Succeeded', JSON.stringify(run.actions.filter((a: any) => a.error)))
  const ask = run.actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.outputs.lastAssistantMessage, 'Order A-7 has shipped.')
  t.equal(ask.outputs.iterations, 3)
  t.same(ask.outputs.usage, { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 })
  t.equal(run.actions.find((a: any) => a.name === 'Reply').outputs, 'Order A-7 has shipped. (1)')
  const lookups = run.actions.filter((a: any) => a.name === 'Lookup')
  t.equal(lookups.length, 1, "the tool ran once: the call whose arguments break the tool's schema did not run it")
  t.same(lookups[0].outputs, { id: 'A-7', status: 'shipped' }, 'agentParameters() is the argument the model gave')
  t.equal(lookups[0].iteration, 'Lookup_order[0]')

  t.equal(model.seen.length, 3)
  const first = model.seen[0]
  t.equal(first.method, 'POST')
  t.equal(first.url, '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21')
  t.equal(first.headers['api-key'], 'model-key', 'the key from the app setting connections.json names')
  t.same(first.body.messages, [
    { role: 'system', content: 'You look up orders.' },
    { role: 'user', content: 'Order A-7, please.' },
  ])
  t.same(first.body.tools, [
    {
      type: 'function',
      function: {
        name: 'Lookup_order',
        description: 'Looks up an order',
        parameters: {
          type: 'object',
          properties: { orderId: { type: 'string', description: 'the order' } },
          required: ['orderId'],
        },
      },
    },
  ])
  t.match(first.body, { max_tokens: 300, temperature: 0.1, top_p: 0.5 }, 'chat completion settings passed through')
  const second = model.seen[1].body.messages
  t.same(second.at(-1).role, 'tool')
  t.equal(second.at(-1).tool_call_id, 'c1')
  t.same(JSON.parse(second.at(-1).content), {
    Lookup: { id: 'A-7', status: 'shipped' },
    Count: { body: { value: 1 } },
  })
  const third = model.seen[2].body.messages
  t.same(
    third.map((m: any) => m.role),
    ['system', 'assistant', 'tool'],
    'history reduced to 3 messages besides the system one, never starting with a tool answer'
  )
  t.match(third.at(-1).content, /do not match the tool's parameters/, 'the bad arguments are told to the model')
})

t.test('Agent: model errors, the iteration limit, a missing connection, token-count history', async t => {
  let mode = ''
  const model = await server(t, req => {
    if (mode === 'bad') return { status: 400, body: { error: { message: 'bad request' } } }
    if (mode === 'busy') return { status: 503, body: { message: 'busy' } }
    if (mode === 'loop') return calls(['x', 'Lookup_order', { orderId: 'A' }])
    if (mode === 'tokens') return says(`seen ${req.body.messages.length}`)
    return says('ok')
  })
  const fn = await server(t, () => ({}))
  const longHistory = Array.from({ length: 6 }, (_, i) => ({
    role: i % 2 ? 'Assistant' : 'User',
    content: `message ${i} ${'word '.repeat(40)}`,
  }))
  const s = await startFlows(
    t,
    {
      bad: flowFile({ Ask: agentAction({}, { retryPolicy: undefined }) }),
      busy: flowFile({ Ask: agentAction() }),
      loop: flowFile({
        Init: { type: 'InitializeVariable', inputs: { variables: [{ name: 'looked', type: 'integer', value: 0 }] } },
        Ask: agentAction({
          tools: { Lookup_order: lookupTool },
          limit: { count: 2 },
          runAfter: { Init: ['Succeeded'] },
        }),
      }),
      noconn: flowFile({
        Ask: {
          ...agentAction(),
          inputs: { ...agentAction().inputs, modelConfigurations: { m: { referenceName: 'nope' } } },
        },
      }),
      tokens: flowFile({
        Ask: agentAction(
          {},
          {
            messages: [{ role: 'System', content: 'Be brief.' }, ...longHistory],
            agentModelSettings: {
              agentHistoryReductionSettings: {
                agentHistoryReductionType: 'maximumTokenCountReduction',
                maximumTokenCount: 150,
              },
            },
          }
        ),
      }),
      outside: flowFile({ Use: { type: 'Compose', inputs: "@agentParameters('orderId')" } }),
    },
    { flows: { httpAllow: `${model.origin},${fn.origin}`, ...files(t, model.origin, fn.origin) } }
  )
  mode = 'bad'
  let run = await s.runNow('bad')
  let ask = run.actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.status, 'Failed')
  t.equal(ask.error.code, '400', "a 4xx from the model fails the Agent with the model's status, without retries")
  t.equal(model.seen.length, 1)

  mode = 'busy'
  run = await s.runNow('busy')
  ask = run.actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.error.code, '503')
  t.equal(model.seen.length, 1 + 5, 'a 5xx is retried by the default policy (4 retries), the model call alone')
  t.equal(ask.attempts, 1, 'the Agent itself ran once')

  mode = 'loop'
  const before = model.seen.length
  run = await s.runNow('loop')
  ask = run.actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.status, 'Failed')
  t.equal(ask.error.code, 'AgentLoopLimitExceeded')
  t.equal(model.seen.length - before, 2, 'limit.count bounds the model calls')
  t.equal(run.actions.filter((a: any) => a.name === 'Lookup').length, 2, 'each tool call ran the tool')

  run = await s.runNow('noconn')
  ask = run.actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.error.code, 'ConnectionNotFound')
  t.match(ask.error.message, /'nope' is not in agentConnections of .*connections.json/)

  mode = 'tokens'
  run = await s.runNow('tokens')
  ask = run.actions.find((a: any) => a.name === 'Ask')
  const sent = model.seen.at(-1)!.body.messages
  t.equal(sent[0].role, 'system')
  t.ok(sent.length < 7 && sent.length >= 2, `the token budget kept the system message and the latest (${sent.length})`)
  t.equal(sent.at(-1).content, longHistory.at(-1)!.content)

  run = await s.runNow('outside')
  t.match(run.actions[0].error.message, /agentParameters' can only be used in the actions of an Agent's tool/)
  t.equal(statuses(run).Use, 'Failed')
})

t.test('Agent: refused at load with the reason (MCP tools, channels, other models, no model), handoff too', async t => {
  const s = await startFlows(t, {})
  const problems = (a: Record<string, unknown>) =>
    loadProblems(s.flows!.catalog, flowFile({ Ask: a })).map(p => `${p.path}: ${p.message}`)
  t.match(
    problems(agentAction({ tools: { Mcp: { type: 'McpClientTool', kind: 'BuiltIn', inputs: {} } } })),
    [/tools\/Mcp\/type: MCP server tools are not available here/]
  )
  t.match(problems(agentAction({ channels: { in: {} } })), [/channels: agent channels .* not available here/])
  t.match(problems(agentAction({}, { agentModelType: 'FoundryAgentService' })), [/'FoundryAgentService' models/])
  const { modelConfigurations: _m, ...noModel } = agentAction().inputs
  t.match(problems({ ...agentAction(), inputs: noModel }), [/modelConfigurations: name the model connection/])
  t.match(
    problems(agentAction({ tools: { Hand: { actions: { H: { type: 'AgentHandoff', inputs: { name: 'Other' } } } } } })),
    [/AgentHandOff actions are refused: .*multi-agent handoff/]
  )
  t.match(problems(agentAction({ transitions: {} })), [/transitions/])
  t.match(problems(agentAction({ tools: { 'bad name': { actions: {} } } })), [/a tool name has 1 to 64/])
  t.same(problems(agentAction({ tools: { Lookup_order: lookupTool }, limit: { count: 3, timeout: 'PT5M' } })), [])
})

t.test('Function: the trigger URL and key from functionConnections, by connectionName or by ARM id', async t => {
  const model = await server(t, () => says('ok'))
  const fn = await server(t, req => ({
    status: req.url.startsWith('/api/header') ? 500 : 200,
    body: { got: req.body },
  }))
  const s = await startFlows(
    t,
    {
      fns: flowFile({
        Std: {
          type: 'Function',
          inputs: {
            function: { connectionName: 'orders' },
            method: 'POST',
            body: { id: "@triggerBody()?['id']" },
            headers: { 'x-trace': 't1' },
            queries: { mode: 'fast' },
          },
        },
        Arm: {
          type: 'Function',
          inputs: {
            function: { id: '/SUBSCRIPTIONS/s/resourceGroups/g/providers/Microsoft.Web/sites/app/functions/Orders' },
            method: 'GET',
          },
          runAfter: { Std: ['Succeeded'] },
        },
        Hdr: {
          type: 'Function',
          inputs: { function: { connectionName: 'headerFn' }, retryPolicy: { type: 'none' } },
          runAfter: { Arm: ['Succeeded'] },
        },
        Missing: {
          type: 'Function',
          inputs: { function: { id: '/subscriptions/s/x/functions/Nope' } },
          runAfter: { Hdr: ['Failed'] },
        },
      }),
    },
    { flows: { httpAllow: `${model.origin},${fn.origin}`, ...files(t, model.origin, fn.origin) } }
  )
  const run = await s.runNow('fns', { id: 7 })
  t.same(statuses(run), { Std: 'Succeeded', Arm: 'Succeeded', Hdr: 'Failed', Missing: 'Failed' })
  t.equal(fn.seen[0].method, 'POST')
  t.equal(fn.seen[0].url, '/api/orders?mode=fast&Code=f-key', 'the key goes in the query as connections.json says')
  t.same(fn.seen[0].body, { id: 7 })
  t.equal(fn.seen[0].headers['x-trace'], 't1')
  t.same(run.actions.find((a: any) => a.name === 'Std').outputs.body, { got: { id: 7 } })
  t.equal(fn.seen[1].method, 'GET', 'the ARM id matches the entry whose function.id it is, ignoring case')
  t.equal(fn.seen[2].method, 'POST', 'POST unless a method is given')
  t.equal(fn.seen[2].headers['x-functions-key'], 'f-key')
  t.equal(run.actions.find((a: any) => a.name === 'Hdr').error.code, '500')
  t.equal(fn.seen.length, 3, 'retryPolicy none: no retry')
  t.equal(run.actions.find((a: any) => a.name === 'Missing').error.code, 'ConnectionNotFound')
  t.notMatch(JSON.stringify(run), /f-key/, 'the function key is not in the run history')
  const problems = loadProblems(
    s.flows!.catalog,
    flowFile({ F: { type: 'Function', inputs: { function: { id: 'a', connectionName: 'b' } } } })
  )
  t.match(problems, [{ message: /name the function by connectionName \(Standard\) or by id \(Consumption\)/ }])
})

t.test('Xslt: maps from the maps folder, xsltParameters, text output; a map absent fails the action', async t => {
  const model = await server(t, () => says('ok'))
  const s = await startFlows(
    t,
    {
      xml: flowFile({
        Total: {
          type: 'Xslt',
          inputs: {
            content: "@triggerBody()?['xml']",
            integrationAccount: { map: { name: 'order-total' } },
            xsltParameters: { currency: 'EUR' },
          },
        },
        Qty: {
          type: 'Compose',
          inputs: "@xpath(xml(body('Total')), 'string(/total)')",
          runAfter: { Total: ['Succeeded'] },
        },
        Names: {
          type: 'Xslt',
          kind: 'DataMapper',
          inputs: { content: "@xml(triggerBody()?['xml'])", map: { source: 'LogicApp', name: 'names.xsl' } },
          runAfter: { Qty: ['Succeeded'] },
        },
        Absent: {
          type: 'Xslt',
          inputs: { content: "@triggerBody()?['xml']", integrationAccount: { map: { name: 'nope' } } },
          runAfter: { Names: ['Succeeded'] },
        },
        NotXml: {
          type: 'Xslt',
          inputs: { content: 'not xml', integrationAccount: { map: { name: 'order-total' } } },
          runAfter: { Absent: ['Failed'] },
        },
        Imports: {
          type: 'Xslt',
          inputs: { content: '<a/>', integrationAccount: { map: { name: 'imports' } } },
          runAfter: { NotXml: ['Failed'] },
        },
      }),
    },
    { flows: { httpAllow: model.origin, ...files(t, model.origin, model.origin) } }
  )
  const run = await s.runNow('xml', { xml: '<order><item qty="2">pen</item><item qty="3">ink</item></order>' })
  t.same(statuses(run), {
    Total: 'Succeeded',
    Qty: 'Succeeded',
    Names: 'Succeeded',
    Absent: 'Failed',
    NotXml: 'Failed',
    Imports: 'Failed',
  })
  t.match(run.actions.find((a: any) => a.name === 'Imports').error.message, /imports or includes/)
  t.equal(model.seen.length, 0, 'an xsl:include is never fetched')
  const total = run.actions.find((a: any) => a.name === 'Total').outputs.body
  t.equal(total['$content-type'], 'application/xml;charset=utf-8')
  t.equal(Buffer.from(total.$content, 'base64').toString(), '<total currency="EUR">5</total>')
  t.equal(run.actions.find((a: any) => a.name === 'Qty').outputs, '5')
  t.equal(run.actions.find((a: any) => a.name === 'Names').outputs.body, 'pen;ink;')
  t.equal(run.actions.find((a: any) => a.name === 'Absent').error.code, 'MapNotFound')
  t.match(run.actions.find((a: any) => a.name === 'Absent').error.message, /'nope' is not in .*FLOWS_MAPS_DIR/)
  t.equal(run.actions.find((a: any) => a.name === 'NotXml').error.code, 'InvalidXml')
  const problems = loadProblems(
    s.flows!.catalog,
    flowFile({
      A: { type: 'Xslt', inputs: { content: 'x', integrationAccount: { map: { name: 'm' } }, function: { id: '/f' } } },
      B: { type: 'Xslt', inputs: { content: 'x' } },
    })
  )
  t.match(problems, [{ message: /maps whose code runs in an Azure function/ }, { message: /name the map/ }])
})

t.test('connections.json: checked at start, secrets from app settings', async t => {
  const dir = tempDir(t, 'conn-')
  const write = (v: unknown) => {
    writeFileSync(join(dir, 'c.json'), JSON.stringify(v))
    return join(dir, 'c.json')
  }
  const settings = new AppSettings({ key: 'k' })
  t.throws(() => WorkflowConnections.load(join(dir, 'none.json')), /not a readable JSON file/)
  t.throws(() => WorkflowConnections.load(write([])), /must hold a JSON object/)
  t.throws(
    () => WorkflowConnections.load(write({ agentConnections: { a: { endpoint: 'http://x', authentication: { type: 'ManagedServiceIdentity' } } } })),
    /authentication.type must be Key/
  )
  t.throws(
    () => WorkflowConnections.load(write({ agentConnections: { a: { endpoint: 'http://x', authentication: { type: 'Key', key: "@appsetting('gone')" } } } }), settings),
    /names the app setting 'gone', which FLOWS_APP_SETTINGS lacks/
  )
  t.throws(
    () => WorkflowConnections.load(write({ functionConnections: { f: { triggerUrl: 'http://x', authentication: { type: 'Basic' } } } })),
    /must be QueryString or Header/
  )
  const c = WorkflowConnections.load(
    write({ agentConnections: { a: { endpoint: 'http://x', authentication: { type: 'key', key: "@appsetting('key')" } } } }),
    settings
  )
  t.same(c.agent('a'), { endpoint: 'http://x', key: 'k' })
  t.throws(() => new WorkflowConnections().agent('a'), /FLOWS_CONNECTIONS_JSON names no connections.json/)
})

t.test(
  "a corpus agent flow runs end to end: the sample's tool answers from the model's argument",
  { skip: !corpusPresent() && 'did not run: ../shared/conformance is not there' },
  async t => {
    const file =
      'Azure+logicapps-labs+samples+json-remediation-agent+Deployment+workflows.zip!JsonRemediationAgent+workflow.json'
    const model = await server(t, (_req, n) =>
      n === 0 ? calls(['c1', 'Load_incident_json', { caseId: 'incident-wrong-type' }]) : says('CASE ID: INC-9002')
    )
    const s = await startFlows(
      t,
      { remediation: runnable(file, model.origin) },
      { flows: { httpAllow: model.origin, ...files(t, model.origin, model.origin) } }
    )
    t.same(s.flows!.loadErrors(), [], 'it loads')
    const run = await s.runNow('remediation', { caseId: 'incident-wrong-type' })
    t.equal(run.status, 'Succeeded', JSON.stringify(run.actions.filter((a: any) => a.error)))
    t.same(statuses(run), {
      Incident_Request_Summary: 'Succeeded',
      Load_Incident_Data: 'Succeeded',
      Json_Remediation_Agent: 'Succeeded',
      Response: 'Succeeded',
    })
    t.match(run.actions.find((a: any) => a.name === 'Load_Incident_Data').outputs, /"incidentId":"INC-9002"/)
    t.match(model.seen[0].body.messages[1].content, /Process incident case: \{"caseId":"incident-wrong-type"/)
    t.equal(model.seen[0].body.tools.length, 4)
    t.match(model.seen[1].body.messages.at(-1).content, /INC-9002/, 'the tool result went back to the model')
    t.equal(run.actions.find((a: any) => a.name === 'Response').inputs.body, 'CASE ID: INC-9002')
  }
)

t.test('Agent: limit.timeout ends the loop TimedOut between model calls', async t => {
  const clock = new ManualClock()
  // Each model call takes 4 minutes of the run's clock; limit.timeout is checked before each call.
  const model = await server(t, () => {
    clock.advance(4 * 60_000)
    return calls(['x', 'Lookup_order', { orderId: 'A' }])
  })
  const s = await startFlows(
    t,
    {
      slow: flowFile({
        Init: { type: 'InitializeVariable', inputs: { variables: [{ name: 'looked', type: 'integer', value: 0 }] } },
        Ask: agentAction({
          tools: { Lookup_order: lookupTool },
          limit: { timeout: 'PT10M' },
          runAfter: { Init: ['Succeeded'] },
        }),
      }),
    },
    { flows: { httpAllow: model.origin, ...files(t, model.origin, model.origin) } },
    { clock: clock.now }
  )
  const run = await s.runNow('slow')
  const ask = run.actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.status, 'TimedOut')
  t.equal(ask.error.code, 'AgentLoopTimedOut')
  t.equal(model.seen.length, 3, 'calls at 0, 4 and 8 minutes; none at 12')
  t.equal(ask.outputs.iterations, 3)
})

t.test('Agent: a tool the model invents, a message without choices, a role Logic Apps has not', async t => {
  const model = await server(t, (_req, n) => {
    if (n === 0) return calls(['z', 'No_such_tool', {}])
    if (n === 1) return says('done')
    return { body: { choices: [] } }
  })
  const s = await startFlows(
    t,
    {
      invent: flowFile({ Ask: agentAction() }),
      empty: flowFile({ Ask: agentAction() }),
      role: flowFile({ Ask: agentAction({}, { messages: [{ role: 'Tool', content: 'x' }] }) }),
      notArray: flowFile({ Ask: agentAction({}, { messages: "@triggerBody()?['nothing']" }) }),
    },
    { flows: { httpAllow: model.origin, ...files(t, model.origin, model.origin) } }
  )
  let ask = (await s.runNow('invent')).actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.outputs.lastAssistantMessage, 'done')
  t.match(JSON.parse(model.seen[1].body.messages.at(-1).content).error, /no tool named 'No_such_tool'/)
  ask = (await s.runNow('empty')).actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.error.code, 'InvalidModelResponse')
  ask = (await s.runNow('role')).actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.error.code, 'InvalidAgentInput')
  t.match(ask.error.message, /role 'tool'/)
  ask = (await s.runNow('notArray')).actions.find((a: any) => a.name === 'Ask')
  t.equal(ask.error.code, 'InvalidAgentInput')
  t.equal(model.seen.length, 3, 'bad messages never reach the model')
})
