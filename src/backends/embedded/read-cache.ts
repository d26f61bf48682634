/**
 * Memoises read results between writes. Every committed transaction bumps the store's generation, and a
 * new generation empties the cache, so a read never sees data older than the last commit. Valid because
 * one process owns the SQLite file; a multi-instance store would need shared invalidation.
 */
export class ReadCache {
  private readonly entries = new Map<string, unknown>()
  private seen = -1

  constructor (
    private readonly generation: () => number,
    private readonly maxEntries = 10_000
  ) {}

  get<T>(key: string, compute: () => T): T {
    const g = this.generation()
    if (g !== this.seen) {
      this.entries.clear()
      this.seen = g
    }
    if (this.entries.has(key)) return this.entries.get(key) as T
    const value = compute()
    if (this.entries.size >= this.maxEntries) this.entries.clear()
    this.entries.set(key, value)
    return value
  }
}
