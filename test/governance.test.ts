import t from 'tap'
import { embeddedGov } from './governance/target.js'
import { governanceOn } from './governance/suites.js'

// The governance suite on the embedded backend (SQLite). The same suite runs through the Webex backend in
// governance-via-webex.test.ts and on PostgreSQL in governance-postgres-*.test.ts: one file each, so each stays
// within tap's per-file timeout.
governanceOn(t, 'embedded backend', embeddedGov)
