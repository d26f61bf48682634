import t, { type Test } from 'tap'
import { onPostgres } from './helpers/on-postgres.js'
import { embeddedGov, type MakeGovTarget } from './governance/target.js'
import { auditSuite } from './governance/audit.js'
import { exportSuite } from './governance/export.js'
import { dispositionsSuite } from './governance/dispositions.js'
import { officerSuite } from './governance/officer.js'

// The governance suite (test/governance.test.ts) on the embedded backend on PostgreSQL, a database per service,
// split over four files to stay within tap's per-file timeout: audit, exports, dispositions, the officer's API.
const suites: Array<[string, (t: Test, make: MakeGovTarget) => void]> = [
  ['the audit hash chain', auditSuite],
  ['evidence exports', exportSuite],
  ['disposition notices', dispositionsSuite],
  ["the compliance officer's Webex API and the Events API", officerSuite],
]
await onPostgres('the governance suite', async () => {
  t.test('embedded backend on PostgreSQL', async t => {
    for (const [name, suite] of suites) t.test(name, async t => suite(t, embeddedGov))
  })
})
