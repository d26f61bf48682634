import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite-store.js'
import { storeContract } from './store/contract.js'
import { tempDir } from './helpers/service.js'

// The asynchronous store on SQLite: the contract every dialect keeps, then what only one connection with group
// commit has to guarantee. A second, read-only connection to the same file (as the delivery thread has) sees
// only what is committed.

function open (t: Test): SqliteStore {
  const dir = tempDir(t)
  const store = openSqliteStore({ dataDir: dir })
  t.teardown(() => store.close())
  return store
}

t.test('the store contract on SQLite', async t => {
  storeContract(t, async t => open(t))
})

function stores (t: Test): { store: SqliteStore; other: Database.Database } {
  const dir = tempDir(t)
  const store = openSqliteStore({ dataDir: dir })
  store.db.exec('CREATE TABLE notes (n INTEGER NOT NULL)')
  const other = new Database(join(dir, 'webex.db'), { readonly: true })
  t.teardown(async () => {
    other.close()
    await store.close()
  })
  return { store, other }
}

const count = (db: Database.Database): number =>
  (db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n
const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))
const committed = (store: SqliteStore): Promise<Error | undefined> =>
  new Promise(resolve => store.whenCommitted(resolve))

t.test('grouped writes commit together at the end of the turn; whenCommitted waits for it', async t => {
  const { store, other } = stores(t)
  let commits = 0
  store.onCommit(() => {
    commits++
  })
  const writes = Array.from({ length: 5 }, (_, i) =>
    store.txGrouped(async () => {
      await store.run('INSERT INTO notes VALUES (?)', i)
      store.wakeOnCommit()
    })
  )
  await Promise.all(writes)
  t.equal(count(other), 0, 'nothing visible to another connection yet')
  t.equal((await store.get<{ n: number }>('SELECT count(*) AS n FROM notes'))?.n, 5, 'this connection reads them')
  t.equal(await committed(store), undefined, 'whenCommitted called back without an error')
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
  const results = await Promise.allSettled([
    store.txGrouped(() => store.run('INSERT INTO notes VALUES (1)')),
    store.txGrouped(async () => {
      await store.run('INSERT INTO notes VALUES (2)')
      throw new Error('refused')
    }),
    store.txGrouped(() => store.run('INSERT INTO notes VALUES (3)')),
  ])
  t.same(
    results.map(r => r.status),
    ['fulfilled', 'rejected', 'fulfilled']
  )
  await committed(store)
  t.same(other.prepare('SELECT n FROM notes ORDER BY n').all(), [{ n: 1 }, { n: 3 }])
})

t.test('an unguarded grouped write has no savepoint: refused before its first write it fails alone, after it the ' +
  'whole group fails', async t => {
  const { store, other } = stores(t)
  const sql: string[] = []
  const traced = store.db as unknown as { prepare: (s: string) => unknown }
  const prepare = traced.prepare.bind(store.db)
  traced.prepare = (s: string) => {
    sql.push(s)
    return prepare(s)
  }
  await store.txGrouped(() => store.run('INSERT INTO notes VALUES (1)'), { unguarded: true })
  t.notOk(sql.some(s => s.startsWith('SAVEPOINT')), 'no savepoint was set')
  const waiter = committed(store)
  const before = await Promise.allSettled([
    store.txGrouped(async () => {
      await store.get('SELECT count(*) AS n FROM notes')
      throw new Error('refused before writing')
    }, { unguarded: true }),
    store.txGrouped(() => store.run('INSERT INTO notes VALUES (2)'), { unguarded: true }),
  ])
  t.same(before.map(r => r.status), ['rejected', 'fulfilled'])
  t.equal(await waiter, undefined, 'the group committed')
  t.same(other.prepare('SELECT n FROM notes ORDER BY n').all(), [{ n: 1 }, { n: 2 }], 'the others of the turn kept')

  // Within one turn (microtasks only): one group.
  await store.txGrouped(() => store.run('INSERT INTO notes VALUES (3)'), { unguarded: true })
  const failed = committed(store)
  await t.rejects(store.txGrouped(async () => {
    await store.run('INSERT INTO notes VALUES (4)')
    throw new Error('failed after writing')
  }, { unguarded: true }), /failed after writing/)
  t.match(await failed, /failed after writing/, 'the body that returned hears that its group failed')
  t.same(other.prepare('SELECT n FROM notes ORDER BY n').all(), [{ n: 1 }, { n: 2 }], 'nothing of the group kept')
  t.equal((await store.get<{ n: number }>('SELECT count(*) AS n FROM notes'))?.n, 2, 'nor left in the connection')

  // Nested in a transaction it is a savepoint as ever: its failure leaves the enclosing transaction's writes.
  await store.tx(async () => {
    await store.run('INSERT INTO notes VALUES (5)')
    await t.rejects(store.txGrouped(async () => {
      await store.run('INSERT INTO notes VALUES (6)')
      throw new Error('nested')
    }, { unguarded: true }))
  })
  t.same(other.prepare('SELECT n FROM notes ORDER BY n').all(), [{ n: 1 }, { n: 2 }, { n: 5 }])
  await store.txGrouped(() => store.run('INSERT INTO notes VALUES (7)'), { unguarded: true })
  t.equal(await committed(store), undefined, 'the store goes on')
  t.equal(count(other), 4)
})

t.test('a plain tx commits at once, taking the open group with it', async t => {
  const { store, other } = stores(t)
  await store.txGrouped(() => store.run('INSERT INTO notes VALUES (1)'))
  await store.tx(() => store.run('INSERT INTO notes VALUES (2)'))
  t.equal(count(other), 2, 'both visible right after the plain tx resolves')
  await store.txGrouped(() => store.run('INSERT INTO notes VALUES (3)'))
  await store.commit()
  t.equal(count(other), 3, 'commit() makes the group durable now')
  await store.tx(async () => {})
  t.equal(count(other), 3, 'a plain tx with no group commits only itself')
})

t.test('a failed COMMIT fails the whole group: every waiter hears it, nothing is kept, the store goes on', async t => {
  const { store, other } = stores(t)
  store.db.exec(
    'CREATE TABLE parents (id INTEGER PRIMARY KEY); CREATE TABLE children (parent INTEGER REFERENCES parents(id))'
  )
  let heard = 0
  store.onCommit(() => {
    heard++
  })
  await store.txGrouped(async () => {
    await store.run('INSERT INTO notes VALUES (1)')
    store.wakeOnCommit()
  })
  // A deferred foreign key is checked at COMMIT only: the savepoint succeeds, the group's COMMIT does not.
  await store.txGrouped(async () => {
    store.db.pragma('defer_foreign_keys = ON')
    await store.run('INSERT INTO children VALUES (42)')
  })
  const errors = await Promise.all([committed(store), committed(store)])
  t.match(
    errors.map(e => e?.message),
    [/FOREIGN KEY/, /FOREIGN KEY/],
    'both waiters get the error'
  )
  t.equal(heard, 0, 'commit listeners are not told of a commit that did not happen')
  t.equal(count(other), 0, 'nothing of the group is on disk')
  t.equal((await store.get<{ n: number }>('SELECT count(*) AS n FROM notes'))?.n, 0, 'nor left in the connection')

  // A plain tx that takes a doomed group along fails with it.
  await store.txGrouped(async () => {
    store.db.pragma('defer_foreign_keys = ON')
    await store.run('INSERT INTO children VALUES (43)')
  })
  const waiter = committed(store)
  await t.rejects(store.tx(() => store.run('INSERT INTO notes VALUES (9)')), /FOREIGN KEY/)
  t.match(await waiter, /FOREIGN KEY/)
  t.equal(count(other), 0)

  await store.txGrouped(() => store.run('INSERT INTO notes VALUES (2)'))
  t.equal(await committed(store), undefined)
  t.equal(count(other), 1, 'the next group commits normally')
})

t.test('transactions never interleave, even when a body awaits across turns', async t => {
  const { store } = stores(t)
  store.db.exec('CREATE TABLE log (at INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT NOT NULL)')
  const body = (name: string, slow: boolean) => async () => {
    await store.run('INSERT INTO log (what) VALUES (?)', `${name}1`)
    if (slow) await turn()
    await store.get('SELECT count(*) FROM log')
    if (slow) await turn()
    await store.run('INSERT INTO log (what) VALUES (?)', `${name}2`)
  }
  let outsideSaw: number | undefined
  await Promise.all([
    store.tx(body('a', true)),
    store.txGrouped(body('b', true)),
    store.tx(body('c', false)),
    // A read from outside, issued while `a` holds the connection: it waits, and sees no half of anything.
    store.get<{ n: number }>('SELECT count(*) AS n FROM log').then(r => {
      outsideSaw = r!.n
    }),
    store.txGrouped(body('d', false)),
  ])
  const log = store.db.prepare('SELECT what FROM log ORDER BY at').all() as Array<{ what: string }>
  t.same(
    log.map(r => r.what),
    ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2'],
    'each body ran whole, in arrival order'
  )
  t.ok(outsideSaw !== undefined && outsideSaw % 2 === 0, 'the outside read saw whole transactions only')
})

t.test('a query from a finished transaction’s async context runs outside it', async t => {
  const { store, other } = stores(t)
  let late: Promise<number> | undefined
  let lateGate!: () => void
  const gate = new Promise<void>(resolve => {
    lateGate = resolve
  })
  await store.tx(async () => {
    await store.run('INSERT INTO notes VALUES (1)')
    late = gate.then(() => store.run('INSERT INTO notes VALUES (2)'))
  })
  t.notOk(store.inTransaction())
  lateGate()
  await late
  t.equal(count(other), 2, 'the late write committed on its own (autocommit)')
})

t.test('close waits for the transaction in progress and commits the open group', async t => {
  const dir = tempDir(t)
  const store = openSqliteStore({ dataDir: dir })
  await store.exec('CREATE TABLE notes (n INTEGER NOT NULL)')
  await store.txGrouped(() => store.run('INSERT INTO notes VALUES (1)'))
  const slow = store.tx(async () => {
    await turn()
    await store.run('INSERT INTO notes VALUES (2)')
  })
  await store.close()
  await slow
  const db = new Database(join(dir, 'webex.db'), { readonly: true })
  t.equal(count(db), 2)
  db.close()
})

t.test("rows are built from raw rows as better-sqlite3's own objects would be", async t => {
  const { store } = stores(t)
  await store.run('INSERT INTO notes VALUES (?)', 7)
  const own = (sql: string): unknown => store.db.prepare(sql).get()
  for (const sql of [
    'SELECT n, n * 2 AS twice, NULL AS none, x\'00ff\' AS blob, 1.5 AS f FROM notes',
    // A name given twice keeps its last value; one named __proto__ is a property, not the prototype.
    'SELECT n AS a, n + 1 AS a FROM notes',
    'SELECT n AS "__proto__", 2 AS b FROM notes',
  ]) {
    const row = await store.get<Record<string, unknown>>(sql)
    t.same(row, own(sql), sql)
    t.same(Object.keys(row!), Object.keys(own(sql) as object), `${sql}: keys in the same order`)
    t.equal(Object.getPrototypeOf(row), Object.prototype, `${sql}: an ordinary object`)
    t.same(await store.all(sql), [own(sql)], `${sql}: all`)
  }
  t.equal(await store.get('SELECT n FROM notes WHERE n = 0'), undefined, 'no row: undefined')
  t.same(await store.all('SELECT n FROM notes WHERE n = 0'), [], 'no rows: empty')
})

t.test('a SELECT * prepared before a schema change answers with the columns after it', async t => {
  const { store } = stores(t)
  await store.run('INSERT INTO notes VALUES (?)', 1)
  t.same(await store.get('SELECT * FROM notes'), { n: 1 })
  // Straight on the connection (no exec through the store): the width tells.
  store.db.exec('ALTER TABLE notes ADD COLUMN m TEXT')
  t.same(await store.get('SELECT * FROM notes'), { n: 1, m: null }, 'get sees the added column')
  t.same(await store.all('SELECT * FROM notes'), [{ n: 1, m: null }], 'all sees it')
  // Same width, another name: schema changes through exec start the builders afresh.
  await store.exec('ALTER TABLE notes RENAME COLUMN m TO k')
  t.same(await store.get('SELECT * FROM notes'), { n: 1, k: null }, 'a renamed column')
})

t.test('prepared statements are kept up to a bound: ever new SQL texts do not grow the cache forever', async t => {
  const { store } = stores(t)
  await store.run('INSERT INTO notes VALUES (?)', 1)
  const cached = store as unknown as Record<'stmts' | 'rawStmts' | 'readers', Map<string, unknown>>
  for (let i = 0; i < 2500; i++) {
    t.equal((await store.get<{ k: number }>(`SELECT n + ${i} AS k FROM notes`))?.k, 1 + i)
    await store.values(`SELECT n - ${i} FROM notes`)
    await store.run(`UPDATE notes SET n = n WHERE n <> ${-i}`)
  }
  for (const map of ['stmts', 'rawStmts', 'readers'] as const) t.ok(cached[map].size <= 2000, `${map}: at most 2000`)
  t.same(await store.get('SELECT n + 0 AS k FROM notes'), { k: 1 }, 'one dropped long ago is prepared again')
})
