import type { Invalidation } from '../../store/db.js'

/**
 * What a memoised read depends on: the scopes whose writes can change its answer (store/sqlite-changes.ts says
 * which rows each covers), or `'any'` for a read that every write drops.
 */
export type Deps = readonly string[] | 'any'

interface Entry {
  value: unknown
  deps: Deps
}

/** What was dropped while a read was being computed. */
interface InFlight {
  all: boolean
  scopes: Set<string>
}

/**
 * Memoises read results until a write reaches what they read. The store tells the cache, synchronously, of
 * every write once readers outside the writing transaction can see it (Invalidation: everything, or the
 * scopes written), and the cache drops the entries depending on those scopes, with every `'any'` entry on
 * each write. So a read never answers from before a write it depends on: a read computed while a write it
 * depends on became visible is answered but not kept, and a read inside a transaction (which may see that
 * transaction's own writes, not told yet) is never answered nor kept here.
 */
export class ReadCache {
  private readonly entries = new Map<string, Entry>()
  /** The keys of the entries depending on each scope. */
  private readonly byScope = new Map<string, Set<string>>()
  private readonly anyWrite = new Set<string>()
  private readonly inFlight = new Set<InFlight>()

  constructor (
    private readonly inTransaction: () => boolean,
    private readonly maxEntries = 10_000
  ) {}

  invalidate (change: Invalidation): void {
    for (const f of this.inFlight) {
      if (change === 'all') f.all = true
      else for (const s of change) f.scopes.add(s)
    }
    if (change === 'all') {
      this.entries.clear()
      this.byScope.clear()
      this.anyWrite.clear()
      return
    }
    if (change.size === 0) return
    for (const key of this.anyWrite) this.entries.delete(key)
    this.anyWrite.clear()
    for (const scope of change) {
      const keys = this.byScope.get(scope)
      if (!keys) continue
      this.byScope.delete(scope)
      for (const key of keys) this.drop(key)
    }
  }

  /** `deps` of the answer (it may name what the read found, such as the people a lookup returned). */
  async get<T>(key: string, deps: (value: T) => Deps, compute: () => Promise<T>): Promise<T> {
    if (this.inTransaction()) return compute()
    const hit = this.entries.get(key)
    if (hit) return hit.value as T
    const flight: InFlight = { all: false, scopes: new Set() }
    this.inFlight.add(flight)
    let value: T
    try {
      value = await compute()
    } finally {
      this.inFlight.delete(flight)
    }
    const d = deps(value)
    const stale = flight.all || (d === 'any' ? flight.scopes.size > 0 : d.some(s => flight.scopes.has(s)))
    if (stale) return value
    if (this.entries.size >= this.maxEntries) this.invalidate('all')
    this.drop(key)
    this.entries.set(key, { value, deps: d })
    if (d === 'any') this.anyWrite.add(key)
    else {
      for (const s of d) {
        let keys = this.byScope.get(s)
        if (!keys) this.byScope.set(s, (keys = new Set()))
        keys.add(key)
      }
    }
    return value
  }

  private drop (key: string): void {
    const e = this.entries.get(key)
    if (!e) return
    this.entries.delete(key)
    if (e.deps === 'any') this.anyWrite.delete(key)
    else for (const s of e.deps) this.byScope.get(s)?.delete(key)
  }
}
