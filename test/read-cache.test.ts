import t from 'tap'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { startService, type Running } from './helpers/service.js'
import { dbFile } from '../src/store/sqlite.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import type { Caller } from '../src/domain/caller.js'

// The embedded backend's read cache (on SQLite) drops a memoised read only when a write reaches what it read
// (src/store/sqlite-changes.ts). These tests hold it to what it promises: a read after any write on the same
// instance sees the write, nobody keeps reading a space they were removed from, and a write elsewhere leaves
// the memoised answer in place.

type Who = keyof typeof DEMO.tokens

async function service (t: Parameters<typeof startService>[0]): Promise<Running & { as: As }> {
  const svc = await startService(t, { throttle: { enabled: false }, flows: { enabled: false } })
  const as: As = async (who, method, url, payload) => {
    const res = await svc.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${DEMO.tokens[who]}`, 'content-type': 'application/json' },
      ...(payload ? { payload } : {}),
    })
    return { status: res.statusCode, body: res.body ? res.json() : undefined }
  }
  return { ...svc, as }
}

type As = (
  who: Who,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: object
) => Promise<{ status: number; body: any }>

t.test('a read after a write of the same instance sees it, for every memoised read', async t => {
  const { as } = await service(t)
  const messages = `/v1/messages?roomId=${DEMO_IDS.apollo}&max=5`
  // Fill the cache, then write and read again.
  await as('bob', 'GET', messages)
  await as('bob', 'GET', `/v1/rooms/${DEMO_IDS.apollo}`)
  await as('bob', 'GET', '/v1/people?email=alice@example.com')
  await as('alice', 'GET', '/v1/people/me')
  await as('bob', 'GET', '/v1/rooms?max=50')
  const sent = await as('alice', 'POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'cache check' })
  t.equal(sent.status, 200)
  t.equal((await as('bob', 'GET', messages)).body.items[0].id, sent.body.id, 'Get Messages shows the new message')
  const room = (await as('bob', 'GET', `/v1/rooms/${DEMO_IDS.apollo}`)).body
  t.equal(room.lastActivity, sent.body.created, "Get Space Details shows the space's new last activity")
  const alice = (await as('bob', 'GET', '/v1/people?email=alice@example.com')).body.items[0]
  t.equal(alice.lastActivity, sent.body.created, "Get People shows the author's new last activity")
  t.equal((await as('alice', 'GET', '/v1/people/me')).body.lastActivity, sent.body.created, 'and Get My Details')
  const listed = (await as('bob', 'GET', '/v1/rooms?max=50')).body.items.find((r: any) => r.id === DEMO_IDS.apollo)
  t.equal(listed.lastActivity, sent.body.created, 'Get Spaces List too')

  // Edits and deletions of a message, a title change, a new space and a new member.
  const edited = await as('alice', 'PUT', `/v1/messages/${sent.body.id}`, { roomId: DEMO_IDS.apollo, text: 'edited' })
  t.equal(edited.status, 200)
  t.equal((await as('bob', 'GET', messages)).body.items[0].text, 'edited')
  t.equal((await as('alice', 'DELETE', `/v1/messages/${sent.body.id}`)).status, 204)
  t.not((await as('bob', 'GET', messages)).body.items[0].id, sent.body.id, 'a deleted message is gone')
  await as('alice', 'PUT', `/v1/rooms/${DEMO_IDS.apollo}`, { title: 'Apollo renamed' })
  t.equal((await as('bob', 'GET', `/v1/rooms/${DEMO_IDS.apollo}`)).body.title, 'Apollo renamed')
  const made = (await as('carol', 'POST', '/v1/rooms', { title: 'Fresh' })).body
  await as('carol', 'GET', '/v1/rooms?max=50')
  t.equal((await as('bob', 'GET', `/v1/rooms/${made.id}`)).status, 404, 'not readable before bob is a member')
  await as('bob', 'GET', `/v1/messages?roomId=${made.id}`)
  const added = await as('carol', 'POST', '/v1/memberships', { roomId: made.id, personId: DEMO_IDS.bob })
  t.equal(added.status, 200)
  t.equal((await as('bob', 'GET', `/v1/rooms/${made.id}`)).status, 200, 'readable once a member')
  t.equal((await as('bob', 'GET', `/v1/messages?roomId=${made.id}`)).status, 200)
  t.ok((await as('bob', 'GET', '/v1/rooms?max=50')).body.items.some((r: any) => r.id === made.id), 'and listed')
})

t.test('nobody keeps reading a space they were removed from', async t => {
  const { as } = await service(t)
  const made = (await as('carol', 'POST', '/v1/rooms', { title: 'Leaving' })).body
  const m = (await as('carol', 'POST', '/v1/memberships', { roomId: made.id, personId: DEMO_IDS.bob })).body
  await as('carol', 'POST', '/v1/messages', { roomId: made.id, text: 'secret' })
  t.equal((await as('bob', 'GET', `/v1/messages?roomId=${made.id}`)).status, 200)
  t.equal((await as('bob', 'GET', `/v1/rooms/${made.id}`)).status, 200)
  t.ok((await as('bob', 'GET', '/v1/rooms?max=50')).body.items.some((r: any) => r.id === made.id))
  t.equal((await as('carol', 'DELETE', `/v1/memberships/${m.id}`)).status, 204)
  t.not((await as('bob', 'GET', `/v1/messages?roomId=${made.id}`)).status, 200, 'Get Messages refused')
  t.not((await as('bob', 'GET', `/v1/rooms/${made.id}`)).status, 200, 'Get Space Details refused')
  t.notOk((await as('bob', 'GET', '/v1/rooms?max=50')).body.items.some((r: any) => r.id === made.id), 'not listed')
})

t.test("a write elsewhere keeps a read's memoised answer; a write it depends on drops it", async t => {
  const svc = await service(t)
  const { as } = svc
  const url = `/v1/rooms/${DEMO_IDS.apollo}`
  const before = (await as('bob', 'GET', url)).body
  // A second connection changes the title behind the service's back: its triggers do not see it, so the
  // service's answer shows whether it came from the cache.
  const other = new Database(dbFile(svc.dataDir))
  t.teardown(() => other.close())
  other.prepare('UPDATE rooms SET title = ? WHERE id = ?').run('Behind its back', DEMO.rooms.apollo)
  t.equal((await as('bob', 'GET', url)).body.title, before.title, 'memoised')
  await as('alice', 'POST', '/v1/messages', { roomId: DEMO_IDS.finance, text: 'another space' })
  await as('carol', 'POST', '/v1/rooms', { title: 'another space' })
  t.equal((await as('bob', 'GET', url)).body.title, before.title, 'writes to other spaces leave it')
  await as('alice', 'POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'this space' })
  t.equal((await as('bob', 'GET', url)).body.title, 'Behind its back', 'a write to the space drops it')
})

t.test('a statement outside any transaction is seen by the next read', async t => {
  const svc = await service(t)
  const { as } = svc
  const url = `/v1/rooms/${DEMO_IDS.apollo}`
  await as('bob', 'GET', url)
  await svc.store.run('UPDATE rooms SET title = ? WHERE id = ?', 'Autocommitted', DEMO.rooms.apollo)
  t.equal((await as('bob', 'GET', url)).body.title, 'Autocommitted')
})

// Random writes by the demo people; after each, every memoised read answers what the same read computes inside
// a transaction (where the cache is never used).
t.test('model: memoised reads equal uncached ones after random writes', async t => {
  const svc = await service(t)
  const { as, backend, store } = svc
  const who: Who[] = ['alice', 'bob', 'carol', 'dave']
  const callers = new Map<Who, Caller>()
  for (const w of who) callers.set(w, (await backend.authenticate(DEMO.tokens[w]))!)
  const rooms = [DEMO_IDS.apollo, DEMO_IDS.finance, DEMO_IDS.general]
  const people = [DEMO_IDS.alice, DEMO_IDS.bob, DEMO_IDS.carol, DEMO_IDS.dave]
  const write = fc.oneof(
    fc.record({ op: fc.constant('message' as const), who: fc.constantFrom(...who), room: fc.nat(9) }),
    fc.record({ op: fc.constant('space' as const), who: fc.constantFrom(...who) }),
    fc.record({
      op: fc.constant('member' as const),
      who: fc.constantFrom(...who),
      room: fc.nat(9),
      person: fc.constantFrom(...people),
    }),
    fc.record({ op: fc.constant('leave' as const), who: fc.constantFrom(...who), room: fc.nat(9) }),
    fc.record({ op: fc.constant('title' as const), who: fc.constantFrom(...who), room: fc.nat(9) })
  )
  const answer = async (f: () => Promise<unknown>): Promise<unknown> => {
    try {
      return await f()
    } catch (err) {
      return { error: (err as Error).constructor.name }
    }
  }
  let checks = 0
  await fc.assert(
    fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 12 }), async writes => {
      for (const w of writes) {
        const room = 'room' in w ? rooms[w.room % rooms.length] : ''
        if (w.op === 'message') await as(w.who, 'POST', '/v1/messages', { roomId: room, text: `m ${checks}` })
        if (w.op === 'space') rooms.push((await as(w.who, 'POST', '/v1/rooms', { title: `s ${checks}` })).body.id)
        if (w.op === 'member') await as(w.who, 'POST', '/v1/memberships', { roomId: room, personId: w.person })
        if (w.op === 'title') await as(w.who, 'PUT', `/v1/rooms/${room}`, { title: `t ${checks}` })
        if (w.op === 'leave') {
          const mine = (await as(w.who, 'GET', `/v1/memberships?roomId=${room}`)).body?.items ?? []
          const m = mine.find((x: any) => x.personId === people[who.indexOf(w.who)])
          if (m) await as(w.who, 'DELETE', `/v1/memberships/${m.id}`)
        }
        for (const reader of who) {
          const c = callers.get(reader)!
          const reads: Array<() => Promise<unknown>> = [
            () => backend.listRooms(c, { max: 100 }),
            () => backend.listRooms(c, { max: 2 }),
            () => backend.listRooms(c, { max: 3, sortBy: 'lastactivity' }),
            () => backend.getMe(c),
            () => backend.listPeople(c, { email: 'alice@example.com', max: 10 }),
            ...rooms.flatMap(r => [
              () => backend.getRoom(c, r),
              () => backend.listMessages(c, { roomId: r, max: 5 }),
            ]),
          ]
          for (const read of reads) {
            const cached = await answer(read)
            const fresh = await answer(() => store.tx(read))
            t.same(cached, fresh)
            checks++
          }
        }
      }
    }),
    { numRuns: 15, seed: 17 }
  )
  t.ok(checks > 0)
})
