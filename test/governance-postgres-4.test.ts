import t, { type Test } from 'tap'
import { onPostgres } from './helpers/on-postgres.js'
import { embeddedGov, type MakeGovTarget } from './governance/target.js'
import { holdsSuite } from './governance/holds.js'
import { locksSuite } from './governance/locks.js'

// The governance suite (test/governance.test.ts) on the embedded backend on PostgreSQL, a database per service,
// split over four files to stay within tap's per-file timeout: legal holds and preservation locks.
const suites: Array<[string, (t: Test, make: MakeGovTarget) => void]> = [
  ['legal holds', holdsSuite],
  ['preservation locks', locksSuite],
]
await onPostgres('the governance suite', async () => {
  t.test('embedded backend on PostgreSQL', async t => {
    for (const [name, suite] of suites) t.test(name, async t => suite(t, embeddedGov))
  })
})
