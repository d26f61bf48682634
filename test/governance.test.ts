import t from 'tap'
import { embeddedGov, webexGov } from './governance/target.js'
import { spacesSuite } from './governance/spaces.js'
import { retentionSuite } from './governance/retention.js'
import { holdsSuite } from './governance/holds.js'
import { locksSuite } from './governance/locks.js'
import { auditSuite } from './governance/audit.js'
import { exportSuite } from './governance/export.js'
import { dispositionsSuite } from './governance/dispositions.js'
import { officerSuite } from './governance/officer.js'

// The governance suite twice, as the action contract suite runs: on the embedded backend, and through the
// Webex backend against a second instance playing Webex (every governance call made with the officer's token).
for (const [name, make] of [
  ['embedded backend', embeddedGov],
  ['Webex backend', webexGov],
] as const) {
  t.test(name, async t => {
    t.test('spaces, tags, search, members, block, delete', async t => spacesSuite(t, make))
    t.test('retention: policies, manual retention, plan, execute, schedule', async t => retentionSuite(t, make))
    t.test('legal holds', async t => holdsSuite(t, make))
    t.test('preservation locks', async t => locksSuite(t, make))
    t.test('the audit hash chain', async t => auditSuite(t, make))
    t.test('evidence exports', async t => exportSuite(t, make))
    t.test('disposition notices', async t => dispositionsSuite(t, make))
    t.test("the compliance officer's Webex API and the Events API", async t => officerSuite(t, make))
  })
}
