import t from 'tap'
import { DEMO_IDS } from '../../src/demo.js'
import { host, startFlows, statuses } from './helpers.js'

// A connector (ApiConnectionWebhook) trigger has a signed callback URL, as in Logic Apps, where the connector calls
// it with each event: listCallbackUrl() resolves in its flow, and a POST of a Webex webhook envelope to it starts a
// run as the in-process subscription does, under the door's rules.
const memberAdded = (extra: Record<string, unknown> = {}, parameters?: Record<string, unknown>) => ({
  When_a_member_is_added: {
    type: 'ApiConnectionWebhook',
    inputs: { host: host('WhenMembershipCreated'), ...(parameters ? { parameters } : {}) },
    ...extra,
  },
})
const flow = (trigger: Record<string, unknown>) => ({
  owner: 'alice@example.com',
  definition: {
    triggers: trigger,
    actions: {
      Url: { type: 'Compose', inputs: '@listCallbackUrl()' },
      Who: { type: 'Compose', inputs: "@triggerBody()?['data']?['personEmail']", runAfter: { Url: ['Succeeded'] } },
    },
  },
})
const envelope = (data: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  id: 'Y2lzY29zcGFyazovL3VzL1dFQkhPT0svZXh0ZXJuYWw',
  name: 'from elsewhere',
  resource: 'memberships',
  event: 'created',
  data: { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com', roomType: 'group', ...data },
  ...over,
})
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

t.test('a connector trigger has a callback URL: a posted envelope starts a run; listCallbackUrl() is it', async t => {
  const s = await startFlows(t, { members: flow(memberAdded()) })
  t.same(s.flows!.loadErrors(), [], 'listCallbackUrl() in a flow with an ApiConnectionWebhook trigger loads')
  const cb = await s.alice('POST', '/v1/flows/members/listCallbackUrl', {})
  t.equal(cb.status, 200)
  t.equal(cb.body.method, 'POST')
  t.match(cb.body.value, /\/v1\/flows\/members\/triggers\/When_a_member_is_added\/paths\/invoke\?api-version=.*&sig=/)

  const res = await post(cb.body.value, envelope({}))
  t.equal(res.status, 202, 'accepted: a webhook-started run answers 202 with its location')
  t.match(res.headers.get('location'), /\/v1\/flows\/members\/runs\//)
  await s.flows!.idle()
  const run = (await s.alice('GET', new URL(res.headers.get('location')!).pathname)).body
  t.equal(run.status, 'Succeeded')
  t.equal(run.source, 'webhook')
  t.same(statuses(run), { Url: 'Succeeded', Who: 'Succeeded' })
  const out = (n: string) => run.actions.find((a: any) => a.name === n).outputs
  t.equal(out('Who'), 'dave@example.com', 'triggerBody() is the envelope')
  t.match(out('Url'), /paths\/invoke\?.*sig=\*\*\*$/, "the flow's own URL, with its signature masked in the history")
  t.notOk(JSON.stringify(run).includes(new URL(cb.body.value).searchParams.get('sig')!))
})

t.test('the door: 401, 400 for what is not an envelope of this trigger, 413, 429, 409 — none starts a run', async t => {
  const s = await startFlows(
    t,
    { members: flow(memberAdded()) },
    { flows: { requestBodyLimit: 2048, requestRateLimit: 3, requestRateWindowMs: 60_000 } }
  )
  const url = (await s.alice('POST', '/v1/flows/members/listCallbackUrl', {})).body.value as string
  const unsigned = new URL(url)
  unsigned.searchParams.delete('sig')
  const wrong = new URL(url)
  wrong.searchParams.set('sig', 'x' + wrong.searchParams.get('sig')!.slice(1))
  const bad = async (u: string, body: unknown, status: number, message: RegExp) => {
    const r = await post(u, body)
    t.equal(r.status, status, `${status}: ${message}`)
    const b = await r.json()
    t.match(b, { message, trackingId: String }, 'in the service error shape')
  }
  await bad(unsigned.toString(), envelope({}), 401, /signature \(sig\) is missing or wrong/)
  await bad(wrong.toString(), envelope({}), 401, /signature \(sig\) is missing or wrong/)
  await bad(url, { hello: 'world' }, 400, /takes a Webex webhook envelope/)
  await bad(url, envelope({}, { resource: 'messages' }), 400, /takes memberships created events, not messages created/)
  await bad(url, envelope({ filler: 'x'.repeat(4000) }), 413, /./)
  // The three signed calls above count against the flow's rate (3 per window here); unsigned ones do not.
  await bad(url, envelope({}), 429, /Too many calls to this flow/)
  t.equal((await s.alice('GET', '/v1/flows/members/runs')).body.items.length, 0, 'no run was started')

  const off = await startFlows(t, { members: flow(memberAdded()) })
  const offUrl = (await off.alice('POST', '/v1/flows/members/listCallbackUrl', {})).body.value as string
  await off.alice('PUT', '/v1/flows/members', { enabled: false })
  const r = await post(offUrl, envelope({}))
  t.equal(r.status, 409, 'a disabled flow takes no calls')
})

t.test("the trigger's filter and conditions apply as they do to in-process events", async t => {
  const s = await startFlows(t, {
    filtered: flow(memberAdded({}, { roomId: DEMO_IDS.apollo, filter: 'personEmail=dave@example.com' })),
    conditioned: flow(
      memberAdded({ conditions: [{ expression: "@equals(triggerBody()?['data']?['roomType'], 'group')" }] })
    ),
  })
  const url = async (id: string): Promise<string> =>
    (await s.alice('POST', `/v1/flows/${id}/listCallbackUrl`, {})).body.value
  const other = await post(await url('filtered'), envelope({ personEmail: 'bob@example.com' }))
  t.equal(other.status, 202)
  t.match(await other.json(), { message: /does not match the trigger's filter .*no run was started/ })
  t.equal(other.headers.get('location'), null)
  const elsewhere = await post(await url('filtered'), envelope({ roomId: DEMO_IDS.finance }))
  t.equal(elsewhere.status, 202)
  const match = await post(await url('filtered'), envelope({}))
  t.ok(match.headers.get('location'))
  await s.flows!.idle()
  t.equal((await s.alice('GET', '/v1/flows/filtered/runs')).body.items.length, 1, 'one run: the matching event')

  // Conditions false: accepted, and no run started or recorded, as for an in-process event; true: a run.
  const direct = await post(await url('conditioned'), envelope({ roomType: 'direct' }))
  t.equal(direct.status, 202)
  t.equal(direct.headers.get('location'), null)
  t.equal(direct.headers.get('x-ms-workflow-run-id'), null)
  await s.flows!.idle()
  t.same((await s.alice('GET', '/v1/flows/conditioned/runs')).body.items, [])
  const group = await post(await url('conditioned'), envelope({ roomType: 'group' }))
  t.ok(group.headers.get('location'))
  await s.flows!.idle()
  const runs = (await s.alice('GET', '/v1/flows/conditioned/runs')).body.items
  t.same(runs.map((r: any) => r.triggerBody.data.roomType), ['group'])
})

t.test('trigger conditions before a run: one that cannot be evaluated is a Failed run; listCallbackUrl()', async t => {
  const s = await startFlows(t, {
    // greater() of a string and an integer fails: the firing is recorded, not dropped.
    broken: flow(memberAdded({ conditions: [{ expression: "@greater(triggerBody()?['data']?['roomType'], 1)" }] })),
    // The probe signs the URL with the flow's keys when a condition asks for it.
    signed: flow(memberAdded({ conditions: [{ expression: "@contains(listCallbackUrl(), '/paths/invoke')" }] })),
  })
  t.same(s.flows!.loadErrors(), [])
  await s.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com' })
  await s.flows!.idle()
  const [broken] = (await s.alice('GET', '/v1/flows/broken/runs')).body.items
  t.match(broken, {
    status: 'Failed',
    error: { code: 'InvalidTemplate', message: /A trigger condition failed: .*greater/ },
  })
  t.equal((await s.alice('GET', `/v1/flows/broken/runs/${broken.id}`)).body.actions.length, 0, 'no action ran')
  const signed = (await s.alice('GET', '/v1/flows/signed/runs')).body.items
  t.same(signed.map((r: any) => r.status), ['Succeeded'])
})

t.test('a Webex webhook pointed at the URL: its deliveries run the flow with the envelope triggers get', async t => {
  const s = await startFlows(t, { members: flow(memberAdded()) }, { delivery: { allowPrivateTargets: true } })
  const url = (await s.alice('POST', '/v1/flows/members/listCallbackUrl', {})).body.value as string
  const hook = await s.bob('POST', '/v1/webhooks', {
    name: 'to the flow',
    targetUrl: url,
    resource: 'memberships',
    event: 'created',
    secret: 'shh',
  })
  t.equal(hook.status, 200)
  const added = await s.bob('POST', '/v1/memberships', { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com' })
  t.equal(added.status, 200)
  await s.worker!.idle()
  await s.flows!.idle()
  const runs = (await s.alice('GET', '/v1/flows/members/runs')).body.items as Array<{ id: string; source: string }>
  t.same(runs.map(r => r.source).sort(), ['event', 'webhook'], "a run from Alice's subscription, one from Bob's hook")
  const bodies = []
  for (const r of runs) {
    const run = (await s.alice('GET', `/v1/flows/members/runs/${r.id}`)).body
    t.equal(run.status, 'Succeeded')
    bodies.push(run.triggerBody)
  }
  t.same(bodies[0].data, bodies[1].data, 'the same event data either way')
  t.same(
    bodies.map(b => [b.resource, b.event]),
    [
      ['memberships', 'created'],
      ['memberships', 'created'],
    ]
  )
})
