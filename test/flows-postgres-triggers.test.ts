import { onPostgres } from './helpers/on-postgres.js'

// The trigger kinds (test/flows/triggers.test.ts: recurrences, polls, webhooks) on PostgreSQL.
await onPostgres('the flow trigger suite', () => import('./flows/triggers.test.js'))
