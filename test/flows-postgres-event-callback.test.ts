import { onPostgres } from './helpers/on-postgres.js'

// Event callbacks (test/flows/event-callback.test.ts) on PostgreSQL.
await onPostgres('the flow event-callback suite', () => import('./flows/event-callback.test.js'))
