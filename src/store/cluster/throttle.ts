import { createHash } from 'node:crypto'
import type { Decision, Limiter } from '../../throttle/sliding-window.js'
import type { PostgresStore } from '../postgres.js'

/**
 * The connection throttle for a cluster: at most `limit` calls per key in any sliding `windowMs`, counted over
 * every instance on the database (the sliding-window log of SlidingWindowLimiter, kept in `throttle_windows`).
 * Each decision is one call of `throttle_take`, which locks the key's row: concurrent calls from all instances
 * queue on that row, so exactly `limit` are admitted. Keys are stored hashed (they are bearer tokens). Time is
 * the database's clock unless `now` is given (tests), so instances whose clocks differ still agree.
 */
export class ClusterLimiter implements Limiter {
  private calls = 0

  constructor (
    private readonly store: PostgresStore,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now?: () => number
  ) {}

  async take (key: string): Promise<Decision> {
    const d = await this.store.get<{ allowed: number; remaining: number; retry_after_ms: number }>(
      'SELECT allowed, remaining, retry_after_ms FROM throttle_take(?, ?, ?, ?)',
      hashKey(key),
      this.now?.() ?? null,
      this.windowMs,
      this.limit
    )
    if (++this.calls % 10_000 === 0) void this.sweep().catch(() => undefined)
    return d!.allowed === 1
      ? { allowed: true, remaining: d!.remaining }
      : { allowed: false, retryAfterMs: d!.retry_after_ms }
  }

  /** Forgets keys idle for a whole window, so the table follows active connections only. */
  async sweep (): Promise<number> {
    return this.store.run(
      'DELETE FROM throttle_windows WHERE touched <= ' +
        'coalesce(CAST(? AS bigint), (extract(epoch FROM clock_timestamp()) * 1000)::bigint) - ?',
      this.now?.() ?? null,
      this.windowMs
    )
  }
}

const hashKey = (key: string): string => createHash('sha256').update(key).digest('base64url')
