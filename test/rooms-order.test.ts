import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { client, ManualClock, nextLink, startService, tempDir, type Call } from './helpers/service.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { decodeId, encodeId, stableUuid } from '../src/ids.js'
import { dbFile, openDatabase } from '../src/store/sqlite.js'
import { MIGRATIONS } from '../src/store/migrations.js'
import type { Ctx } from '../src/store/ctx.js'

// Get Spaces List sorted by creation pages through an index of the caller's memberships by their space's
// creation time (memberships.room_created, kept by triggers). Spaces here are created on a clock that goes back
// and forth, so creation order differs from id order (ids are time-ordered by the real clock): a membership
// whose room_created were not its space's creation time would page in the wrong order.

interface Listed {
  id: string
  created: string
  lastActivity: string
}

/** Every page of Get Spaces List, `max` at a time, following the Link header as a client does. */
async function allPages (call: Call, query: string, max: number): Promise<Listed[]> {
  const items: Listed[] = []
  let url: string | undefined = `/v1/rooms?max=${max}${query}`
  while (url) {
    const res = await call<{ items: Listed[] }>('GET', url)
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(res.body)}`)
    items.push(...res.body.items)
    url = nextLink(res.headers)
    // A cursor that does not move on would page forever.
    if (items.length > 500) throw new Error(`GET ${url}: the pages do not end`)
  }
  return items
}

const local = (r: Listed): string => decodeId('ROOM', r.id) as string
/** Webex's orders, with the id (the space's uuid, compared as the store does) breaking ties. */
const ORDERS: Record<string, (a: Listed, b: Listed) => number> = {
  '': (a, b) => cmp(b.created, a.created) || cmp(local(b), local(a)),
  '&sortBy=created': (a, b) => cmp(b.created, a.created) || cmp(local(b), local(a)),
  '&sortBy=id': (a, b) => cmp(local(a), local(b)),
  '&sortBy=lastactivity': (a, b) => cmp(b.lastActivity, a.lastActivity) || cmp(local(b), local(a)),
}
function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function mismatched (store: Ctx): Promise<number> {
  const row = await store.get<{ n: number }>(
    'SELECT count(*) AS n FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE m.room_created <> r.created'
  )
  return Number(row?.n)
}

async function suite (t: Test, settings: Record<string, unknown>): Promise<void> {
  const clock = new ManualClock()
  const svc = await startService(t, { throttle: { enabled: false }, ...settings }, { clock: clock.now })
  const alice = client(svc.url, DEMO.tokens.alice)
  const bob = client(svc.url, DEMO.tokens.bob)
  // Alice's own spaces, and spaces Bob creates and adds her to later, at creation times out of id order, two
  // of them at the same instant (the id decides).
  const steps = [0, -3_600_000, 7_200_000, -7_200_000, 0, 60_000, -86_400_000, 0]
  for (const [k, step] of steps.entries()) {
    clock.advance(step)
    const owner = k % 2 === 0 ? alice : bob
    const room = await owner('POST', '/v1/rooms', { title: `order ${k}` })
    t.equal(room.status, 200)
    clock.advance(1000)
    if (owner === bob) {
      const added = await bob('POST', '/v1/memberships', { roomId: room.body.id, personId: DEMO_IDS.alice })
      t.equal(added.status, 200)
    }
    if (k % 3 === 0) await owner('POST', '/v1/messages', { roomId: room.body.id, text: `activity ${k}` })
  }
  const everything = await allPages(alice, '', 1000)
  t.ok(everything.length >= steps.length, 'Alice is in all of them')
  for (const [query, order] of Object.entries(ORDERS)) {
    const expected = [...everything].sort(order).map(r => r.id)
    for (const max of [1, 2, 3, 1000]) {
      t.same((await allPages(alice, query, max)).map(r => r.id), expected, `sortBy${query || ' (default)'}, max ${max}`)
    }
  }
  // Teams and type filters keep the order, a page at a time.
  const groups = (await allPages(alice, '&type=group', 2)).map(r => r.id)
  t.same(groups, (await allPages(alice, '', 1000)).filter(r => groups.includes(r.id)).map(r => r.id))

  // Any code path that writes a membership (here plain SQL, as the Webex mirror and the seed write them) or
  // changes a space's creation time keeps room_created: the triggers, not the action code, hold it.
  const store = svc.store
  t.equal(await mismatched(store), 0, "every membership carries its space's creation time")
  const roomId = stableUuid('room:order-raw')
  await store.run(
    `INSERT INTO rooms (id, title, type, creator_id, org_id, created, last_activity)
    VALUES (?, 'raw', 'group', ?, ?, '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')`,
    roomId,
    DEMO.people.bob.id,
    DEMO.orgId
  )
  await store.run(
    "INSERT INTO memberships (room_id, person_id, created) VALUES (?, ?, '2026-01-01T00:00:00.000Z')",
    roomId,
    DEMO.people.alice.id
  )
  t.equal(await mismatched(store), 0, 'a membership written by plain SQL')
  await store.run("UPDATE rooms SET created = '2030-01-01T00:00:00.000Z' WHERE id = ?", roomId)
  t.equal(await mismatched(store), 0, "a space's creation time changed")
  await store.run("UPDATE memberships SET room_created = 'wrong' WHERE room_id = ?", roomId)
  t.equal(await mismatched(store), 0, 'a membership cannot be given another time')
  const first = (await alice('GET', '/v1/rooms?max=1')).body.items[0]
  t.equal(first.id, encodeId('ROOM', roomId), 'the space now created last is first')
}

t.test('Get Spaces List pages in Webex order on SQLite', async t => {
  await suite(t, {})
})

const skip = await pgUnavailable()
t.test('Get Spaces List pages in Webex order on PostgreSQL', { skip }, async t => {
  await suite(t, { store: 'postgres', databaseUrl: await freshDatabase(t) })
})

t.test("an older store's memberships get their spaces' creation times when it is upgraded", async t => {
  const dataDir = tempDir(t, 'webex-rooms-order-')
  const previous = MIGRATIONS.findIndex(m => m.includes('ADD COLUMN room_created'))
  t.ok(previous > 0)
  const old = new Database(dbFile(dataDir))
  for (const m of MIGRATIONS.slice(0, previous)) old.exec(m)
  old.pragma(`user_version = ${previous}`)
  old.exec(`
    INSERT INTO orgs VALUES ('o', 'Org', 'org.example', '2020-01-01');
    INSERT INTO people (id, org_id, email, display_name, first_name, last_name, created)
      VALUES ('p', 'o', 'p@org.example', 'P', 'P', 'P', '2020-01-01');
    INSERT INTO rooms (id, title, type, creator_id, org_id, created, last_activity)
      VALUES ('r1', 'one', 'group', 'p', 'o', '2021-01-01', '2021-01-01'),
             ('r2', 'two', 'group', 'p', 'o', '2020-06-01', '2022-01-01');
    INSERT INTO memberships (room_id, person_id, created) VALUES ('r1', 'p', '2023-01-01'), ('r2', 'p', '2023-01-01');
  `)
  old.close()
  const db = openDatabase({ dataDir })
  t.teardown(() => db.close())
  t.same(
    db.prepare('SELECT room_id, room_created FROM memberships ORDER BY room_id').all(),
    [
      { room_id: 'r1', room_created: '2021-01-01' },
      { room_id: 'r2', room_created: '2020-06-01' },
    ]
  )
})
