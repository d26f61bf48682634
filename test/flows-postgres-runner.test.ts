import { onPostgres } from './helpers/on-postgres.js'

// The runner's semantics (test/flows/runner.test.ts) on PostgreSQL.
await onPostgres('the flow runner suite', () => import('./flows/runner.test.js'))
