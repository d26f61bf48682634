import type { Ctx } from '../backends/embedded/context.js'

/** A growable set of small integers (room seqs), one bit each. */
class Bits {
  words: Uint32Array
  constructor (capacity: number) {
    this.words = new Uint32Array(Math.ceil(capacity / 32) + 1)
  }

  grow (capacity: number): void {
    const need = Math.ceil(capacity / 32) + 1
    if (need <= this.words.length) return
    const next = new Uint32Array(Math.max(need, this.words.length * 2))
    next.set(this.words)
    this.words = next
  }

  set (i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31)
  }

  clear (i: number): void {
    this.words[i >>> 5] &= ~(1 << (i & 31))
  }
}

/** Strings to small integers, so a row's organisation or classification is one Int32 comparison. */
class Intern {
  private readonly ids = new Map<string, number>()
  of (s: string): number {
    let n = this.ids.get(s)
    if (n === undefined) {
      n = this.ids.size
      this.ids.set(s, n)
    }
    return n
  }

  find (s: string): number {
    return this.ids.get(s) ?? -1
  }
}

/** SQLite's LIKE folds ASCII letters only; the index folds exactly those, so both agree on every title. */
const foldAscii = (s: string): string => s.replace(/[A-Z]+/g, m => m.toLowerCase())
export const indexableTitle = (needle: string): boolean => /^[\x20-\x7e]*$/.test(needle)

const DIRECT = 1
const EXTERNAL = 2
/** More changed spaces than this at once (a bulk load): rebuilding is cheaper than reloading each. */
const REBUILD_AFTER = 20_000

/** Search conditions resolved to the index's terms (tag ids, group ids, lower-case domains, ms). */
export interface Conditions {
  orgId: string
  title?: string
  /** Tag ids; `all`: every one; otherwise any. An empty list matches nothing. */
  tags?: { ids: string[]; all: boolean }
  groups?: string[]
  domains?: string[]
  scope?: string
  type?: string
  activeAfterMs?: number
  activeBeforeMs?: number
  inactiveUpToMs?: number
  classificationId?: string
}

/** One page of a search: the conditions, the sort, where the previous page ended, how many. */
export interface IndexQuery extends Conditions {
  byActivity: boolean
  after?: { ms: number; id: string }
  limit: number
}

/**
 * Every space's searchable facts in typed arrays and bitsets, indexed by the room's seq: advanced search is
 * one pass over them (32 spaces a step where a tag, domain or group condition rules words out) keeping the
 * best `limit` by the sort key, then one SQL read of that page. SQLite triggers record which spaces changed
 * (search_dirty), whatever wrote them; each search first reloads those, so it sees every committed write.
 */
export class SearchIndex {
  private cap = 0
  private present = new Bits(0)
  private org = new Int32Array(0)
  private created = new Float64Array(0)
  private active = new Float64Array(0)
  private flags = new Uint8Array(0)
  private cls = new Int32Array(0)
  private ids: string[] = []
  private titles: Array<string | null> = []
  private readonly orgs = new Intern()
  private readonly classes = new Intern()
  private tags = new Map<string, Bits>()
  private domains = new Map<string, Bits>()
  private groups = new Map<string, Bits>()
  private built = false

  constructor (private readonly ctx: Ctx) {}

  /** Brings the index up to the last commit: a full build the first time, then only the spaces that changed. */
  refresh (): void {
    if (!this.built) {
      this.build()
      return
    }
    const dirty = this.ctx.all<{ room_seq: number }>(`SELECT room_seq FROM search_dirty LIMIT ${REBUILD_AFTER + 1}`)
    if (dirty.length === 0) return
    if (dirty.length > REBUILD_AFTER) {
      this.build()
      return
    }
    for (const { room_seq: seq } of dirty) this.reload(seq)
    this.ctx.tx(() => {
      for (const { room_seq: seq } of dirty) this.ctx.run('DELETE FROM search_dirty WHERE room_seq = ?', seq)
    })
  }

  /** The seqs of the page, in result order (newest first by the sort key, then id). */
  search (q: IndexQuery): number[] {
    this.refresh()
    const key = q.byActivity ? this.active : this.created
    const heap = new TopK(q.limit, key, this.ids)
    const after = q.after
    const ids = this.ids
    this.scan(
      q,
      i => (!after || key[i] < after.ms || (key[i] === after.ms && ids[i] < after.id)) && heap.wouldKeep(i),
      i => heap.add(i)
    )
    return heap.sorted()
  }

  /** Every space matching the conditions (the retention engine's policies), as seqs in no particular order. */
  matches (q: Conditions): number[] {
    this.refresh()
    const out: number[] = []
    this.scan(
      q,
      () => true,
      i => out.push(i)
    )
    return out
  }

  /** Seqs in result order (newest first by the sort key, then id), as search pages them: for the export. */
  ordered (seqs: number[], byActivity: boolean): Int32Array {
    const key = byActivity ? this.active : this.created
    const ids = this.ids
    return Int32Array.from(seqs).sort((a, b) => key[b] - key[a] || (ids[b] > ids[a] ? 1 : ids[b] < ids[a] ? -1 : 0))
  }

  /** A space's last activity, for the retention engine's extended deadlines. */
  activeMs (seq: number): number {
    return this.active[seq]
  }

  /** What the retention engine needs of a matched space without going back to SQL. */
  space (seq: number): { id: string; type: string } {
    return { id: this.ids[seq], type: (this.flags[seq] & DIRECT) !== 0 ? 'direct' : 'group' }
  }

  /**
   * One pass over the organisation's spaces: the bitset conditions rule out 32 spaces a word, then each
   * remaining space's facts are compared; `wanted` (the page's cursor and heap) runs before the title, the
   * one check that touches a string. The caller has refreshed the index (its arrays may have been replaced).
   */
  private scan (q: Conditions, wanted: (i: number) => boolean, found: (i: number) => void): void {
    const orgIdx = this.orgs.find(q.orgId)
    if (orgIdx < 0) return
    const mask = this.mask(q)
    if (mask === null) return
    const clsIdx = q.classificationId !== undefined ? this.classes.find(q.classificationId) : -2
    if (clsIdx === -1) return
    const needle = q.title !== undefined ? foldAscii(q.title) : undefined
    const wantType = q.type === undefined ? -1 : q.type === 'direct' ? DIRECT : 0
    const wantExternal = q.scope === undefined ? -1 : q.scope === 'external' ? EXTERNAL : 0
    const { org, flags, cls, active, titles } = this
    const words = mask ?? this.present.words
    const present = this.present.words
    for (let w = 0; w < words.length; w++) {
      let bits = words[w] & present[w]
      while (bits !== 0) {
        const low = bits & -bits
        bits ^= low
        const i = (w << 5) | (31 - Math.clz32(low))
        if (org[i] !== orgIdx) continue
        const f = flags[i]
        if (wantType >= 0 && (f & DIRECT) !== wantType) continue
        if (wantExternal >= 0 && (f & EXTERNAL) !== wantExternal) continue
        if (clsIdx >= 0 && cls[i] !== clsIdx) continue
        const a = active[i]
        if (q.activeAfterMs !== undefined && !(a > q.activeAfterMs)) continue
        if (q.activeBeforeMs !== undefined && !(a < q.activeBeforeMs)) continue
        if (q.inactiveUpToMs !== undefined && !(a <= q.inactiveUpToMs)) continue
        if (!wanted(i)) continue
        if (needle !== undefined) {
          const t = titles[i]
          if (t === null || !t.includes(needle)) continue
        }
        found(i)
      }
    }
  }

  /** The AND of the bitset conditions (tags, domains, groups); undefined: none given; null: nothing can match. */
  private mask (q: Conditions): Uint32Array | undefined | null {
    let out: Uint32Array | undefined
    const and = (m: Uint32Array): void => {
      if (!out) {
        out = m
        return
      }
      for (let w = 0; w < out.length; w++) out[w] &= m[w] ?? 0
    }
    const any = (sets: Array<Bits | undefined>): Uint32Array => {
      const m = new Uint32Array(this.present.words.length)
      for (const s of sets) if (s) for (let w = 0; w < Math.min(m.length, s.words.length); w++) m[w] |= s.words[w]
      return m
    }
    if (q.tags) {
      if (q.tags.ids.length === 0) return null
      if (q.tags.all) for (const id of q.tags.ids) and(any([this.tags.get(id)]))
      else and(any(q.tags.ids.map(id => this.tags.get(id))))
    }
    if (q.domains) {
      if (q.domains.length === 0) return null
      and(any(q.domains.map(d => this.domains.get(d))))
    }
    if (q.groups) {
      if (q.groups.length === 0) return null
      and(any(q.groups.map(g => this.groups.get(g))))
    }
    return out
  }

  private build (): void {
    const ctx = this.ctx
    // Forget what is dirty first: everything is read fresh below, in this same synchronous turn.
    ctx.tx(() => ctx.run('DELETE FROM search_dirty'))
    const max = ctx.get<{ m: number | null }>('SELECT max(seq) AS m FROM rooms')?.m ?? 0
    this.cap = 0
    this.present = new Bits(0)
    this.tags = new Map()
    this.domains = new Map()
    this.groups = new Map()
    this.ensure(max + 1)
    const rooms = ctx
      .q('SELECT seq, id, org_id, title, type, created, last_activity, classification_id, external_count FROM rooms')
      .raw()
    for (const r of rooms.iterate() as Iterable<
      [number, string, string, string | null, string, string, string, string | null, number]
    >) {
      this.put(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
    }
    for (const [seq, tag] of ctx.q('SELECT room_seq, tag_id FROM space_tags').raw().iterate() as Iterable<
      [number, string]
    >) {
      this.bit(this.tags, tag, seq)
    }
    for (const [seq, domain] of ctx
      .q('SELECT r.seq, d.domain FROM room_domains d JOIN rooms r ON r.id = d.room_id')
      .raw()
      .iterate() as Iterable<[number, string]>) {
      this.bit(this.domains, domain, seq)
    }
    const groupRows = ctx
      .q(
        `SELECT DISTINCT r.seq, g.group_id FROM group_members g JOIN memberships m ON m.person_id = g.person_id
      JOIN rooms r ON r.id = m.room_id`
      )
      .raw()
      .iterate() as Iterable<[number, string]>
    for (const [seq, group] of groupRows) this.bit(this.groups, group, seq)
    this.built = true
  }

  private reload (seq: number): void {
    const ctx = this.ctx
    for (const m of [this.tags, this.domains, this.groups]) {
      for (const b of m.values()) if (seq < this.cap) b.clear(seq)
    }
    const r = ctx.get<{
      id: string
      org_id: string
      title: string | null
      type: string
      created: string
      last_activity: string
      classification_id: string | null
      external_count: number
    }>(
      'SELECT id, org_id, title, type, created, last_activity, classification_id, external_count ' +
        'FROM rooms WHERE seq = ?',
      seq
    )
    if (!r) {
      if (seq < this.cap) this.present.clear(seq)
      return
    }
    this.ensure(seq + 1)
    this.put(seq, r.id, r.org_id, r.title, r.type, r.created, r.last_activity, r.classification_id, r.external_count)
    for (const t of ctx.all<{ tag_id: string }>('SELECT tag_id FROM space_tags WHERE room_seq = ?', seq)) {
      this.bit(this.tags, t.tag_id, seq)
    }
    for (const d of ctx.all<{ domain: string }>('SELECT domain FROM room_domains WHERE room_id = ?', r.id)) {
      this.bit(this.domains, d.domain, seq)
    }
    for (const g of ctx.all<{ group_id: string }>(
      `SELECT DISTINCT g.group_id FROM memberships m JOIN group_members g ON g.person_id = m.person_id
      WHERE m.room_id = ?`,
      r.id
    )) {
      this.bit(this.groups, g.group_id, seq)
    }
  }

  private put (
    seq: number,
    id: string,
    orgId: string,
    title: string | null,
    type: string,
    created: string,
    active: string,
    cls: string | null,
    external: number
  ): void {
    this.present.set(seq)
    this.ids[seq] = id
    this.org[seq] = this.orgs.of(orgId)
    this.titles[seq] = title === null ? null : foldAscii(title)
    this.flags[seq] = (type === 'direct' ? DIRECT : 0) | (external > 0 ? EXTERNAL : 0)
    this.created[seq] = Date.parse(created)
    this.active[seq] = Date.parse(active)
    this.cls[seq] = cls === null ? -1 : this.classes.of(cls)
  }

  private bit (map: Map<string, Bits>, key: string, seq: number): void {
    let b = map.get(key)
    if (!b) {
      b = new Bits(this.cap)
      map.set(key, b)
    }
    b.grow(this.cap)
    b.set(seq)
  }

  /** Room seqs only grow: the arrays double when a new seq is past their end. */
  private ensure (capacity: number): void {
    if (capacity <= this.cap) return
    const cap = Math.max(capacity, this.cap * 2, 1024)
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const n = make(cap)
      n.set(a)
      return n
    }
    this.org = grow(this.org, n => new Int32Array(n))
    this.created = grow(this.created, n => new Float64Array(n))
    this.active = grow(this.active, n => new Float64Array(n))
    this.flags = grow(this.flags, n => new Uint8Array(n))
    this.cls = grow(this.cls, n => new Int32Array(n))
    this.present.grow(cap)
    for (const m of [this.tags, this.domains, this.groups]) for (const b of m.values()) b.grow(cap)
    this.cap = cap
  }
}

/** The best `k` rows by (key desc, id desc), as a min-heap on that order: its root is the worst row kept. */
class TopK {
  private readonly heap: number[] = []
  constructor (
    private readonly k: number,
    private readonly key: Float64Array,
    private readonly ids: string[]
  ) {}

  /** a ranks before b in the result. */
  private before (a: number, b: number): boolean {
    const ka = this.key[a]
    const kb = this.key[b]
    return ka > kb || (ka === kb && this.ids[a] > this.ids[b])
  }

  wouldKeep (i: number): boolean {
    return this.heap.length < this.k || this.before(i, this.heap[0])
  }

  add (i: number): void {
    const h = this.heap
    if (h.length < this.k) {
      h.push(i)
      let c = h.length - 1
      while (c > 0) {
        const p = (c - 1) >> 1
        if (!this.before(h[p], h[c])) break
        ;[h[p], h[c]] = [h[c], h[p]]
        c = p
      }
      return
    }
    h[0] = i
    let p = 0
    for (;;) {
      const l = 2 * p + 1
      const r = l + 1
      let worst = p
      if (l < h.length && this.before(h[worst], h[l])) worst = l
      if (r < h.length && this.before(h[worst], h[r])) worst = r
      if (worst === p) break
      ;[h[p], h[worst]] = [h[worst], h[p]]
      p = worst
    }
  }

  sorted (): number[] {
    return [...this.heap].sort((a, b) => (this.before(a, b) ? -1 : 1))
  }
}
