/**
 * Governance at scale, in a process of its own so its peak RSS is its own: seeds SPACES spaces (members,
 * external domains, tags, classifications, groups, activity spread over two years, messages) into a temp
 * store through the real schema and its triggers, then times advanced searches and a whole-org retention plan.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EmbeddedBackend } from '../src/backends/embedded/index.js'
import type { SqliteStore } from '../src/store/sqlite-store.js'
import { DEMO } from '../src/demo.js'
import { encodeId, newUuid, stableUuid } from '../src/ids.js'
import { searchSpaces } from '../src/governance/search.js'
import { classifications } from '../src/governance/spaces.js'
import { plan } from '../src/governance/retention.js'
import { createPolicy, lockPolicy } from '../src/governance/policies.js'
import { createHold } from '../src/governance/holds.js'
import { buildApp } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { createTag } from '../src/governance/tags.js'
import { createGroup } from '../src/governance/groups.js'
import { percentile } from './child.js'

const SPACES = Number(process.env.BENCH_SPACES ?? 1_000_000)
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300) + 30
const DAY = 86_400_000
const now = Date.parse('2026-11-01T00:00:00.000Z')

// A deterministic generator, so every run measures the same data.
let state = 42
const rand = (): number => {
  state = (state * 1103515245 + 12345) % 2147483648
  return state / 2147483648
}
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]

// BENCH_STORE=dir keeps (or reuses) the seeded store, for tuning runs; by default a temp store is removed.
const keep = process.env.BENCH_STORE
const reuse = keep !== undefined && existsSync(join(keep, 'webex.db'))
const dir = keep ?? mkdtempSync(join(tmpdir(), 'webex-governance-'))
const backend = await EmbeddedBackend.open({ dataDir: dir, seedDemo: true, clock: () => now, readCache: false })
const ctx = backend.ctx
// Bulk loading goes straight to the SQLite connection, inside the store's transactions.
const db = (ctx.store as SqliteStore).db
const carol = (await backend.authenticate(DEMO.tokens.carol))!
const org = carol.orgId
const t0 = performance.now()

let tagNames = ['Finance', 'PII', 'HR', 'Legal', 'Projects']
const levels = (await classifications(ctx, org)).map(c => c.id)
const levelLocal = levels.map((_, rank) => stableUuid(`classification:${org}:${rank}`))
let group = ''
const words = [
  'alpha',
  'budget',
  'launch',
  'review',
  'sync',
  'design',
  'quarterly',
  'incident',
  'hiring',
  'roadmap',
  'client',
  'audit',
]
if (!reuse) {
  // People: 5,000 internal, 1,000 external across 50 partner domains.
  const internal: string[] = []
  const external: string[] = []
  await ctx.tx(async () => {
    const ins = db.prepare(
      'INSERT INTO people (id, org_id, email, display_name, first_name, last_name, created) VALUES (?,?,?,?,?,?,?)'
    )
    for (let i = 0; i < 5000; i++) {
      const id = newUuid()
      internal.push(id)
      ins.run(id, org, `user${i}@example.com`, `User ${i}`, 'User', String(i), new Date(now).toISOString())
    }
    for (let d = 0; d < 50; d++) {
      const extOrg = stableUuid(`bench-org-${d}`)
      await ctx.run(
        'INSERT INTO orgs (id, name, domain, created) VALUES (?,?,?,?)',
        extOrg,
        `partner${d}`,
        `partner${d}.test`,
        new Date(now).toISOString()
      )
      for (let i = 0; i < 20; i++) {
        const id = newUuid()
        external.push(id)
        ins.run(
          id,
          extOrg,
          `guest${i}@partner${d}.test`,
          `Guest ${d}.${i}`,
          'Guest',
          `${d}.${i}`,
          new Date(now).toISOString()
        )
      }
    }
  })
  const tagIds: string[] = []
  for (const name of tagNames) tagIds.push((await createTag(ctx, carol, name)).id)
  group = (await createGroup(ctx, carol, {
    name: 'Board',
    memberEmails: Array.from({ length: 50 }, (_, i) => `user${i}@example.com`),
  })).id

  const BATCH = 20_000
  for (let start = 0; start < SPACES; start += BATCH) {
    await ctx.tx(async () => {
      const room =
        db.prepare(`INSERT INTO rooms (id, title, type, is_locked, creator_id, org_id, direct_key, created,
          last_activity,
          classification_id)
      VALUES (?,?,?,0,?,?,?,?,?,?)`)
      const member = db.prepare('INSERT INTO memberships (room_id, person_id, is_moderator, created) VALUES (?,?,0,?)')
      const tag = db.prepare('INSERT INTO space_tags (room_seq, tag_id) VALUES (?,?) ON CONFLICT DO NOTHING')
      const message =
        db.prepare(`INSERT INTO messages (id, room_id, person_id, text, files, mentioned_people, mentioned_groups,
          created)
      VALUES (?,?,?,?,'[]','[]','[]',?)`)
      for (let i = start; i < Math.min(SPACES, start + BATCH); i++) {
        const id = newUuid()
        const direct = rand() < 0.3
        const a = pick(internal)
        const b = direct ? pick(internal) : undefined
        const created = now - Math.floor(rand() * 730) * DAY
        const active = created + Math.floor(rand() * (now - created))
        const info = room.run(
          id,
          direct ? null : `${pick(words)} ${pick(words)} ${i}`,
          direct ? 'direct' : 'group',
          a,
          org,
          direct ? `${id}:direct` : null,
          new Date(created).toISOString(),
          new Date(active).toISOString(),
          rand() < 0.5 ? pick(levelLocal) : null
        )
        member.run(id, a, new Date(created).toISOString())
        if (direct) {
          if (b !== a) member.run(id, b, new Date(created).toISOString())
        } else {
          const others = 1 + Math.floor(rand() * 4)
          const seen = new Set([a])
          for (let k = 0; k < others; k++) {
            const p = pick(internal)
            if (!seen.has(p)) {
              seen.add(p)
              member.run(id, p, new Date(created).toISOString())
            }
          }
          if (rand() < 0.12) member.run(id, pick(external), new Date(created).toISOString())
          if (rand() < 0.25) tag.run(info.lastInsertRowid, pick(tagIds))
          if (rand() < 0.05) tag.run(info.lastInsertRowid, tagIds[1])
        }
        if (i % 5 === 0) {
          for (let k = 0; k < 2; k++) {
            message.run(
              newUuid(),
              id,
              a,
              'hello',
              new Date(created + Math.floor(rand() * (active - created + 1))).toISOString()
            )
          }
        }
      }
    })
  }
}
group = (await ctx.get<{ id: string }>('SELECT id FROM directory_groups WHERE org_id = ?', org))!.id
tagNames = (await ctx.all<{ name: string }>('SELECT name FROM tags WHERE org_id = ?', org)).map(t => t.name)
const seeded = (performance.now() - t0) / 1000

if (!reuse) {
  for (const [name, days, conditions] of [
    ['Finance 1 year', 365, { tags: ['Finance'] }],
    ['External 180 days', 180, { scope: 'external' }],
    ['Confidential 90 days', 90, { classificationId: levelLocal[2] }],
    ['Stale spaces', 400, { inactiveDays: 400 }],
  ] as const) {
    await createPolicy(ctx, carol, {
      name,
      action: name === 'Stale spaces' ? 'deleteSpaces' : 'deleteMessages',
      days,
      conditions: conditions as never,
    })
  }
}

// The load on top: 100 locked policies and 10,000 legal holds (spaces, people, a tag), made once.
const LOCKED = Number(process.env.BENCH_LOCKED_POLICIES ?? 100)
const HOLDS = Number(process.env.BENCH_HOLDS ?? 10_000)
const h0 = performance.now()
const locked = await ctx.get<{ n: number }>('SELECT count(*) AS n FROM retention_policies WHERE locked IS NOT NULL')
if ((locked?.n ?? 0) === 0) {
  for (let i = 0; i < LOCKED; i++) {
    const conditions = [
      { tags: [pick(tagNames)] },
      { classificationId: pick(levelLocal), scope: pick(['internal', 'external']) },
      { tags: [pick(tagNames), pick(tagNames)], inactiveDays: pick([30, 90, 180]) },
      { scope: 'external', classificationId: pick(levelLocal) },
      { groups: [group] },
    ][i % 5]
    const p = await createPolicy(ctx, carol, {
      name: `Locked ${i}`,
      action: i % 10 === 9 ? 'deleteSpaces' : 'deleteMessages',
      days: 60 + Math.floor(rand() * 3000),
      conditions: conditions as never,
      noticeDays: [30, 7, 1],
    })
    await lockPolicy(ctx, carol, p.id)
  }
}
if (((await ctx.get<{ n: number }>('SELECT count(*) AS n FROM legal_holds'))?.n ?? 0) === 0) {
  const rooms = db
    .prepare('SELECT id FROM rooms WHERE org_id = ? ORDER BY random() LIMIT ?')
    .pluck()
    .all(org, HOLDS) as string[]
  const people = db.prepare('SELECT email FROM people WHERE org_id = ? LIMIT 49').pluck().all(org) as string[]
  const pii = (await ctx.get<{ id: string }>("SELECT id FROM tags WHERE name = 'PII' AND org_id = ?", org))!.id
  for (let i = 0; i < HOLDS; i++) {
    const body =
      i < people.length
        ? { name: `Custodian ${i}`, personEmail: people[i] }
        : i === people.length
          ? { name: 'PII matter', tagId: pii }
          : { name: `Matter ${i}`, roomId: encodeId('ROOM', rooms[i]) }
    await createHold(ctx, carol, body)
  }
}
const holdsSeconds = (performance.now() - h0) / 1000

const queries: Array<Record<string, unknown>> = []
for (let i = 0; i < QUERIES; i++) {
  const shapes = [
    () => ({ tags: pick(tagNames), scope: pick(['internal', 'external']), inactiveDays: pick([30, 90, 365]) }),
    () => ({
      classificationId: pick(levels),
      type: pick(['group', 'direct']),
      activeAfter: new Date(now - pick([30, 180, 365]) * DAY).toISOString(),
    }),
    () => ({ title: pick(words), tags: `${pick(tagNames)},${pick(tagNames)}`, scope: 'internal' }),
    () => ({
      domains: `partner${Math.floor(rand() * 50)}.test,partner${Math.floor(rand() * 50)}.test`,
      inactiveDays: pick([0, 60]),
      classificationId: pick(levels),
    }),
    () => ({ groups: group, scope: pick(['internal', 'external']), type: 'group', tags: pick(tagNames) }),
  ]
  queries.push(pick(shapes)())
}
// The first search builds the in-memory index from the store: timed on its own, not among the searches.
const b0 = performance.now()
await searchSpaces(ctx, carol, { max: 1 } as never)
const indexBuildSeconds = (performance.now() - b0) / 1000
// Warm-up: 30 searches of the same shapes, not measured, so the JIT has compiled the search paths (a service
// answers thousands; the figures are its steady state).
for (const q of queries.slice(0, 30)) await searchSpaces(ctx, carol, { ...q, max: 100 } as never)
const times: number[] = []
let found = 0
for (const q of queries.slice(30)) {
  const s = performance.now()
  found += (await searchSpaces(ctx, carol, { ...q, max: 100 } as never)).items.length
  times.push(performance.now() - s)
}
times.sort((a, b) => a - b)
// The whole-org plan, three times (the first warms SQLite's page cache for the message pass); the median counts.
const planTimes: number[] = []
let result = await plan(ctx, carol)
for (let i = 0; i < 3; i++) {
  const p0 = performance.now()
  result = await plan(ctx, carol)
  planTimes.push((performance.now() - p0) / 1000)
}
planTimes.sort((a, b) => a - b)

// The export of every space's search result, through the service over HTTP, read and dropped as it arrives.
const svc = await buildApp(
  makeConfig({
    dataDir: dir,
    logLevel: 'silent',
    port: 0,
    throttle: { enabled: false },
    flows: { enabled: false },
    delivery: { thread: false },
  }),
  { backend: { kind: 'embedded', backend }, clock: () => now }
)
const url = await svc.app.listen({ host: '127.0.0.1', port: 0 })
const e0 = performance.now()
const res = await fetch(`${url}/v1/governance/export/spaces?format=csv`, {
  headers: { authorization: `Bearer ${DEMO.tokens.carol}` },
})
let bytes = 0
let lines = 0
for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
  bytes += chunk.length
  for (const b of chunk) if (b === 10) lines++
}
const exportSeconds = (performance.now() - e0) / 1000
const count = async (sql: string): Promise<number> => (await ctx.get<{ n: number }>(sql))?.n ?? 0
const holds = count('SELECT count(*) AS n FROM legal_holds')
const lockedPolicies = count('SELECT count(*) AS n FROM retention_policies WHERE locked IS NOT NULL')
const policies = count('SELECT count(*) AS n FROM retention_policies')
await svc.app.close()
const rssMb = process.resourceUsage().maxRSS / 1024
process.stdout.write(
  JSON.stringify({
    spaces: SPACES,
    seededSeconds: seeded,
    holdsSeconds,
    holds,
    lockedPolicies,
    policies,
    indexBuildSeconds,
    queries: QUERIES - 30,
    found,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    max: times[times.length - 1],
    planSeconds: planTimes[1],
    planMin: planTimes[0],
    planMax: planTimes[2],
    planSpaces: result.spaces,
    planMessages: result.messages,
    planSpacesToDelete: result.spacesToDelete,
    planHeld: result.held,
    exportStatus: res.status,
    exportRecords: lines - 6,
    exportMb: bytes / 1e6,
    exportSeconds,
    peakRssMb: rssMb,
  }) + '\n'
)
if (!keep) rmSync(dir, { recursive: true, force: true })
