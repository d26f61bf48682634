import t from 'tap'
import { startService } from './helpers/service.js'
import { targetAt, type MakeTarget } from './contract/target.js'
import { spacesContract } from './contract/spaces.js'
import { membershipsContract } from './contract/memberships.js'
import { messagesContract } from './contract/messages.js'
import { peopleContract } from './contract/people.js'
import { fidelityContract } from './contract/fidelity.js'

// The action contract against the embedded backend over real HTTP, each test on a fresh store.
// Private targets allowed: the file-URL tests re-host from a file server on 127.0.0.1.
const LOCAL = { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } }
const embedded: MakeTarget = async t => targetAt((await startService(t, LOCAL)).url)

// The same suite through the Webex HTTP backend: a second service plays Webex (the embedded backend) on
// 127.0.0.1, and the service under test reaches it only over HTTP with the caller's token.
const viaWebexBackend: MakeTarget = async t => {
  const upstream = await startService(t, LOCAL)
  const service = await startService(t, {
    backend: 'webex',
    webex: { baseUrl: upstream.url, rateLimit: 1_000_000 },
    ...LOCAL,
  })
  return targetAt(service.url)
}

for (const [name, make] of [
  ['embedded backend', embedded],
  ['Webex HTTP backend', viaWebexBackend],
] as const) {
  t.test(name, async t => {
    t.test('spaces', async t => spacesContract(t, make))
    t.test('memberships and teams', async t => membershipsContract(t, make))
    t.test('messages', async t => messagesContract(t, make))
    t.test('people', async t => peopleContract(t, make))
    t.test('Webex clients (issue 13)', async t => fidelityContract(t, make))
  })
}
