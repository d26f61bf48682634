import { onPostgres } from './helpers/on-postgres.js'

// The shipped flows (test/flows/shipped.test.ts) on PostgreSQL.
await onPostgres('the shipped flows suite', () => import('./flows/shipped.test.js'))
