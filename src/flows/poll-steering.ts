import type { AsyncStore } from '../store/db.js'

/** Where and when an Http (polling) trigger polls next, as its endpoint's last answer said. */
export interface Steering {
  /** The Location of the last answer (resolved against the URL polled), else the URL polled. */
  uri: string
  /** Retry-After of the last answer as a time (ms since the epoch), if it had one. */
  dueMs: number | null
}

/**
 * The steering of polling triggers, in the store rather than in the process: any instance that takes a poll's
 * slot polls where the last poll, on whichever instance, was told to, and a restart keeps it (Logic Apps keeps a
 * trigger's state the same way). A steering belongs to the trigger uri it was learnt from: a flow whose
 * definition now polls another uri starts again from that one.
 */
export class PollSteering {
  constructor (private readonly store: AsyncStore) {}

  async read (flowId: string, origin: string): Promise<Steering | undefined> {
    const row = await this.store.get<{ uri: string; due_ms: number | null }>(
      'SELECT uri, due_ms FROM poll_steering WHERE flow_id = ? AND origin = ?',
      flowId,
      origin
    )
    return row && { uri: row.uri, dueMs: row.due_ms }
  }

  /** The Retry-After time the last poll was given, whatever uri it came from (null: none). */
  async due (flowId: string): Promise<number | null> {
    const row = await this.store.get<{ due_ms: number | null }>(
      'SELECT due_ms FROM poll_steering WHERE flow_id = ?',
      flowId
    )
    return row?.due_ms ?? null
  }

  async write (flowId: string, origin: string, s: Steering): Promise<void> {
    await this.store.run(
      `INSERT INTO poll_steering (flow_id, origin, uri, due_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (flow_id) DO UPDATE SET origin = excluded.origin, uri = excluded.uri, due_ms = excluded.due_ms`,
      flowId,
      origin,
      s.uri,
      s.dueMs
    )
  }
}
