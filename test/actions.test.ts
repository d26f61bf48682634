import t from 'tap'
import { startService } from './helpers/service.js'
import { targetAt, type MakeTarget } from './contract/target.js'
import { spacesContract } from './contract/spaces.js'
import { membershipsContract } from './contract/memberships.js'
import { messagesContract } from './contract/messages.js'
import { peopleContract } from './contract/people.js'

// The action contract against the embedded backend over real HTTP, each test on a fresh store.
const embedded: MakeTarget = async (t) => targetAt((await startService(t, { throttle: { enabled: false } })).url)

t.test('spaces', async t => spacesContract(t, embedded))
t.test('memberships and teams', async t => membershipsContract(t, embedded))
t.test('messages', async t => messagesContract(t, embedded))
t.test('people', async t => peopleContract(t, embedded))
