import t from 'tap'
import { onPostgres } from './helpers/on-postgres.js'
import { embeddedGov } from './governance/target.js'
import { governanceOn } from './governance/suites.js'

// The governance suite (test/governance.test.ts) on the embedded backend on PostgreSQL, a database per service,
// split over four files to stay within tap's per-file timeout: spaces.
await onPostgres('the governance suite', async () =>
  governanceOn(t, 'embedded backend on PostgreSQL', embeddedGov, [
    'spaces, tags, search, members, block, delete',
  ])
)
