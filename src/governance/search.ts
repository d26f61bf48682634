import { BadRequestError } from '../errors.js'
import { decodeId } from '../ids.js'
import type { Caller, Page } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { decodeCursor, toPage, type CursorKey } from '../store/cursor.js'
import { titleFor } from '../spaces/space.js'
import { toRoom, type RoomRow } from '../domain/rows.js'
import type { GovernedSpace, PolicyConditions, SearchQuery, SpaceConditions } from '../schemas/governance.js'
import { tagIdsByName } from './tags.js'
import { indexableTitle, SearchIndex, type Conditions as IndexConditions } from './search-index.js'

export type GovernedRow = RoomRow & {
  member_count: number
  external_count: number
  classification_id: string | null
  is_blocked: number
}

const DAY = 86_400_000
const trigrams = (title: string): boolean => [...title].length >= 3 && !/[\\%_]/.test(title)
const list = (csv: string | undefined): string[] =>
  (csv ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)

/** Conditions in the one shape both search (comma lists) and policies (arrays) reduce to. */
export interface Conditions {
  title?: string
  tags?: string[]
  tagsMode?: string
  groups?: string[]
  scope?: string
  domains?: string[]
  type?: string
  activeAfter?: string
  activeBefore?: string
  inactiveDays?: number
  classificationId?: string
}

export function fromQuery (q: SpaceConditions): Conditions {
  return {
    ...q,
    tags: q.tags === undefined ? undefined : list(q.tags),
    groups: q.groups === undefined ? undefined : list(q.groups),
    domains: q.domains === undefined ? undefined : list(q.domains).map(d => d.toLowerCase()),
  } as Conditions
}
export function fromPolicy (c: PolicyConditions): Conditions {
  return { ...c } as Conditions
}

/**
 * The WHERE clause for a set of conditions over `rooms r` of one organisation. Search and the retention
 * engine both use it, so what a policy matches is exactly what the same search shows.
 */
export async function conditionSql (
  ctx: Ctx,
  orgId: string,
  c: Conditions,
  now: number
): Promise<{ where: string[]; params: unknown[] }> {
  const where = ['r.org_id = ?']
  const params: unknown[] = [orgId]
  if (c.title !== undefined) {
    // The trigram index answers substrings of 3+ characters without LIKE wildcards in them; others scan.
    if (trigrams(c.title)) {
      where.push(`r.seq IN (SELECT rowid FROM room_titles WHERE title ${ctx.dialect.ilike} ?)`)
      params.push(`%${c.title}%`)
    } else {
      where.push(`r.title ${ctx.dialect.ilike} ? ESCAPE '\\'`)
      params.push('%' + c.title.replace(/[\\%_]/g, ch => '\\' + ch) + '%')
    }
  }
  if (c.tags !== undefined) {
    const ids = await tagIdsByName(ctx, orgId, c.tags)
    if (ids.length === 0) {
      where.push('0')
    } else if (c.tagsMode === 'all') {
      for (const id of ids) {
        where.push('r.seq IN (SELECT room_seq FROM space_tags WHERE tag_id = ?)')
        params.push(id)
      }
    } else {
      where.push(`r.seq IN (SELECT room_seq FROM space_tags WHERE tag_id IN (${ids.map(() => '?').join(',')}))`)
      params.push(...ids)
    }
  }
  if (c.groups !== undefined) {
    if (c.groups.length === 0) {
      where.push('0')
    } else {
      where.push(`EXISTS (SELECT 1 FROM memberships m JOIN group_members g ON g.person_id = m.person_id
        WHERE m.room_id = r.id AND g.group_id IN (${c.groups.map(() => '?').join(',')}))`)
      params.push(...c.groups)
    }
  }
  if (c.scope === 'internal') where.push('r.external_count = 0')
  if (c.scope === 'external') where.push('r.external_count > 0')
  if (c.domains !== undefined) {
    if (c.domains.length === 0) {
      where.push('0')
    } else {
      where.push(
        `EXISTS (SELECT 1 FROM room_domains d WHERE d.room_id = r.id AND d.domain IN
          (${c.domains.map(() => '?').join(',')}))`
      )
      params.push(...c.domains)
    }
  }
  if (c.type !== undefined) {
    where.push('r.type = ?')
    params.push(c.type)
  }
  if (c.activeAfter !== undefined) {
    where.push('r.last_activity > ?')
    params.push(new Date(c.activeAfter).toISOString())
  }
  if (c.activeBefore !== undefined) {
    where.push('r.last_activity < ?')
    params.push(new Date(c.activeBefore).toISOString())
  }
  if (c.inactiveDays !== undefined) {
    where.push('r.last_activity <= ?')
    params.push(new Date(now - c.inactiveDays * DAY).toISOString())
  }
  if (c.classificationId !== undefined) {
    where.push('r.classification_id = ?')
    params.push(c.classificationId)
  }
  return { where, params }
}

export async function toGoverned (ctx: Ctx, r: GovernedRow, viewerId: string): Promise<GovernedSpace> {
  return (await governedRows(ctx, [r], viewerId))[0]
}

/**
 * Rows as search shows them: their external domains, tag names and (for 1:1 spaces the viewer is not in) both
 * names read with one query each for the whole page, not per row.
 */
export async function governedRows (ctx: Ctx, rows: GovernedRow[], viewerId: string): Promise<GovernedSpace[]> {
  if (rows.length === 0) return []
  const marks = rows.map(() => '?').join(',')
  const group = <K, V>(pairs: Array<[K, V]>): Map<K, V[]> => {
    const m = new Map<K, V[]>()
    for (const [k, v] of pairs) {
      const list = m.get(k)
      if (list) list.push(v)
      else m.set(k, [v])
    }
    return m
  }
  const domains = group(
    await ctx.values<[string, string]>(
      `SELECT room_id, domain FROM room_domains WHERE room_id IN (${marks}) ORDER BY room_id, domain`,
      ...rows.map(r => r.id)
    )
  )
  const tags = group(
    await ctx.values<[number, string]>(
      `SELECT s.room_seq, t.name FROM space_tags s JOIN tags t ON t.id = s.tag_id WHERE s.room_seq IN (${marks})
        ORDER BY s.room_seq, t.name`,
      ...rows.map(r => r.seq)
    )
  )
  const direct = rows.filter(r => r.type === 'direct').map(r => r.id)
  const names =
    direct.length === 0
      ? new Map<string, Array<[string, string]>>()
      : group(
        (
          await ctx.values<[string, string, string]>(
            `SELECT m.room_id, m.person_id, p.display_name FROM memberships m JOIN people p ON p.id = m.person_id
              WHERE m.room_id IN (${direct.map(() => '?').join(',')}) ORDER BY m.room_id, p.display_name`,
            ...direct
          )
        ).map(([room, person, name]) => [room, [person, name] as [string, string]])
      )
  return rows.map(r => {
    let title = r.title ?? ''
    if (r.type === 'direct') {
      const people = names.get(r.id) ?? []
      // Seen from outside, a 1:1 space is named after both people; from inside, after the other one.
      title = people.some(([id]) => id === viewerId)
        ? (people.find(([id]) => id !== viewerId)?.[1] ?? title)
        : people.map(([, name]) => name).join(' & ')
    }
    // Filled in place rather than spread into a second object: a page of search results makes a hundred.
    const g = toRoom(r, title) as GovernedSpace
    g.memberCount = r.member_count
    g.externalMemberCount = r.external_count
    g.externalDomains = domains.get(r.id) ?? []
    g.tags = tags.get(r.seq) ?? []
    g.isBlocked = r.is_blocked === 1
    return g
  })
}

/** Seen from outside, a 1:1 space is named after both people. */
export async function governedTitle (
  ctx: Ctx,
  r: Pick<RoomRow,
  'id' | 'type' | 'title'>,
  viewerId: string
): Promise<string> {
  if (r.type === 'direct' && !await ctx.membership(r.id, viewerId)) {
    return (await ctx
      .all<{ n: string }>(
        'SELECT p.display_name AS n FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.room_id = ? ORDER ' +
          'BY p.display_name',
        r.id
      ))
      .map(x => x.n)
      .join(' & ')
  }
  return titleFor(ctx, r as RoomRow, viewerId)
}

const SORTS = {
  created: {
    order: 'r.created DESC, r.id DESC',
    after: '(r.created < ? OR (r.created = ? AND r.id < ?))',
    key: (r: RoomRow) => [r.created, r.id],
  },
  lastactivity: {
    order: 'r.last_activity DESC, r.id DESC',
    after: '(r.last_activity < ? OR (r.last_activity = ? AND r.id < ?))',
    key: (r: RoomRow) => [r.last_activity, r.id],
  },
}

/** A search's conditions, validated: 400 for a classification or group id that is not one. */
export function searchConditions (q: SpaceConditions): Conditions {
  const c = fromQuery(q)
  if (c.classificationId !== undefined) {
    const local = decodeId('CLASSIFICATION', c.classificationId)
    if (!local) throw new BadRequestError('classificationId is not a valid classification id.')
    c.classificationId = local
  }
  if (c.groups) c.groups = c.groups.map(g => decodeGroup(g))
  return c
}

/**
 * Every space matching the conditions, in search's order (newest first by the sort key, then id): the seqs
 * only, so an export of a million spaces holds one number per space.
 */
export async function matchingSeqs (
  ctx: Ctx,
  orgId: string,
  c: Conditions,
  byActivity: boolean
): Promise<Int32Array | number[]> {
  const indexed = await indexConditions(ctx, orgId, c, ctx.clock())
  if (indexed) return searchIndex(ctx).ordered(await searchIndex(ctx).matches(indexed), byActivity)
  const { where, params } = await conditionSql(ctx, orgId, c, ctx.clock())
  const sort = byActivity ? SORTS.lastactivity : SORTS.created
  return (
    await ctx.values<[number]>(
      `SELECT r.seq FROM rooms r WHERE ${where.join(' AND ')} ORDER BY ${sort.order}`,
      ...params
    )
  ).map(r => r[0])
}

/** Advanced search over every space of the caller's organisation (the caller need not be a member). */
export async function searchSpaces (
  ctx: Ctx,
  caller: Caller,
  q: Omit<SearchQuery, 'max'> & { max: number }
): Promise<Page<GovernedSpace>> {
  const c = searchConditions(q)
  const sort = SORTS[(q.sortBy ?? 'created') as keyof typeof SORTS]
  const after = decodeCursor(q.cursor, ['string', 'string'])
  const indexed = await indexConditions(ctx, caller.orgId, c, ctx.clock())
  if (indexed) return indexedSearch(ctx, caller, indexed, q.sortBy === 'lastactivity', after, q.max)
  const { where, params } = await conditionSql(ctx, caller.orgId, c, ctx.clock())
  if (after) {
    where.push(sort.after)
    params.push(after[0], after[0], after[1])
  }
  const driver = await smallestDriver(ctx, caller.orgId, c)
  // With a selective condition, start from its few candidate spaces (CROSS JOIN keeps that loop order);
  // otherwise walk the sort index and stop at the page's end.
  const from = driver
    ? `(${driver.sql}) AS c ${ctx.dialect.orderedJoin} rooms r ON r.seq = c.seq`
    : `rooms r INDEXED BY ${walkIndex(c, sort === SORTS.created)}`
  const rows = await ctx.all<GovernedRow>(
    `SELECT r.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${sort.order} LIMIT ?`,
    ...(driver?.params ?? []),
    ...params,
    q.max + 1
  )
  return governedPage(ctx, rows, q.max, caller.personId, sort.key)
}

/** A page of search results: the first `max` rows shown, a cursor when there are more. */
async function governedPage (
  ctx: Ctx,
  rows: GovernedRow[],
  max: number,
  viewerId: string,
  key: (r: GovernedRow) => CursorKey
): Promise<Page<GovernedSpace>> {
  const page = await toPage(rows, max, r => r, key)
  return { ...page, items: await governedRows(ctx, page.items, viewerId) }
}

const indexes = new WeakMap<Ctx, SearchIndex>()

/** The store's search index, made on first use. */
export function searchIndex (ctx: Ctx): SearchIndex {
  let index = indexes.get(ctx)
  if (!index) {
    index = new SearchIndex(ctx)
    indexes.set(ctx, index)
  }
  return index
}

/** The conditions in the index's terms; undefined when only SQL can answer them (a title beyond printable ASCII). */
export async function indexConditions (
  ctx: Ctx,
  orgId: string,
  c: Conditions,
  now: number
): Promise<IndexConditions | undefined> {
  if (c.title !== undefined && !indexableTitle(c.title)) return undefined
  const ms = (iso: string | undefined): number | undefined =>
    iso === undefined ? undefined : Date.parse(new Date(iso).toISOString())
  return {
    orgId,
    ...(c.title !== undefined ? { title: c.title } : {}),
    ...(c.tags !== undefined
      ? {
          tags: {
            ids: await tagIdsByName(
              ctx,
              orgId,
              c.tags
            ),
            all: c.tagsMode === 'all'
          }
        }
      : {}),
    ...(c.groups !== undefined ? { groups: c.groups } : {}),
    ...(c.domains !== undefined ? { domains: c.domains } : {}),
    ...(c.scope !== undefined ? { scope: c.scope } : {}),
    ...(c.type !== undefined ? { type: c.type } : {}),
    ...(c.activeAfter !== undefined ? { activeAfterMs: ms(c.activeAfter) } : {}),
    ...(c.activeBefore !== undefined ? { activeBeforeMs: ms(c.activeBefore) } : {}),
    ...(c.inactiveDays !== undefined ? { inactiveUpToMs: now - c.inactiveDays * DAY } : {}),
    ...(c.classificationId !== undefined ? { classificationId: c.classificationId } : {}),
  }
}

/**
 * The search through the in-memory index (see search-index.ts): the same conditions as conditionSql, then the
 * page's rows read by seq.
 */
async function indexedSearch (
  ctx: Ctx,
  caller: Caller,
  c: IndexConditions,
  byActivity: boolean,
  after: CursorKey | undefined,
  max: number
): Promise<Page<GovernedSpace>> {
  const seqs = await searchIndex(ctx).search({
    ...c,
    byActivity,
    limit: max + 1,
    ...(after ? { after: { ms: Date.parse(String(after[0])), id: String(after[1]) } } : {}),
  })
  const rows =
    seqs.length === 0
      ? []
      : await ctx.all<GovernedRow>(`SELECT * FROM rooms WHERE seq IN (${seqs.map(() => '?').join(',')})`, ...seqs)
  const bySeq = new Map(rows.map(r => [r.seq, r]))
  const ordered = seqs.map(seq => bySeq.get(seq)).filter((r): r is GovernedRow => r !== undefined)
  const sort = byActivity ? SORTS.lastactivity : SORTS.created
  return governedPage(ctx, ordered, max, caller.personId, sort.key)
}

/** Candidate sets beyond this size are cheaper to find by walking the sort index (measured at 1M spaces). */
const DRIVER_CAP = 50_000

/**
 * The index to walk in sort order until the page is full: the narrowest one that keeps the order (a
 * classification's, or the external spaces' partial index), never one that would need a sort of the
 * whole organisation.
 */
function walkIndex (c: Conditions, byCreated: boolean): string {
  if (!byCreated) return 'rooms_org_activity'
  if (c.classificationId !== undefined) return 'rooms_org_classification'
  if (c.scope === 'external') return 'rooms_org_external'
  return 'rooms_org_created'
}

/**
 * The condition with the fewest candidate spaces, if any has at most DRIVER_CAP: the indexed ones (external
 * domains, directory groups, tags, title trigrams), each as a query of room seqs.
 */
async function smallestDriver (
  ctx: Ctx,
  orgId: string,
  c: Conditions
): Promise<{ sql: string; params: unknown[] } | undefined> {
  const drivers: Array<{ sql: string; params: unknown[] }> = []
  const marks = (xs: unknown[]): string => xs.map(() => '?').join(',')
  if (c.domains?.length) {
    drivers.push({
      sql: `SELECT DISTINCT r2.seq FROM room_domains d JOIN rooms r2 ON r2.id = d.room_id WHERE d.domain IN
        (${marks(c.domains)})`,
      params: c.domains,
    })
  }
  if (c.groups?.length) {
    drivers.push({
      sql: `SELECT DISTINCT r2.seq FROM group_members g JOIN memberships m ON m.person_id = g.person_id JOIN rooms r2
        ON r2.id = m.room_id
        WHERE g.group_id IN (${marks(c.groups)})`,
      params: c.groups,
    })
  }
  if (c.tags?.length) {
    const ids = await tagIdsByName(ctx, orgId, c.tags)
    const first = c.tagsMode === 'all' ? ids.slice(0, 1) : ids
    drivers.push({
      sql: `SELECT DISTINCT room_seq AS seq FROM space_tags WHERE tag_id IN (${marks(first)})`,
      params: first,
    })
  }
  if (c.title !== undefined && trigrams(c.title)) {
    drivers.push({
      sql: `SELECT rowid AS seq FROM room_titles WHERE title ${ctx.dialect.ilike} ?`,
      params: [`%${c.title}%`],
    })
  }
  let best: { sql: string; params: unknown[]; n: number } | undefined
  for (const d of drivers) {
    const n =
      await (await ctx.get<{ n: number }>(
        `SELECT count(*) AS n FROM (${d.sql} LIMIT ${DRIVER_CAP + 1})`,
        ...d.params
      ))?.n ?? 0
    if (n <= DRIVER_CAP && (!best || n < best.n)) best = { ...d, n }
  }
  return best
}

export function decodeGroup (id: string): string {
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new BadRequestError(`'${id}' is not a valid group id.`)
  return id
}
