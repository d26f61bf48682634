import t from 'tap'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEMO, DEMO_IDS } from '../../src/demo.js'
import { client, startService, tempDir } from '../helpers/service.js'
import { flowFile, host } from './helpers.js'

// The same flow files with the Webex backend: "Webex" is a second instance (embedded) on 127.0.0.1; the flow's
// owner acts through a connection token, its trigger comes in through the relay webhook.
t.test('with the Webex backend, flows run on relayed events and act upstream with their connection', async t => {
  const upstream = await startService(t, { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } })
  const flowsDir = tempDir(t, 'flows-')
  copyFileSync(
    fileURLToPath(new URL('../../flows/welcome-new-member.json', import.meta.url)),
    join(flowsDir, 'welcome-new-member.json')
  )
  writeFileSync(
    join(flowsDir, 'bobs.json'),
    JSON.stringify(
      flowFile(
        { Me: { type: 'ApiConnection', runAfter: {}, inputs: { host: host('GetMyOwnDetails') } } },
        { owner: 'bob@example.com' }
      )
    )
  )
  const connections = join(tempDir(t), 'connections.json')
  // Bob's entry carries Alice's token: refused, so nothing can run as Bob.
  writeFileSync(
    connections,
    JSON.stringify({ 'alice@example.com': DEMO.tokens.alice, 'bob@example.com': DEMO.tokens.alice })
  )
  const svc = await startService(t, {
    backend: 'webex',
    webex: { baseUrl: upstream.url, rateLimit: 100_000 },
    throttle: { enabled: false },
    delivery: { allowPrivateTargets: true },
    flows: { enabled: true, dir: flowsDir, connections },
  })
  const alice = client(svc.url, DEMO.tokens.alice)
  const upAlice = client(upstream.url, DEMO.tokens.alice)

  await svc.flows!.connected()
  const hooks = (await upAlice('GET', '/v1/webhooks')).body.items
  t.same(
    hooks.map((h: any) => [h.resource, h.event, new URL(h.targetUrl).origin]),
    [
      ['all', 'all', svc.url],
      ['attachmentActions', 'created', svc.url],
    ],
    "the owner's relay webhooks were registered at start"
  )
  t.same(
    svc.flows!.eventOwners().map(o => o.personId),
    [svc.flows!.ownerOf('welcome-new-member')!.personId],
    'only Alice has a connection'
  )
  t.equal(svc.flows!.ownerOf('bobs'), undefined, "a token that is not Bob's does not make a connection for Bob")

  // Someone adds Dave to Project Apollo at "Webex"; the event reaches us through Alice's relay webhook.
  t.equal(
    (await upAlice('POST', '/v1/memberships', { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com' })).status,
    200
  )
  let runs: any[] = []
  // Each question is a real request; the relay's delivery is what we wait for.
  do runs = (await alice('GET', '/v1/flows/welcome-new-member/runs')).body.items
  while (!(runs.length === 1 && ['Succeeded', 'Failed'].includes(runs[0].status)))
  t.match(runs[0], {
    status: 'Succeeded',
    source: 'event',
    triggerBody: {
      resource: 'memberships',
      event: 'created',
      data: { personEmail: 'dave@example.com', roomId: DEMO_IDS.apollo },
    },
  })

  const latest = (await upAlice('GET', `/v1/messages?roomId=${DEMO_IDS.apollo}&max=1`)).body.items[0]
  t.match(
    latest,
    { personEmail: 'alice@example.com', markdown: 'Welcome, **Dave Lee**! Glad to have you here.' },
    'the welcome was sent at Webex, as Alice'
  )

  const bob = client(svc.url, DEMO.tokens.bob)
  const refused = await bob('POST', '/v1/flows/bobs/runs', { triggerBody: {} })
  t.equal(refused.status, 404, "without a connection the flow is nobody's: not even listed for Bob")
})
