import { onPostgres } from './helpers/on-postgres.js'

// The action kinds (test/flows/kinds.test.ts) on PostgreSQL.
await onPostgres('the flow action kinds suite', () => import('./flows/kinds.test.js'))
