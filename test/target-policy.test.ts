import t from 'tap'
import { networkInterfaces } from 'node:os'
import { Agent, fetch } from 'undici'
import { isWebexError } from './helpers/assertions.js'
import { client, ManualClock, startService, tempDir } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { flowFile, startFlows } from './flows/helpers.js'
import { DEMO, DEMO_IDS as ids } from '../src/demo.js'
import { addressRefusal, guardedConnector } from '../src/http/target-policy.js'
import { HttpSender } from '../src/triggers/sender.js'

// Accepted by the old hand-written list (the SSRF probe), refused now: none of them is `unicast`.
const REFUSED = [
  '192.0.0.8', // IETF protocol assignments
  '198.18.0.1', // benchmarking
  '192.0.2.1',
  '198.51.100.7',
  '203.0.113.9', // the three TEST-NETs
  '224.0.0.1',
  '239.255.255.250', // multicast
  '240.0.0.1', // reserved
  '255.255.255.255', // broadcast
  'fec0::1', // deprecated site-local
  '::127.0.0.1', // IPv4-compatible loopback
  '::ffff:0:127.0.0.1', // SIIT (RFC 6145) loopback
  '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
  '64:ff9b::a00:1', // NAT64 of 10.0.0.1
  '64:ff9b:1::1', // local-use NAT64 prefix
  // and what it refused already
  '127.0.0.1',
  '0.0.0.0',
  '10.1.2.3',
  '100.64.0.1',
  '169.254.169.254',
  '172.16.5.4',
  '192.168.1.1',
  '::',
  '::1',
  '::ffff:127.0.0.1',
  '::ffff:10.0.0.1',
  'fc00::1',
  'fd12:3456::1',
  'fe80::1',
  'ff02::1',
  '2001:db8::1',
  '2002:7f00:1::1', // 6to4
  '2001:0:4136:e378::1', // Teredo
  '100::1', // discard
]
const ALLOWED = ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']

t.test('only ipaddr.js `unicast` addresses pass; IPv6 forms are judged by the IPv4 address they embed', async t => {
  for (const a of REFUSED) t.ok(addressRefusal(a), `${a} refused: ${addressRefusal(a)}`)
  for (const a of ALLOWED) t.equal(addressRefusal(a), undefined, `${a} allowed`)
  t.match(addressRefusal('::ffff:0:127.0.0.1'), /127\.0\.0\.1\) is a loopback address/)
})

t.test("this host's own interface addresses are refused, public ones included", async t => {
  const eth0 = [{ address: '8.8.4.4', netmask: '255.255.255.0', family: 'IPv4', internal: false }]
  const { addressRefusal: mocked } = await t.mockImport<typeof import('../src/http/target-policy.js')>(
    '../src/http/target-policy.js',
  { 'node:os': { networkInterfaces: () => ({ eth0 }) } }
  )
  t.match(mocked('8.8.4.4'), /own host/)
  t.match(mocked('::ffff:8.8.4.4'), /own host/)
  t.equal(mocked('8.8.8.8'), undefined)
  t.equal(addressRefusal('8.8.4.4'), undefined, 'not an own address here')
})

t.test('subscribing to a refused target is a 400 naming the field, for every refused form', async t => {
  const svc = await startService(t, { throttle: { enabled: false } })
  const alice = client(svc.url, DEMO.tokens.alice)
  const own = Object.values(networkInterfaces())
    .flat()
    .filter(i => i && !i.internal)
    .map(i => (i!.family === 'IPv6' ? `[${i!.address}]` : i!.address))
  const names = ['localhost', 'LocalHost.', 'a.localhost']
  const hosts = [...REFUSED.map(a => (a.includes(':') ? `[${a}]` : a)), ...names, ...own]
  for (const host of hosts) {
    const targetUrl = `http://${host}:8080/hook`
    isWebexError(
      t,
      await alice('POST', '/v1/webhooks', { name: 'x', targetUrl, resource: 'messages', event: 'created' }),
      400,
      /targetUrl points at/
    )
    isWebexError(t, await alice('POST', '/v1/triggers/messages/created', { callbackUrl: targetUrl }), 400)
  }
  t.same((await alice('GET', '/v1/webhooks')).body.items, [], 'nothing was stored')
  const ok = await alice('POST', '/v1/webhooks', {
    name: 'x',
    targetUrl: 'https://[2606:4700:4700::1111]/hook',
    resource: 'messages',
    event: 'created',
  })
  t.equal(ok.status, 200)
})

t.test('the sender applies the policy as it connects: to literal addresses and to what names resolve to', async t => {
  const rx = await startReceiver(t)
  const sender = new HttpSender({ timeoutMs: 5000, allowPrivateTargets: false })
  t.teardown(() => sender.close())
  for (const target of [rx.url, `http://localhost:${rx.port}/hook`, `http://[::ffff:127.0.0.1]:${rx.port}/hook`]) {
    const r = await sender.post(target, '{}', {}, Date.now())
    t.equal(r.outcome, 'refused', target)
    t.match((r as { error: string }).error, /ETARGETREFUSED/)
  }
  t.equal(rx.attempts.length, 0, 'nothing reached the receiver')
  const allowed = new HttpSender({ timeoutMs: 5000, allowPrivateTargets: true })
  t.teardown(() => allowed.close())
  t.equal((await allowed.post(rx.url, '{}', {}, Date.now())).outcome, 'delivered', 'unless configured to allow it')
})

t.test('a target refused at delivery time is dead-lettered at once and does not count towards inactivity', async t => {
  const dataDir = tempDir(t)
  const rx = await startReceiver(t)
  const own = Object.values(networkInterfaces())
    .flat()
    .find(i => i && !i.internal && i.family === 'IPv4')?.address
  // Subscribed while private targets were allowed; the service then restarts without that setting.
  const allowing = { dataDir, throttle: { enabled: false }, delivery: { allowPrivateTargets: true } }
  const before = await startService(t, allowing)
  const targets = [rx.url, ...(own ? [`http://${own}:${rx.port}/hook`] : [])]
  for (const callbackUrl of targets) {
    await client(before.url, DEMO.tokens.alice)('POST', '/v1/triggers/messages/created', { callbackUrl })
  }
  await before.app.close()
  const clock = new ManualClock()
  const svc = await startService(
    t,
    { dataDir, throttle: { enabled: false }, delivery: { inactiveAfterFailures: 2, maxAttempts: 8 } },
    { clock: clock.now, random: () => 1, deliveryTimers: false }
  )
  const alice = client(svc.url, DEMO.tokens.alice)
  for (const text of ['one', 'two', 'three']) {
    await alice('POST', '/v1/messages', { roomId: ids.apollo, text })
    await svc.worker!.idle()
  }
  t.equal(rx.attempts.length, 0, 'no delivery reached the receiver, on loopback or on our own address')
  for (const hook of (await alice('GET', '/v1/webhooks')).body.items) {
    t.equal(hook.status, 'active', `${hook.targetUrl}: still active (a refusal is not the receiver failing)`)
    const dead = (await alice('GET', `/v1/webhooks/${hook.id}/deadLetters`)).body.items
    t.equal(dead.length, 3, 'each event dead-lettered at once')
    t.same(
      dead.map((d: any) => d.attempts),
      [1, 1, 1],
      'one attempt each, no retries'
    )
    t.match(dead[0].lastError, /ETARGETREFUSED/)
    t.equal(dead[0].lastStatus, undefined)
  }
  t.equal(targets.length, own ? 2 : 1, own ? 'own address tested' : 'no non-loopback interface on this machine')
})

t.test('redirects are not followed, by deliveries or by Http actions', async t => {
  const elsewhere = await startReceiver(t)
  const rx = await startReceiver(t)
  rx.respond = () => ({ status: 302, headers: { location: elsewhere.url } })
  const svc = await startService(
    t,
    { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } },
    { clock: new ManualClock().now, random: () => 1, deliveryTimers: false }
  )
  const alice = client(svc.url, DEMO.tokens.alice)
  const hook = (await alice('POST', '/v1/triggers/messages/created', { callbackUrl: rx.url })).body
  await alice('POST', '/v1/messages', { roomId: ids.apollo, text: 'follow me' })
  await svc.worker!.idle()
  t.equal(rx.attempts.length, 1)
  t.equal(elsewhere.attempts.length, 0, 'the delivery did not follow the redirect')
  const dead = (await alice('GET', `/v1/webhooks/${hook.id}/deadLetters`)).body.items
  t.equal(dead[0].lastStatus, 302)

  const s = await startFlows(
    t,
    {
      call: flowFile({
        Call: { type: 'Http', inputs: { method: 'POST', uri: rx.url, body: { a: 1 } }, runAfter: {} },
      }),
    },
    { flows: { httpAllow: `http://127.0.0.1:${rx.port}` } }
  )
  const run = await s.runNow('call')
  t.equal(run.actions[0].outputs.statusCode, 302)
  t.equal(elsewhere.attempts.length, 0, 'nor did the Http action')
})

t.test('Http actions: the target policy on top of FLOWS_HTTP_ALLOW, as written and as connected', async t => {
  const rx = await startReceiver(t)
  const s = await startFlows(
    t,
    {
      byName: flowFile({
        Call: { type: 'Http', inputs: { method: 'POST', uri: `http://localhost:${rx.port}/hook`, body: {} } },
      }),
      byAddress: flowFile({ Call: { type: 'Http', inputs: { method: 'POST', uri: rx.url, body: { b: 2 } } } }),
    },
    { flows: { httpAllow: `http://localhost:${rx.port},http://127.0.0.1:${rx.port}` } }
  )
  const byName = await s.runNow('byName')
  t.equal(byName.status, 'Failed')
  t.match(byName.actions[0].error, { code: 'HttpTargetNotAllowed', message: /loopback/ })
  t.equal(rx.attempts.length, 0)
  const byAddress = await s.runNow('byAddress')
  t.equal(byAddress.status, 'Succeeded', 'an address the operator listed is theirs to allow')
  t.equal(rx.attempts.length, 1)

  // The connect-time half, as the runtime's dispatcher does it: a listed address passes as written, not
  // when a name resolves to it.
  const agent = new Agent({ connect: guardedConnector({ allowPrivate: false, allowed: new Set(['127.0.0.1']) }, 5000) })
  t.teardown(() => agent.destroy())
  const direct = await fetch(rx.url, { method: 'POST', body: '{}', dispatcher: agent })
  t.equal(direct.status, 200)
  await t.rejects(
    fetch(`http://localhost:${rx.port}/hook`, { method: 'POST', body: '{}', dispatcher: agent }),
    { cause: { code: 'ETARGETREFUSED' } }
  )
  t.equal(rx.attempts.length, 2)
})
