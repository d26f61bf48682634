import type { Ctx } from '../store/ctx.js'
import { aliveSql } from '../store/cluster/presence.js'

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

  has (i: number): boolean {
    return ((this.words[i >>> 5] >>> (i & 31)) & 1) === 1
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

/** A creation-sorted search with more candidates than this walks the creation order instead of all of them. */
const WALK_AFTER = 20_000
/** Spaces added since the creation order was sorted, before it is sorted again. */
const RESORT_AFTER = 10_000

const popcount = (words: Uint32Array): number => {
  let n = 0
  for (let w = 0; w < words.length; w++) {
    let v = words[w]
    v -= (v >>> 1) & 0x55555555
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
  }
  return n
}

const DIRECT = 1
const EXTERNAL = 2

/** What `facts` must hold for a space to pass the organisation, type and scope conditions: [mask, value]. */
function wanted (q: Conditions, orgIdx: number): [number, number] {
  let mask = -4
  let value = orgIdx << 2
  if (q.type !== undefined) {
    mask |= DIRECT
    if (q.type === 'direct') value |= DIRECT
  }
  if (q.scope !== undefined) {
    mask |= EXTERNAL
    if (q.scope === 'external') value |= EXTERNAL
  }
  return [mask, value]
}
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
 *
 * On PostgreSQL several instances each keep an index, so the changes are a log every one reads from its own
 * horizon (`search_changes`, each row with its writing transaction's id): a refresh first takes the oldest
 * transaction still running (the snapshot's xmin), then reads the rows at or above its previous horizon. Every
 * row below the new horizon committed before that read, so it was seen; rows above it are read again next
 * time (those already applied are skipped). Each instance records its horizon in `search_readers`; rows below
 * every live instance's horizon are pruned (`prune`), and an instance whose record was dropped as dead
 * rebuilds.
 */
export class SearchIndex {
  private cap = 0
  private present = new Bits(0)
  /** Per space: its organisation's number << 2 | DIRECT | EXTERNAL, so one comparison tests all three. */
  private facts = new Int32Array(0)
  private created = new Float64Array(0)
  private active = new Float64Array(0)
  private cls = new Int32Array(0)
  private ids: string[] = []
  /**
   * Folded titles, UTF-8, one after another in one arena (a million titles in a few contiguous megabytes, not a
   * million strings): `titleAt[seq]` is where a space's title starts, `titleLen[seq]` its length (-1: none). A
   * changed title is appended; the arena is compacted by the next build.
   */
  private titleBytes = new Uint8Array(1 << 16)
  private titleEnd = 0
  private titleAt = new Int32Array(0)
  private titleLen = new Int32Array(0)
  private readonly orgs = new Intern()
  private readonly classes = new Intern()
  private tags = new Map<string, Bits>()
  private domains = new Map<string, Bits>()
  private groups = new Map<string, Bits>()
  /** The scalar facts search filters on most, as bitsets too: classification (by id), 'direct', 'external'. */
  private classBits = new Map<string, Bits>()
  private flagBits = new Map<string, Bits>()
  /**
   * Seqs by creation, newest first (then id): a search sorted by creation walks it and stops at its page's
   * end. Spaces added since it was sorted wait in `recent` (merged in at search time) until there are many.
   */
  private order: Int32Array = new Int32Array(0)
  private sortedSet = new Bits(0)
  private recent: number[] = []
  private maskBuf = new Uint32Array(0)
  private found = new Int32Array(0)
  /** Each space's message times (ms, ascending), for retention's counts: none for a space without messages. */
  private messageTimes: Array<Float64Array | undefined> = []
  private built = false
  /** PostgreSQL: this instance's name in `search_readers`; undefined on SQLite (search_dirty, one reader). */
  private readonly reader: string | undefined
  /** PostgreSQL: the horizon (a transaction id) this index has read the change log up to. */
  private horizon = 0n
  /** PostgreSQL: the changes at or above the horizon already applied (`xid:room_seq`). */
  private applied = new Set<string>()
  /** PostgreSQL: refreshes run one after another, each after every commit its caller saw. */
  private chain: Promise<void> = Promise.resolve()

  constructor (private readonly ctx: Ctx) {
    this.reader = ctx.opened.dialect === 'postgres' ? ctx.opened.store.instanceId : undefined
  }

  /** Brings the index up to the last commit: a full build the first time, then only the spaces that changed. */
  async refresh (): Promise<void> {
    if (this.reader !== undefined) {
      const run = this.chain.then(() => this.refreshShared())
      this.chain = run.catch(() => undefined)
      return run
    }
    if (!this.built) {
      await this.build()
      return
    }
    const dirty = await this.ctx.all<{ room_seq: number }>(
      `SELECT room_seq FROM search_dirty LIMIT ${REBUILD_AFTER + 1}`
    )
    if (dirty.length === 0) return
    if (dirty.length > REBUILD_AFTER) {
      await this.build()
      return
    }
    for (const { room_seq: seq } of dirty) await this.reload(seq)
    await this.ctx.tx(async () => {
      for (const { room_seq: seq } of dirty) await this.ctx.run('DELETE FROM search_dirty WHERE room_seq = ?', seq)
    })
  }

  private async refreshShared (): Promise<void> {
    if (!this.built) {
      await this.build()
      return
    }
    const ctx = this.ctx
    // The horizon first: whatever committed below it is visible to the read that follows.
    const next = BigInt((await ctx.get<{ h: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS h'))!.h)
    const rows = await ctx.values<[string, number]>(
      'SELECT xid::text, room_seq FROM search_changes WHERE xid >= CAST(? AS xid8)',
      this.horizon.toString()
    )
    const todo = new Set<number>()
    const applied = new Set<string>()
    for (const [xid, seq] of rows) {
      const key = `${xid}:${seq}`
      if (!this.applied.has(key)) todo.add(seq)
      if (BigInt(xid) >= next) applied.add(key)
    }
    if (todo.size > REBUILD_AFTER) {
      await this.build()
      return
    }
    for (const seq of todo) await this.reload(seq)
    this.applied = applied
    if (next > this.horizon) this.horizon = next
  }

  /**
   * PostgreSQL, on every renewal of this instance's liveness lease: records how far this index has read (an
   * instance whose record was dropped as dead rebuilds at its next search), then prunes what every live
   * instance has read.
   */
  async keep (): Promise<void> {
    if (this.reader === undefined) return
    if (this.built) {
      const kept = await this.ctx.run(
        'UPDATE search_readers SET horizon = CAST(? AS xid8), seen_ms = ? WHERE instance = ?',
        this.horizon.toString(),
        this.ctx.clock(),
        this.reader
      )
      if (kept === 0) this.built = false
    }
    await this.prune()
  }

  /**
   * Drops the readers of dead instances, then the changes below every remaining reader's horizon (all of them
   * when none is left: a new reader builds from the tables). The table lock orders this against a reader
   * registering (its INSERT waits), so a new reader's build reads the tables after the prune committed.
   */
  async prune (): Promise<number> {
    const ctx = this.ctx
    return await ctx.tx(async () => {
      await ctx.exec('LOCK TABLE search_readers IN SHARE ROW EXCLUSIVE MODE')
      await ctx.run(`DELETE FROM search_readers WHERE NOT ${aliveSql('search_readers.instance')}`)
      return await ctx.run(
        `DELETE FROM search_changes WHERE xid < coalesce((SELECT min(horizon) FROM search_readers),
          pg_snapshot_xmin(pg_current_snapshot()))`
      )
    })
  }

  /** The seqs of the page, in result order (newest first by the sort key, then id). */
  async search (q: IndexQuery): Promise<number[]> {
    await this.refresh()
    // Sorted by creation, with many candidates: walk the creation order and stop at the page's end. Not when
    // the page wants old activity: the newest spaces are the most active, so the walk would pass most of them.
    let mask: Uint32Array | undefined
    if (!q.byActivity && q.inactiveUpToMs === undefined && q.activeBeforeMs === undefined) {
      const m = this.mask(q)
      if (m === null) return []
      const candidates = m ? popcount(m) : this.cap
      // A walk passes every space in creation order, a scan only the candidates: the walk gets as many steps
      // as there are candidates, then gives way.
      // A title among other conditions thins the matches too much for a walk to pay; on its own it may not.
      if (candidates > WALK_AFTER && (q.title === undefined || !m)) {
        const page = this.walk(q, m, candidates / 4)
        if (page) return page
      }
      mask = m
    }
    const key = q.byActivity ? this.active : this.created
    const heap = new TopK(q.limit, key, this.ids)
    const after = q.after
    const ids = this.ids
    if (mask === undefined) {
      const m = this.mask(q)
      if (m === null) return []
      mask = m
    }
    this.collect(q, mask, undefined, false, { heap, key, after, ids })
    return heap.sorted()
  }

  /** Every space matching the conditions (the retention engine's policies), as seqs in no particular order. */
  async matches (q: Conditions): Promise<number[]> {
    await this.refresh()
    const mask = this.mask(q)
    if (mask === null) return []
    const n = this.collect(q, mask, undefined, true)
    return Array.from(this.found.subarray(0, n))
  }

  /**
   * Every space matching the conditions that is not in `exclude` (a bitset over seqs, as `emptySet` makes):
   * the retention engine's policies in precedence order, each seeing only the spaces no earlier one took.
   * The caller has refreshed the index.
   */
  forEachMatch (q: Conditions, exclude: Uint32Array, found: (seq: number) => void): void {
    const mask = this.mask(q)
    if (mask === null) return
    const n = this.collect(q, mask, exclude, true)
    const seqs = this.found
    for (let k = 0; k < n; k++) found(seqs[k])
  }

  /** An empty bitset over every seq, for `forEachMatch`'s exclusions. */
  emptySet (): Uint32Array {
    return new Uint32Array(this.present.words.length)
  }

  /** How many seqs the arrays hold (every seq is below it). */
  get capacity (): number {
    return this.cap
  }

  /** How many messages a space has, and how many of them were created before `ms`. */
  messages (seq: number, beforeMs?: number): number {
    const times = this.messageTimes[seq]
    if (!times) return 0
    if (beforeMs === undefined) return times.length
    let lo = 0
    let hi = times.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (times[mid] < beforeMs) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The spaces carrying a tag, as a bitset over seqs (the index's own: read it, never change it). */
  tagged (tagId: string): Uint32Array | undefined {
    return this.tags.get(tagId)?.words
  }

  /** When a space's oldest message was created (ms), if it has any. */
  oldestMessageMs (seq: number): number | undefined {
    return this.messageTimes[seq]?.[0]
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
    return { id: this.ids[seq], type: (this.facts[seq] & DIRECT) !== 0 ? 'direct' : 'group' }
  }

  /**
   * The page of a creation-sorted search by walking the creation order (the sorted array and the recent
   * spaces, merged), testing each space until `limit` match: a common condition set stops after a few
   * thousand spaces instead of passing over every one.
   */
  private walk (q: IndexQuery, mask: Uint32Array | undefined, budget: number): number[] | undefined {
    const test = this.tester(q, undefined)
    if (!test) return []
    const { created, ids } = this
    const before = (a: number, b: number): boolean =>
      created[a] > created[b] || (created[a] === created[b] && ids[a] > ids[b])
    const recent = this.recent.filter(seq => this.present.has(seq)).sort((a, b) => (before(a, b) ? -1 : 1))
    const after = q.after
    const past = (seq: number): boolean =>
      !after || created[seq] < after.ms || (created[seq] === after.ms && ids[seq] < after.id)
    // Where the page starts in the sorted array: the first space past the cursor (binary search).
    let i = 0
    if (after) {
      let hi = this.order.length
      while (i < hi) {
        const mid = (i + hi) >>> 1
        if (past(this.order[mid])) hi = mid
        else i = mid + 1
      }
    }
    let j = 0
    const out: number[] = []
    const order = this.order
    const present = this.present.words
    const bits = mask ?? present
    let steps = 0
    while (out.length < q.limit && (i < order.length || j < recent.length)) {
      // Matches too rare for a walk to pay: the scan over the candidates does better.
      if (++steps > budget) return undefined
      let seq: number
      if (j < recent.length && (i >= order.length || before(recent[j], order[i]))) seq = recent[j++]
      else seq = order[i++]
      const w = seq >>> 5
      const bit = 1 << (seq & 31)
      if ((bits[w] & bit) === 0 || (present[w] & bit) === 0) continue
      if (after && !past(seq)) continue
      if (test(seq)) out.push(seq)
    }
    return out
  }

  /** One space against every condition (the mask's bits, the scalar facts, the title); undefined: none can. */
  private tester (q: Conditions, mask: Uint32Array | undefined): ((seq: number) => boolean) | undefined {
    const orgIdx = this.orgs.find(q.orgId)
    if (orgIdx < 0) return undefined
    const clsIdx = q.classificationId !== undefined ? this.classes.find(q.classificationId) : -2
    if (clsIdx === -1) return undefined
    const needle = q.title !== undefined ? Buffer.from(foldAscii(q.title)) : undefined
    const [factMask, factWant] = wanted(q, orgIdx)
    // The conditions as local numbers: the query objects differ in shape, and reading their fields in the loop
    // would be a megamorphic property load per space.
    const activeAfter = q.activeAfterMs ?? -Infinity
    const activeBefore = q.activeBeforeMs ?? Infinity
    const inactiveUpTo = q.inactiveUpToMs ?? Infinity
    const { facts, cls, active } = this
    const has = (i: number, n: Uint8Array): boolean => this.titleHas(i, n)
    return i => {
      if (mask && ((mask[i >>> 5] >>> (i & 31)) & 1) === 0) return false
      if ((facts[i] & factMask) !== factWant) return false
      if (clsIdx >= 0 && cls[i] !== clsIdx) return false
      const a = active[i]
      if (a <= activeAfter || a >= activeBefore || a > inactiveUpTo) return false
      if (needle !== undefined && !has(i, needle)) return false
      return true
    }
  }

  /**
   * One pass over the organisation's spaces: the bitset conditions rule out 32 spaces a word, then each
   * remaining space's scalar facts are compared; the survivors are written to `this.found` (one buffer for
   * every pass, no callback per space), and their count returned. The title, the one check that touches
   * bytes, is left to the caller when `title` is false (search checks it only for spaces that would enter its
   * page). The caller has refreshed the index (its arrays may have been replaced).
   */
  private collect (
    q: Conditions,
    mask: Uint32Array | undefined,
    exclude: Uint32Array | undefined,
    title: boolean,
    top?: { heap: TopK; key: Float64Array; ids: string[]; after: { ms: number; id: string } | undefined }
  ): number {
    const orgIdx = this.orgs.find(q.orgId)
    if (orgIdx < 0) return 0
    const clsIdx = q.classificationId !== undefined ? this.classes.find(q.classificationId) : -2
    if (clsIdx === -1) return 0
    const needle = title && q.title !== undefined ? Buffer.from(foldAscii(q.title)) : undefined
    const [factMask, factWant] = wanted(q, orgIdx)
    // The conditions as local numbers: the query objects differ in shape, and reading their fields in the loop
    // would be a megamorphic property load per space.
    const activeAfter = q.activeAfterMs ?? -Infinity
    const activeBefore = q.activeBeforeMs ?? Infinity
    const inactiveUpTo = q.inactiveUpToMs ?? Infinity
    const { facts, cls, active } = this
    // A page's heap: once full, a space whose sort key is below its worst cannot enter, and that is the first
    // thing looked at (one array read instead of three for most spaces); the title is read last.
    const heap = top?.heap
    const key = top?.key ?? active
    const after = top?.after
    const ids = top?.ids ?? []
    const topNeedle = top && q.title !== undefined ? Buffer.from(foldAscii(q.title)) : undefined
    let floor = -Infinity
    if (this.found.length < this.cap) this.found = new Int32Array(this.cap)
    const out = this.found
    let n = 0
    const words = mask ?? this.present.words
    const present = this.present.words
    for (let w = 0; w < words.length; w++) {
      let bits = words[w] & present[w] & (exclude ? ~exclude[w] : -1)
      while (bits !== 0) {
        const low = bits & -bits
        bits ^= low
        const i = (w << 5) | (31 - Math.clz32(low))
        if (heap && key[i] < floor) continue
        if ((facts[i] & factMask) !== factWant) continue
        if (clsIdx >= 0 && cls[i] !== clsIdx) continue
        const a = active[i]
        if (a <= activeAfter || a >= activeBefore || a > inactiveUpTo) continue
        if (needle !== undefined && !this.titleHas(i, needle)) continue
        if (heap) {
          const ki = key[i]
          if (after && !(ki < after.ms || (ki === after.ms && ids[i] < after.id))) continue
          if (!heap.wouldKeep(i)) continue
          if (topNeedle !== undefined && !this.titleHas(i, topNeedle)) continue
          heap.add(i)
          floor = heap.worstKey()
          continue
        }
        out[n++] = i
      }
    }
    return n
  }

  /** The AND of the bitset conditions (tags, domains, groups); undefined: none given; null: nothing can match. */
  private mask (q: Conditions): Uint32Array | undefined | null {
    // One buffer for every search (they run one at a time): a mask a search allocated would be garbage at
    // once, 125 KB per condition at a million spaces.
    const n = this.present.words.length
    if (this.maskBuf.length !== n) this.maskBuf = new Uint32Array(n)
    const out = this.maskBuf
    let started = false
    const apply = (term: (w: number) => number): void => {
      if (!started) {
        for (let w = 0; w < n; w++) out[w] = term(w)
        started = true
      } else {
        for (let w = 0; w < n; w++) out[w] &= term(w)
      }
    }
    const flag = (b: Bits | undefined, complement: boolean): void => {
      const words = b?.words
      apply(complement ? w => ~(words?.[w] ?? 0) : w => words?.[w] ?? 0)
    }
    const any = (sets: Array<Bits | undefined>): void => {
      const words = sets.filter((x): x is Bits => x !== undefined).map(x => x.words)
      apply(w => {
        let v = 0
        for (const s of words) v |= s[w] ?? 0
        return v
      })
    }
    if (q.classificationId !== undefined) flag(this.classBits.get(q.classificationId), false)
    if (q.type !== undefined) flag(this.flagBits.get('direct'), q.type !== 'direct')
    if (q.scope !== undefined) flag(this.flagBits.get('external'), q.scope !== 'external')
    if (q.tags) {
      if (q.tags.ids.length === 0) return null
      if (q.tags.all) for (const id of q.tags.ids) any([this.tags.get(id)])
      else any(q.tags.ids.map(id => this.tags.get(id)))
    }
    if (q.domains) {
      if (q.domains.length === 0) return null
      any(q.domains.map(d => this.domains.get(d)))
    }
    if (q.groups) {
      if (q.groups.length === 0) return null
      any(q.groups.map(g => this.groups.get(g)))
    }
    return started ? out : undefined
  }

  private async build (): Promise<void> {
    const ctx = this.ctx
    if (this.reader !== undefined) {
      // Register (or move back) this reader's horizon first: every change below it is in the tables read below.
      const row = await ctx.get<{ h: string }>(
        `INSERT INTO search_readers (instance, horizon, seen_ms) VALUES (?, pg_snapshot_xmin(pg_current_snapshot()), ?)
        ON CONFLICT (instance) DO UPDATE SET horizon = excluded.horizon, seen_ms = excluded.seen_ms
        RETURNING horizon::text AS h`,
        this.reader,
        ctx.clock()
      )
      this.horizon = BigInt(row!.h)
      this.applied = new Set()
    } else {
      // Forget what is dirty first: everything is read fresh below, in this same synchronous turn.
      await ctx.tx(async () => await ctx.run('DELETE FROM search_dirty'))
    }
    this.built = false
    const max = await (await ctx.get<{ m: number | null }>('SELECT max(seq) AS m FROM rooms'))?.m ?? 0
    this.cap = 0
    this.present = new Bits(0)
    this.tags = new Map()
    this.domains = new Map()
    this.groups = new Map()
    this.classBits = new Map()
    this.flagBits = new Map()
    this.sortedSet = new Bits(0)
    this.recent = []
    this.messageTimes = []
    this.titleEnd = 0
    this.ensure(max + 1)
    await ctx.scan<[number, string, string, string | null, string, string, string, string | null, number]>(
      'SELECT seq, id, org_id, title, type, created, last_activity, classification_id, external_count FROM rooms',
      [],
      r => this.put(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
    )
    await ctx.scan<[number, string]>('SELECT room_seq, tag_id FROM space_tags', [], ([seq, tag]) =>
      this.bit(this.tags, tag, seq)
    )
    await ctx.scan<[number, string]>(
      'SELECT r.seq, d.domain FROM room_domains d JOIN rooms r ON r.id = d.room_id',
      [],
      ([seq, domain]) => this.bit(this.domains, domain, seq)
    )
    await ctx.scan<[number, string]>(
      `SELECT DISTINCT r.seq, g.group_id FROM group_members g JOIN memberships m ON m.person_id = g.person_id
      JOIN rooms r ON r.id = m.room_id`,
      [],
      ([seq, group]) => this.bit(this.groups, group, seq)
    )
    // Message times by space, in one ordered pass: each space's run of times becomes one small array.
    let run: number[] = []
    let runSeq = -1
    const flush = (): void => {
      if (runSeq >= 0 && run.length > 0) this.messageTimes[runSeq] = Float64Array.from(run)
    }
    await ctx.scan<[number, string]>(
      `SELECT r.seq, m.created FROM messages m ${ctx.dialect.indexedBy('messages_room_created')}
        ${ctx.dialect.orderedJoin} rooms r ON r.id = m.room_id ORDER BY m.room_id, m.created`,
      [],
      ([seq, created]) => {
        if (seq !== runSeq) {
          flush()
          run = []
          runSeq = seq
        }
        run.push(Date.parse(created))
      }
    )
    flush()
    this.sortOrder()
    this.built = true
  }

  private async reload (seq: number): Promise<void> {
    const ctx = this.ctx
    for (const m of [this.tags, this.domains, this.groups, this.classBits, this.flagBits]) {
      for (const b of m.values()) if (seq < this.cap) b.clear(seq)
    }
    const r = await ctx.get<{
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
      this.messageTimes[seq] = undefined
      return
    }
    this.ensure(seq + 1)
    this.put(seq, r.id, r.org_id, r.title, r.type, r.created, r.last_activity, r.classification_id, r.external_count)
    const times = await ctx.values<[string]>('SELECT created FROM messages WHERE room_id = ? ORDER BY created', r.id)
    this.messageTimes[seq] = times.length > 0 ? Float64Array.from(times, t => Date.parse(t[0])) : undefined
    for (const t of await ctx.all<{ tag_id: string }>('SELECT tag_id FROM space_tags WHERE room_seq = ?', seq)) {
      this.bit(this.tags, t.tag_id, seq)
    }
    for (const d of await ctx.all<{ domain: string }>('SELECT domain FROM room_domains WHERE room_id = ?', r.id)) {
      this.bit(this.domains, d.domain, seq)
    }
    for (const g of await ctx.all<{ group_id: string }>(
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
    this.putTitle(seq, title === null ? null : foldAscii(title))
    this.facts[seq] = (this.orgs.of(orgId) << 2) | (type === 'direct' ? DIRECT : 0) | (external > 0 ? EXTERNAL : 0)
    this.created[seq] = Date.parse(created)
    this.active[seq] = Date.parse(active)
    this.cls[seq] = cls === null ? -1 : this.classes.of(cls)
    if (type === 'direct') this.bit(this.flagBits, 'direct', seq)
    if (external > 0) this.bit(this.flagBits, 'external', seq)
    if (cls !== null) this.bit(this.classBits, cls, seq)
    if (this.built && !this.sortedSet.has(seq)) {
      this.sortedSet.set(seq)
      this.recent.push(seq)
      if (this.recent.length > RESORT_AFTER) this.sortOrder()
    }
  }

  private putTitle (seq: number, title: string | null): void {
    if (title === null) {
      this.titleLen[seq] = -1
      return
    }
    const bytes = Buffer.from(title)
    if (this.titleEnd + bytes.length > this.titleBytes.length) {
      const next = new Uint8Array(Math.max(this.titleBytes.length * 2, this.titleEnd + bytes.length))
      next.set(this.titleBytes.subarray(0, this.titleEnd))
      this.titleBytes = next
    }
    this.titleBytes.set(bytes, this.titleEnd)
    this.titleAt[seq] = this.titleEnd
    this.titleLen[seq] = bytes.length
    this.titleEnd += bytes.length
  }

  /** Whether a space's folded title contains `needle` (ASCII bytes, so a byte match is a character match). */
  private titleHas (seq: number, needle: Uint8Array): boolean {
    const len = this.titleLen[seq]
    const k = needle.length
    if (len < k) return false
    const t = this.titleBytes
    const start = this.titleAt[seq]
    const first = needle[0]
    for (let p = start, last = start + len - k; p <= last; p++) {
      if (t[p] !== first) continue
      let q = 1
      while (q < k && t[p + q] === needle[q]) q++
      if (q === k) return true
    }
    return false
  }

  /** The creation order of every space, sorted anew (at build, and when many were added since). */
  private sortOrder (): void {
    const seqs: number[] = []
    const words = this.present.words
    for (let w = 0; w < words.length; w++) {
      let bits = words[w]
      while (bits !== 0) {
        const low = bits & -bits
        bits ^= low
        seqs.push((w << 5) | (31 - Math.clz32(low)))
      }
    }
    this.order = this.ordered(seqs, false)
    this.sortedSet = new Bits(this.cap)
    for (const seq of seqs) this.sortedSet.set(seq)
    this.recent = []
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
    this.facts = grow(this.facts, n => new Int32Array(n))
    this.created = grow(this.created, n => new Float64Array(n))
    this.active = grow(this.active, n => new Float64Array(n))
    this.cls = grow(this.cls, n => new Int32Array(n))
    this.titleAt = grow(this.titleAt, n => new Int32Array(n))
    this.titleLen = grow(this.titleLen, n => new Int32Array(n).fill(-1))
    this.present.grow(cap)
    this.sortedSet.grow(cap)
    for (const m of [this.tags, this.domains, this.groups, this.classBits, this.flagBits]) {
      for (const b of m.values()) b.grow(cap)
    }
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

  /** The key of the worst row kept once the heap is full (nothing below it can enter), else -Infinity. */
  worstKey (): number {
    return this.heap.length < this.k ? -Infinity : this.key[this.heap[0]]
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
