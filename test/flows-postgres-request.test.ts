import { onPostgres } from './helpers/on-postgres.js'

// Request triggers and their callback URLs (test/flows/request.test.ts) on PostgreSQL.
await onPostgres('the flow request suite', () => import('./flows/request.test.js'))
