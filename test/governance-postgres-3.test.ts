import t from 'tap'
import { onPostgres } from './helpers/on-postgres.js'
import { embeddedGov } from './governance/target.js'
import { governanceOn } from './governance/suites.js'

// The governance suite (test/governance.test.ts) on the embedded backend on PostgreSQL, a database per service,
// split over four files to stay within tap's per-file timeout: audit, exports, dispositions, the officer's API.
await onPostgres('the governance suite', async () =>
  governanceOn(t, 'embedded backend on PostgreSQL', embeddedGov, [
    'the audit hash chain',
    'evidence exports',
    'disposition notices',
    "the compliance officer's Webex API and the Events API",
  ])
)
