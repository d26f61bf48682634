import { onPostgres } from './helpers/on-postgres.js'

// Resubmitting runs (test/flows/resubmit.test.ts: from the trigger, from an action, the run history it reads) on
// PostgreSQL.
await onPostgres('the flow resubmit suite', () => import('./flows/resubmit.test.js'))
