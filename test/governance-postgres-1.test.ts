import t, { type Test } from 'tap'
import { onPostgres } from './helpers/on-postgres.js'
import { embeddedGov, type MakeGovTarget } from './governance/target.js'
import { spacesSuite } from './governance/spaces.js'

// The governance suite (test/governance.test.ts) on the embedded backend on PostgreSQL, a database per service,
// split over four files to stay within tap's per-file timeout: spaces.
const suites: Array<[string, (t: Test, make: MakeGovTarget) => void]> = [
  ['spaces, tags, search, members, block, delete', spacesSuite],
]
await onPostgres('the governance suite', async () => {
  t.test('embedded backend on PostgreSQL', async t => {
    for (const [name, suite] of suites) t.test(name, async t => suite(t, embeddedGov))
  })
})
