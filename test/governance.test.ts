import t from 'tap'
import { embeddedGov, webexGov } from './governance/target.js'
import { spacesSuite } from './governance/spaces.js'
import { retentionSuite } from './governance/retention.js'

// The governance suite twice, as the action contract suite runs: on the embedded backend, and through the
// Webex backend against a second instance playing Webex (every call made with the officer's token).
for (const [name, make] of [
  ['embedded backend', embeddedGov],
  ['Webex backend', webexGov],
] as const) {
  t.test(name, async t => {
    t.test('spaces, tags, search, members, block, delete', async t => spacesSuite(t, make))
    t.test('retention: policies, manual retention, plan, execute, schedule', async t => retentionSuite(t, make))
  })
}
