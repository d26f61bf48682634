import { onPostgres } from './helpers/on-postgres.js'

// The governance suite (test/governance.test.ts: search and its index, retention, holds, locks, audit, exports,
// dispositions) on PostgreSQL.
await onPostgres('the governance suite', () => import('./governance.test.js'))
