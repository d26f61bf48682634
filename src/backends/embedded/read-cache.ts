/**
 * Memoises read results between writes. Every committed transaction bumps the store's generation, and a
 * new generation empties the cache, so a read never sees data older than the last commit. On PostgreSQL the
 * other instances' commits bump it too (cluster/invalidation.ts: NOTIFY with the generation).
 */
export class ReadCache {
  private readonly entries = new Map<string, unknown>()
  private seen = -1

  constructor (
    private readonly generation: () => number,
    private readonly maxEntries = 10_000
  ) {}

  async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const g = this.generation()
    if (g !== this.seen) {
      this.entries.clear()
      this.seen = g
    }
    if (this.entries.has(key)) return this.entries.get(key) as T
    const value = await compute()
    // A commit while it was read may have changed it: the value is answered but not kept.
    if (this.generation() !== g || this.seen !== g) return value
    if (this.entries.size >= this.maxEntries) this.entries.clear()
    this.entries.set(key, value)
    return value
  }
}
