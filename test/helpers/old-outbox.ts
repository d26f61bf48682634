/**
 * The per-target outbox (`deliveries`) as an older release left it, and what its carry-over into the outbox of
 * one row per event must make of it: one fixture for both dialects' migration tests (test/outbox-store.test.ts,
 * test/outbox-postgres.test.ts).
 */
export const OLD_OUTBOX_SEED = `
  INSERT INTO orgs (id, name, domain, created) VALUES ('o', 'O', 'o.test', '2026-01-01T00:00:00.000Z');
  INSERT INTO people (id, org_id, email, display_name, first_name, last_name, created, roles)
    VALUES ('p', 'o', 'p@o.test', 'P', 'P', 'P', '2026-01-01T00:00:00.000Z', '[]');
  INSERT INTO subscriptions (id, owner_id, org_id, name, target_url, resource, event, created, delivered_through)
    VALUES ('s1', 'p', 'o', 'one', 'http://x.test/', 'messages', 'created', '2026-01-01T00:00:00.000Z', 2),
           ('s2', 'p', 'o', 'two', 'http://y.test/', 'messages', 'created', '2026-01-01T00:00:00.000Z', 0);
  INSERT INTO events (resource, event, actor_id, org_id, data, created) VALUES
    ('messages','created','p','o','{"n":1}','2026-01-01T00:00:01.000Z'),
    ('messages','created','p','o','{"n":2}','2026-01-01T00:00:02.000Z');
`

/** Columns of `deliveries`, in the order of each row of OLD_DELIVERIES. */
export const OLD_DELIVERY_COLUMNS = 'subscription_id, event_seq, status, data, attempts, next_attempt_at, ' +
  'last_status, last_error, created, finished'

export const OLD_DELIVERIES: unknown[][] = [
  // s1: 1 delivered (watermark 2 passes it, its row not purged yet), 2 dead, 3 pending on its third attempt.
  ['s1', 1, 'pending', null, 0, 0, null, null, 'c1', null],
  ['s1', 1, 'dead', null, 8, 0, 500, 'gave up', 'c1', 'f1'],
  ['s1', 2, 'pending', null, 2, 777, 503, 'busy', 'c2', null],
  // s2: one pending, with its own view of the data.
  ['s2', 2, 'pending', '{"n":"mine"}', 0, 0, null, null, 'c2', null],
]

/** The subscriptions' delivery state after the carry-over: the head's retry state is on its subscription. */
export const CARRIED_SUBSCRIPTIONS = [
  {
    id: 's1',
    delivered_tx: 0,
    delivered_through: 2,
    retry_seq: 3,
    retry_attempts: 2,
    retry_due: 777,
    retry_status: 503,
    retry_error: 'busy',
  },
  {
    id: 's2',
    delivered_tx: 0,
    delivered_through: 0,
    retry_seq: 0,
    retry_attempts: 0,
    retry_due: 0,
    retry_status: null,
    retry_error: null,
  },
]

/** The query of CARRIED_SUBSCRIPTIONS; `int` casts a numeric column (PostgreSQL's bigint comes back as text). */
export const carriedSubscriptionsSql = (int: (column: string) => string = c => c): string =>
  `SELECT id, ${['delivered_tx', 'delivered_through', 'retry_seq', 'retry_attempts', 'retry_due', 'retry_status']
    .map(int).join(', ')}, retry_error FROM subscriptions ORDER BY id`

export const CARRIED_DEAD = [
  { seq: 2, subscription_id: 's1', attempts: 8, last_status: 500, last_error: 'gave up', finished: 'f1' },
]
