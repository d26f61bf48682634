import t from 'tap'
import { startService } from './helpers/service.js'
import { targetAt, type MakeTarget } from './contract/target.js'
import { spacesContract } from './contract/spaces.js'
import { membershipsContract } from './contract/memberships.js'
import { messagesContract } from './contract/messages.js'
import { peopleContract } from './contract/people.js'

// The action contract against the embedded backend over real HTTP, each test on a fresh store.
const embedded: MakeTarget = async t => targetAt((await startService(t, { throttle: { enabled: false } })).url)

// The same suite through the Webex HTTP backend: a second service plays Webex (the embedded backend) on
// 127.0.0.1, and the service under test reaches it only over HTTP with the caller's token.
const viaWebexBackend: MakeTarget = async t => {
  const upstream = await startService(t, { throttle: { enabled: false } })
  const service = await startService(t, {
    backend: 'webex',
    webex: { baseUrl: upstream.url, rateLimit: 1_000_000 },
    throttle: { enabled: false },
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
  })
}
