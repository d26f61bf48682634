import t from 'tap'
import { createHmac } from 'node:crypto'
import { client, startService } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { DEMO, DEMO_IDS as ids } from '../src/demo.js'

t.test('with the Webex backend, triggers are relayed from Webex webhooks, verified, and fanned out here', async t => {
  // "Webex": the embedded backend on 127.0.0.1, allowed to call back to loopback.
  const upstream = await startService(t, { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } })
  const svc = await startService(t, {
    backend: 'webex',
    webex: { baseUrl: upstream.url, rateLimit: 100_000 },
    throttle: { enabled: false },
    delivery: { allowPrivateTargets: true },
  })
  const alice = client(svc.url, DEMO.tokens.alice)
  const bob = client(svc.url, DEMO.tokens.bob)
  const aliceRx = await startReceiver(t)
  const bobRx = await startReceiver(t)
  const sub = await alice('POST', '/v1/triggers/messages/created', {
    callbackUrl: aliceRx.url,
    secret: 'local-secret',
  })
  t.equal(sub.status, 201)
  t.equal(
    (await bob('POST', '/v1/webhooks', { name: 'bob', targetUrl: bobRx.url, resource: 'messages', event: 'created' }))
      .status,
    200
  )
  const upstreamHooks = (await client(upstream.url, DEMO.tokens.alice)('GET', '/v1/webhooks')).body.items
  const relayUrl = `${svc.url}/v1/webex/events/${Buffer.from(ids.alice, 'base64url').toString().split('/PEOPLE/')[1]}`
  t.same(
    upstreamHooks.map((h: any) => [h.resource, h.event, h.targetUrl]),
    [
      ['all', 'all', relayUrl],
      ['attachmentActions', 'created', relayUrl],
    ],
    "the relay webhooks at Webex for Alice, pointing here (card submissions are not in Webex's firehose)"
  )

  const inFinance = await alice('POST', '/v1/messages', { roomId: ids.finance, text: 'Bob cannot see this' })
  const inApollo = await alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'Bob sees this' })
  await aliceRx.count(2)
  t.same(
    aliceRx.received.map(r => r.body.data.id),
    [inFinance.body.id, inApollo.body.id],
    'relayed in order'
  )
  const got = aliceRx.received[0]
  t.same(
    [got.body.resource, got.body.event, got.body.actorId, got.body.data.roomId],
    ['messages', 'created', ids.alice, ids.finance]
  )
  t.equal(
    got.headers['x-spark-signature'],
    createHmac('sha1', 'local-secret').update(got.raw).digest('hex'),
    "signed with the local subscription's secret"
  )
  await bobRx.count(1)
  t.same(
    bobRx.received.map(r => r.body.data.id),
    [inApollo.body.id],
    'Bob hears only about the space Webex lets him see'
  )
})

t.test('the relay endpoint refuses bad signatures and unknown subscribers', async t => {
  const upstream = await startService(t, { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } })
  const svc = await startService(t, {
    backend: 'webex',
    webex: { baseUrl: upstream.url },
    throttle: { enabled: false },
  })
  const body = JSON.stringify({ resource: 'messages', event: 'created', data: {} })
  const unknown = await fetch(`${svc.url}/v1/webex/events/00000000-0000-4000-8000-000000000000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-spark-signature': 'x' },
    body,
  })
  t.equal(unknown.status, 404)
  const alice = client(svc.url, DEMO.tokens.alice)
  t.equal(
    (
      await alice('POST', '/v1/webhooks', {
        name: 'a',
        targetUrl: 'https://hooks.example.com/x',
        resource: 'messages',
        event: 'created',
      })
    ).status,
    200
  )
  const aliceLocal = Buffer.from(ids.alice, 'base64url').toString().split('/PEOPLE/')[1]
  const forged = await fetch(`${svc.url}/v1/webex/events/${aliceLocal}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-spark-signature': createHmac('sha1', 'guess').update(body).digest('hex'),
    },
    body,
  })
  t.equal(forged.status, 403)
})
