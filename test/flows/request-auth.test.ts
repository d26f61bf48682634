import t from 'tap'
import { DEMO } from '../../src/demo.js'
import { hashToken } from '../../src/backends/embedded/seed.js'
import { loadProblems, startFlows, statuses } from './helpers.js'

// triggerAuthenticationType (Power Automate's "Who can trigger the flow"): Tenant = any person of the flow owner's
// organisation, User = the people triggerAllowedUsers lists, each proven by an access token of this service on top
// of the signed URL.
const trigger = (inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  manual: { type: 'Request', kind: 'Http', inputs: { method: 'POST', ...inputs }, ...extra },
})
const flow = (inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  owner: 'alice@example.com',
  definition: {
    triggers: trigger(inputs, extra),
    actions: {
      Respond: {
        type: 'Response',
        inputs: { statusCode: 200, body: { auth: "@triggerOutputs()['headers']?['Authorization']" } },
      },
    },
  },
})
const call = (url: string, token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: '{}',
  })

t.test('Tenant: people of the owner organisation with a token; others get 401 or 403, nothing runs', async t => {
  const s = await startFlows(t, {
    tenant: flow({ triggerAuthenticationType: 'Tenant' }),
    withHeader: flow(
      { triggerAuthenticationType: 'Tenant' },
      { operationOptions: 'IncludeAuthorizationHeadersInOutputs' }
    ),
  })
  await s.store.run(
    'INSERT INTO tokens (token_hash, person_id, label) VALUES (?,?,?)',
    hashToken('pat-token'),
    DEMO.partner.id,
    'pat'
  )
  const url = (await s.alice('POST', '/v1/flows/tenant/listCallbackUrl', {})).body.value as string
  const none = await call(url)
  t.equal(none.status, 401, 'no token: 401')
  t.match(await none.json(), { message: /only from people of its owner's organisation: send an access token/ })
  const bad = await call(url, 'not-a-token')
  t.equal(bad.status, 401, 'a token that is not valid: 401')
  const pat = await call(url, 'pat-token')
  t.equal(pat.status, 403, 'a person of another organisation: 403')
  t.match(await pat.json(), { message: /only from people of its owner's organisation\./, trackingId: String })
  const unsigned = new URL(url)
  unsigned.searchParams.delete('sig')
  t.equal((await call(unsigned.toString(), DEMO.tokens.bob)).status, 401, 'the token does not replace the signature')
  t.equal((await s.alice('GET', '/v1/flows/tenant/runs')).body.items.length, 0, 'no run was started')

  const bob = await call(url, DEMO.tokens.bob)
  t.equal(bob.status, 200, "Bob, of Alice's organisation, may")
  t.same(await bob.json(), { auth: null }, 'the Authorization header is not in the trigger outputs')
  const withHeader = (await s.alice('POST', '/v1/flows/withHeader/listCallbackUrl', {})).body.value as string
  t.same(await (await call(withHeader, DEMO.tokens.bob)).json(), { auth: `Bearer ${DEMO.tokens.bob}` })
})

t.test('User: only the people triggerAllowedUsers lists (emails or person ids); none listed: the tenant', async t => {
  const s = await startFlows(t, {
    listed: flow({ triggerAuthenticationType: 'User', triggerAllowedUsers: 'bob@example.com; carol@example.com' }),
    byId: flow({ triggerAuthenticationType: 'User', triggerAllowedUsers: DEMO.people.dave.id }),
    nobody: flow({ triggerAuthenticationType: 'User' }),
  })
  const url = async (id: string): Promise<string> =>
    (await s.alice('POST', `/v1/flows/${id}/listCallbackUrl`, {})).body.value
  t.equal((await call(await url('listed'), DEMO.tokens.bob)).status, 200)
  t.equal((await call(await url('listed'), DEMO.tokens.carol)).status, 200)
  const alice = await call(await url('listed'), DEMO.tokens.alice)
  t.equal(alice.status, 403, 'the owner herself is not listed')
  t.match(await alice.json(), { message: /only from the people its triggerAllowedUsers lists/ })
  t.equal((await call(await url('byId'), DEMO.tokens.dave)).status, 200, 'a person id works too')
  t.equal((await call(await url('byId'), DEMO.tokens.bob)).status, 403)
  t.equal((await call(await url('nobody'), DEMO.tokens.bob)).status, 200, 'no one listed: anyone of the organisation')
})

t.test('load: the three types, in any case; allowed users only with User', async t => {
  const s = await startFlows(t, {})
  const problems = (inputs: Record<string, unknown>) => loadProblems(s.flows!.catalog, flow(inputs))
  t.same(problems({ triggerAuthenticationType: 'tenant' }), [])
  t.same(problems({ triggerAuthenticationType: 'ALL' }), [])
  t.match(problems({ triggerAuthenticationType: 'Guests' }), [
    {
      path: '/definition/triggers/manual/inputs/triggerAuthenticationType',
      message: 'must be one of All, Tenant, User',
    },
  ])
  t.match(problems({ triggerAuthenticationType: 'Tenant', triggerAllowedUsers: 'bob@example.com' }), [
    {
      path: '/definition/triggers/manual/inputs/triggerAllowedUsers',
      message: "applies only with triggerAuthenticationType 'User'",
    },
  ])
})

t.test("a Workflow action calls a Tenant child flow as its owner, who is of the child's organisation", async t => {
  const s = await startFlows(t, {
    child: flow({ triggerAuthenticationType: 'Tenant' }),
    parent: {
      owner: 'bob@example.com',
      definition: {
        triggers: trigger({}),
        actions: {
          Call: {
            type: 'Workflow',
            inputs: { host: { workflow: { id: '/workflows/child' }, triggerName: 'manual' }, body: {} },
          },
        },
      },
    },
  })
  const run = await s.runNow('parent', {}, s.bob)
  t.same(statuses(run), { Call: 'Succeeded' })
})

t.test('Request kinds ApiConnection and Agent are refused with the reason; their inputs on Http too', async t => {
  const s = await startFlows(t, {})
  const problems = (manual: Record<string, unknown>) =>
    loadProblems(s.flows!.catalog, { owner: 'alice@example.com', definition: { triggers: { manual }, actions: {} } })
  t.same(
    problems({
      type: 'Request',
      kind: 'ApiConnection',
      inputs: { host: { connection: {} }, operationId: 'ForASelectedFileHybridTrigger', parameters: { dataset: 'x' } },
    }),
    [
      {
        path: '/definition/triggers/manual/kind',
        message:
          'a Request of kind ApiConnection is refused: it is a manual trigger that another connector starts from its ' +
          "own interface (such as SharePoint's 'For a selected file', with that connector's operationId and " +
          'parameters); this service is not that connector',
      },
    ]
  )
  t.match(problems({ type: 'Request', kind: 'agent', inputs: { agentName: 'Helper' } }), [
    { path: '/definition/triggers/manual/kind', message: /^a Request of kind Agent is refused: it starts a conversational/ },
  ])
  t.same(problems({ type: 'Request', kind: 'Http', inputs: { operationId: 'X' } }), [
    {
      path: '/definition/triggers/manual/inputs/operationId',
      message: 'applies only to a Request of kind ApiConnection, which this runtime refuses',
    },
  ])
})
