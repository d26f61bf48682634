import t from 'tap'
import { pgUnavailable } from './helpers/postgres.js'

// The trigger suite (test/triggers.test.ts) on PostgreSQL: every service it sets up runs with STORE=postgres on a
// database of its own, its lanes leased (one instance here; test/triggers-cluster.test.ts runs several).
const unavailable = await pgUnavailable()
if (unavailable) {
  t.comment(`The trigger suite on PostgreSQL ${unavailable}`)
  t.pass(`the trigger suite on PostgreSQL ${unavailable}`)
} else {
  process.env.TRIGGER_SUITE_STORE = 'postgres'
  await import('./triggers.test.js')
}
