import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { openDatabase } from '../src/store/sqlite.js'
import { Store } from '../src/store/store.js'
import { startService, tempDir } from './helpers/service.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'

// Group commit: the writes of one event-loop turn share a COMMIT. Observed from a second connection to the
// same file, which (like the delivery thread) sees only what is committed.

function stores (t: Test): { store: Store; other: Database.Database } {
  const dir = tempDir(t)
  const store = new Store(openDatabase({ dataDir: dir }))
  store.db.exec('CREATE TABLE notes (n INTEGER NOT NULL)')
  const other = new Database(join(dir, 'webex.db'), { readonly: true })
  t.teardown(() => {
    other.close()
    store.db.close()
  })
  return { store, other }
}

const count = (db: Database.Database): number =>
  (db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n
const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

t.test('grouped writes commit together at the end of the turn; whenCommitted waits for it', async t => {
  const { store, other } = stores(t)
  let commits = 0
  store.onCommit(() => {
    commits++
  })
  for (let i = 0; i < 5; i++) {
    store.txGrouped(() => {
      store.run('INSERT INTO notes VALUES (?)', i)
      store.wakeOnCommit()
    })
  }
  t.equal(count(other), 0, 'nothing visible to another connection yet')
  t.equal(store.get<{ n: number }>('SELECT count(*) AS n FROM notes')?.n, 5, 'this connection reads its own writes')
  const committed = new Promise<Error | undefined>(resolve => store.whenCommitted(resolve))
  t.equal(await committed, undefined, 'whenCommitted called back without an error')
  t.equal(count(other), 5, 'all five committed at once')
  t.equal(commits, 1, 'commit listeners heard once for the group')
  let immediate = false
  store.whenCommitted(() => {
    immediate = true
  })
  t.ok(immediate, 'with nothing pending, whenCommitted calls back at once')
})

t.test('a grouped write that throws rolls back alone; the others of the turn commit', async t => {
  const { store, other } = stores(t)
  store.txGrouped(() => {
    store.run('INSERT INTO notes VALUES (1)')
  })
  t.throws(
    () =>
      store.txGrouped(() => {
        store.run('INSERT INTO notes VALUES (2)')
        throw new Error('refused')
      }),
    /refused/
  )
  store.txGrouped(() => {
    store.run('INSERT INTO notes VALUES (3)')
  })
  await turn()
  t.same(other.prepare('SELECT n FROM notes ORDER BY n').all(), [{ n: 1 }, { n: 3 }])
})

t.test('a plain tx commits at once, taking the open group with it', async t => {
  const { store, other } = stores(t)
  store.txGrouped(() => {
    store.run('INSERT INTO notes VALUES (1)')
  })
  store.tx(() => {
    store.run('INSERT INTO notes VALUES (2)')
  })
  t.equal(count(other), 2, 'both visible right after the plain tx returns')
  store.txGrouped(() => {
    store.run('INSERT INTO notes VALUES (3)')
  })
  store.commit()
  t.equal(count(other), 3, 'commit() makes the group durable now')
})

t.test(
  'a COMMIT that fails fails the whole group: every waiter hears it, nothing is kept, the store goes on',
  async t => {
    const { store, other } = stores(t)
    store.db.exec(
      'CREATE TABLE parents (id INTEGER PRIMARY KEY); CREATE TABLE children (parent INTEGER REFERENCES parents(id))'
    )
    store.db.pragma('foreign_keys = ON')
    let heard = 0
    store.onCommit(() => {
      heard++
    })
    store.txGrouped(() => {
      store.run('INSERT INTO notes VALUES (1)')
      store.wakeOnCommit()
    })
    // A deferred foreign key is checked at COMMIT only: the savepoint succeeds, the group's COMMIT does not.
    store.txGrouped(() => {
      store.db.pragma('defer_foreign_keys = ON')
      store.run('INSERT INTO children VALUES (42)')
    })
    const errors = await Promise.all(
      [0, 1].map(() => new Promise<Error | undefined>(resolve => store.whenCommitted(resolve)))
    )
    t.match(
      errors.map(e => e?.message),
      [/FOREIGN KEY/, /FOREIGN KEY/],
      'both waiters get the error'
    )
    t.equal(heard, 0, 'commit listeners are not told of a commit that did not happen')
    t.equal(count(other), 0, 'nothing of the group is on disk')
    t.equal(
      store.get<{ n: number }>('SELECT count(*) AS n FROM notes')?.n,
      0,
      'and nothing is left in the connection'
    )
    store.txGrouped(() => {
      store.run('INSERT INTO notes VALUES (2)')
    })
    await turn()
    t.equal(count(other), 1, 'the next group commits normally')
  }
)

t.test('the service answers a write only once it is committed', async t => {
  const svc = await startService(t, { throttle: { enabled: false } })
  const other = new Database(join(svc.dataDir, 'webex.db'), { readonly: true })
  t.teardown(() => other.close())
  // inject: the answer comes back in the turn it is sent, so an answer sent before the commit would be seen so.
  const post = (text: string) =>
    svc.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { authorization: `Bearer ${DEMO.tokens.alice}` },
      payload: { roomId: DEMO_IDS.apollo, text },
    })
  const sent = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post(`g${i}`).then(r => {
        // Checked as each answer arrives, before any other turn of ours could let a commit happen.
        const row = other.prepare('SELECT count(*) AS n FROM messages WHERE text = ?').get(`g${i}`) as { n: number }
        return { status: r.statusCode, stored: row.n }
      })
    )
  )
  t.same(
    sent.filter(s => s.status !== 200 || s.stored !== 1),
    [],
    'each of 20 concurrent writes was on disk when its 200 arrived'
  )
})
