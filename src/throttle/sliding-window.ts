/**
 * A sliding-window log: at most `limit` calls in any `windowMs` span, per key. Exact (no fixed-window
 * boundary bursts), and decided synchronously, so concurrent requests in one process cannot overshoot.
 */
export type Decision = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number }

/** Decides a call per key: this process's SlidingWindowLimiter, or store/cluster/throttle.ts for a cluster. */
export interface Limiter {
  take(key: string): Decision | Promise<Decision>
}

export class SlidingWindowLimiter implements Limiter {
  private readonly hits = new Map<string, number[]>()
  private calls = 0

  constructor (
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now
  ) {}

  take (key: string): Decision {
    const t = this.now()
    if (++this.calls % 10_000 === 0) this.sweep(t)
    let log = this.hits.get(key)
    if (!log) {
      log = []
      this.hits.set(key, log)
    }
    while (log.length > 0 && log[0] <= t - this.windowMs) log.shift()
    if (log.length >= this.limit) return { allowed: false, retryAfterMs: log[0] + this.windowMs - t }
    log.push(t)
    return { allowed: true, remaining: this.limit - log.length }
  }

  /** Forget keys idle for a whole window, so memory follows active connections only. */
  private sweep (t: number): void {
    for (const [key, log] of this.hits) {
      if (log.length === 0 || log[log.length - 1] <= t - this.windowMs) this.hits.delete(key)
    }
  }
}
