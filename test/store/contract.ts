import type { Test } from 'tap'
import type { AsyncStore } from '../../src/store/db.js'
import type { StoredEvent } from '../../src/store/store.js'
import { claim } from '../../src/store/claim.js'

/**
 * The store contract: what the service's code may rely on from either dialect, written once against the
 * asynchronous interface. `open` gives a store on the service's schema (migrated), closed by the test's end.
 */
export type OpenStore = (t: Test) => Promise<AsyncStore>

const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))
const NOTES = 'CREATE TABLE notes (n INTEGER NOT NULL PRIMARY KEY, label TEXT)'
const count = async (s: AsyncStore, where = '1 = 1'): Promise<number> =>
  (await s.get<{ n: number }>(`SELECT count(*) AS n FROM notes WHERE ${where}`))!.n

/** A small organisation: two orgs, three people (one external), for the schema's derived state. */
async function org (s: AsyncStore): Promise<void> {
  await s.tx(async () => {
    await s.run("INSERT INTO orgs (id, name, domain, created) VALUES ('o1', 'Acme', 'Acme.example', 'c')")
    await s.run("INSERT INTO orgs (id, name, domain, created) VALUES ('o2', 'Partner', 'partner.example', 'c')")
    const person = 'INSERT INTO people (id, org_id, email, display_name, first_name, last_name, created) ' +
      "VALUES (?, ?, ?, ?, '', '', 'c')"
    await s.run(person, 'alice', 'o1', 'alice@Acme.example', 'Alice')
    await s.run(person, 'bob', 'o1', 'bob@acme.example', 'Bob')
    await s.run(person, 'pat', 'o2', 'Pat@Partner.EXAMPLE', 'Pat')
  })
}

const room = (s: AsyncStore, id: string, title: string | null): Promise<{ seq: number } | undefined> =>
  s.get<{ seq: number }>(
    'INSERT INTO rooms (id, title, type, creator_id, org_id, created, last_activity) ' +
      "VALUES (?, ?, 'group', 'alice', 'o1', 'c', 'c') RETURNING seq",
    id,
    title
  )

export function storeContract (t: Test, open: OpenStore): void {
  t.test('queries: rows, arrays, changes, RETURNING, placeholders beside quoted text, portable aggregates', async t => {
    const s = await open(t)
    await s.exec(NOTES)
    t.equal(await s.run('INSERT INTO notes (n, label) VALUES (?, ?), (?, ?), (?, ?)', 1, 'a', 2, 'b', 3, null), 3)
    t.same(await s.all('SELECT n, label FROM notes ORDER BY n'), [
      { n: 1, label: 'a' },
      { n: 2, label: 'b' },
      { n: 3, label: null },
    ])
    t.same(await s.get('SELECT n FROM notes WHERE n = ?', 2), { n: 2 })
    t.equal(await s.get('SELECT n FROM notes WHERE n = ?', 9), undefined, 'no row: undefined')
    t.same(await s.values('SELECT n, label FROM notes WHERE n < ? ORDER BY n', 3), [
      [1, 'a'],
      [2, 'b'],
    ])
    t.equal(await s.run('UPDATE notes SET label = ? WHERE n > ?', 'z', 1), 2, 'run resolves to the rows changed')
    t.equal(await s.run('INSERT INTO notes (n) VALUES (?) ON CONFLICT DO NOTHING', 1), 0, 'ON CONFLICT DO NOTHING')
    t.same(
      await s.get("SELECT 'it''s a ? -- not a placeholder' AS q, CAST(? AS TEXT) AS v /* ? */", 'x'),
      { q: "it's a ? -- not a placeholder", v: 'x' },
      '? inside quotes and comments is text'
    )
    const ids = await s.all<{ seq: number }>(
      "INSERT INTO orgs (id, name, domain, created) VALUES ('o9', 'x', 'x.example', 'c') RETURNING id AS seq"
    )
    t.same(ids, [{ seq: 'o9' }], 'INSERT ... RETURNING through all()')
    t.same(
      await s.get(
        'SELECT count(*) AS n, sum(n) AS total, count(*) FILTER (WHERE n < ?) AS small, ' +
          `${s.dialect.greatest('?', 'max(n)')} AS big FROM notes`,
        3,
        10
      ),
      { n: 3, total: 6, small: 2, big: 10 },
      'count, sum, FILTER and the greatest() helper give numbers on both'
    )
    await s.run(
      'INSERT INTO notes (n) WITH RECURSIVE c(x) AS (SELECT 10 UNION ALL SELECT x + 1 FROM c WHERE x < 2509) ' +
        'SELECT x FROM c'
    )
    let sum = 0
    const rows = await s.scan<[number]>('SELECT n FROM notes WHERE n >= ? ORDER BY n', [10], ([n]) => {
      sum += n
    })
    t.equal(rows, 2500, 'scan streams every row')
    t.equal(sum, (10 + 2509) * 1250, 'as arrays')
  })

  t.test("a transaction's queries join it through the async context; outside, none see its partial state", async t => {
    const s = await open(t)
    await s.exec(NOTES)
    t.notOk(s.inTransaction())
    let seenInside = -1
    let release!: () => void
    const gate = new Promise<void>(resolve => {
      release = resolve
    })
    let inside!: () => void
    const started = new Promise<void>(resolve => {
      inside = resolve
    })
    const failing = s.tx(async () => {
      t.ok(s.inTransaction())
      await s.run('INSERT INTO notes (n) VALUES (1)')
      // A helper that knows nothing of the transaction still runs in it.
      seenInside = await count(s)
      inside()
      await gate
      throw new Error('changed my mind')
    })
    await started
    const outside = count(s)
    release()
    await t.rejects(failing, /changed my mind/)
    t.equal(seenInside, 1, 'the body reads its own write')
    t.equal(await outside, 0, 'a read from outside never sees the partial state')
    t.equal(await count(s), 0, 'rolled back')
  })

  t.test('the async context, off while no transaction runs, follows the next one across every wait', async t => {
    const s = await open(t)
    await s.exec(NOTES)
    await s.tx(async () => {
      await s.run('INSERT INTO notes (n) VALUES (0)')
    })
    // Turns with no transaction: the store switches the context off (db.ts, idle).
    await turn()
    await turn()
    // Work begun while it was off, still running while a transaction runs, is outside that transaction.
    const outsider = (async () => {
      await turn()
      const during = s.inTransaction()
      await new Promise<void>(resolve => process.nextTick(resolve))
      return [during, s.inTransaction()]
    })()
    // Started from a promise reaction, the hardest place to switch it on again.
    await Promise.resolve()
    const inner = await s.tx(async () => {
      const seen: boolean[] = [s.inTransaction()]
      await turn()
      seen.push(s.inTransaction())
      await new Promise<void>(resolve => queueMicrotask(resolve))
      await new Promise<void>(resolve => process.nextTick(resolve))
      seen.push(s.inTransaction())
      await s.run('INSERT INTO notes (n) VALUES (1)')
      await t.rejects(
        s.tx(async () => {
          await turn()
          await s.run('INSERT INTO notes (n) VALUES (2)')
          throw new Error('nested fails')
        }),
        /nested fails/
      )
      return { seen, n: await count(s) }
    })
    t.same(inner.seen, [true, true, true], 'the body is in its transaction after each wait')
    t.equal(inner.n, 2, 'its own write is there, the failed savepoint\'s is not')
    const [during, after] = await outsider
    t.equal(during, false, 'the outsider is not in the transaction')
    t.equal(after, false, 'nor later')
    t.equal(await count(s), 2, 'committed')
  })

  t.test('a nested tx is a savepoint: it fails alone; a failed statement fails its frame even if caught', async t => {
    const s = await open(t)
    await s.exec(NOTES)
    await s.tx(async () => {
      await s.run('INSERT INTO notes (n) VALUES (1)')
      await t.rejects(
        s.tx(async () => {
          await s.run('INSERT INTO notes (n) VALUES (2)')
          throw new Error('inner')
        }),
        /inner/
      )
      // An expected failure goes in a nested tx: the outer transaction goes on.
      await t.rejects(s.tx(() => s.run('INSERT INTO notes (n) VALUES (1)')), 'a duplicate key, in a savepoint')
      await s.tx(async () => {
        await s.run('INSERT INTO notes (n) VALUES (3)')
        await s.tx(() => s.run('INSERT INTO notes (n) VALUES (4)'))
      })
    })
    t.same(
      (await s.values<[number]>('SELECT n FROM notes ORDER BY n')).map(r => r[0]),
      [1, 3, 4],
      'the failed savepoints left nothing; the others committed with the transaction'
    )
    await t.rejects(
      s.tx(async () => {
        await s.run('INSERT INTO notes (n) VALUES (5)')
        await s.run('INSERT INTO notes (n) VALUES (1)').catch(() => undefined)
        return 'swallowed'
      }),
      'a statement that failed fails the transaction, though the body caught it'
    )
    t.equal(await count(s, 'n = 5'), 0, 'and nothing of it is kept')
    // Nested transactions started together in one frame run one after the other.
    await s.tx(async () => {
      await Promise.all(
        [10, 20, 30].map(n =>
          s.tx(async () => {
            await s.run('INSERT INTO notes (n) VALUES (?)', n)
            await s.run('INSERT INTO notes (n) VALUES (?)', n + 1)
          })
        )
      )
    })
    t.equal(await count(s, 'n >= 10'), 6)
  })

  t.test('emit: the change log row and the sinks run inside the transaction; listeners hear of commits', async t => {
    const s = await open(t)
    await org(s)
    await s.exec(NOTES)
    const heard: StoredEvent[] = []
    s.onEvent(async e => {
      // An async sink: its writes are part of the event's transaction.
      await s.run('INSERT INTO notes (n, label) VALUES (?, ?)', e.seq, e.event)
      heard.push(e)
    })
    let commits = 0
    s.onCommit(() => {
      commits++
    })
    const event = {
      resource: 'rooms' as const,
      event: 'created' as const,
      actorId: 'alice',
      orgId: 'o1',
      data: { id: 'r1' },
    }
    const stored = await s.tx(() => s.emit(event))
    t.ok(stored.seq > 0, 'the event has its change-log seq')
    t.same(await s.get('SELECT resource, event, data FROM events WHERE seq = ?', stored.seq), {
      resource: 'rooms',
      event: 'created',
      data: '{"id":"r1"}',
    })
    t.equal(await count(s, `n = ${stored.seq}`), 1, "the sink's write committed with it")
    t.equal(commits, 1, 'commit listeners told once')
    await t.rejects(
      s.tx(async () => {
        await s.emit({ ...event, event: 'deleted' })
        throw new Error('abort')
      }),
      /abort/
    )
    t.equal(heard.length, 2, 'the sink ran for the second event too')
    t.equal(await count(s, "label = 'deleted'"), 0, "but the sink's write rolled back with the transaction")
    t.equal(commits, 1, 'and nobody was told of a commit')
    await t.rejects(s.emit(event), /outside a transaction/, 'an event outside a transaction is refused')
    await s.tx(async () => {
      s.wakeOnCommit()
    })
    t.equal(commits, 2, 'wakeOnCommit in a transaction: told after its commit')
    s.wakeOnCommit()
    t.equal(commits, 3, 'outside one: told at once')
  })

  t.test('afterCommit: after its own commit only, before the listeners; never for what rolled back', async t => {
    const s = await open(t)
    await s.exec(NOTES)
    const ran: string[] = []
    s.onCommit(() => {
      ran.push('listeners')
    })
    await s.tx(async () => {
      await s.run('INSERT INTO notes (n) VALUES (1)')
      s.afterCommit(() => ran.push('outer'))
      await s.tx(async () => {
        s.afterCommit(() => ran.push('released savepoint'))
      })
      await s.tx(async () => {
        s.afterCommit(() => ran.push('rolled-back savepoint'))
        throw new Error('undo')
      }).catch(() => undefined)
      t.same(ran, [], 'nothing before the commit')
    })
    t.same(ran, ['outer', 'released savepoint', 'listeners'], 'after the commit, then the listeners')
    ran.length = 0
    await s.tx(async () => {
      s.afterCommit(() => ran.push('rolled back'))
      throw new Error('undo')
    }).catch(() => undefined)
    await s.txGrouped(async () => {
      s.afterCommit(() => ran.push('grouped'))
    })
    await new Promise(resolve => s.whenCommitted(resolve))
    t.same(ran, ['grouped', 'listeners'], 'a grouped body: with its group; a rolled-back one: never')
    ran.length = 0
    s.afterCommit(() => ran.push('outside'))
    t.same(ran, ['outside'], 'outside a transaction: at once')

    // Two transactions at once (PostgreSQL runs them side by side; SQLite one after the other): the one that
    // commits first does not run what the other asked for.
    ran.length = 0
    let release!: () => void
    const held = new Promise<void>(resolve => {
      release = resolve
    })
    let asked!: () => void
    const inFirst = new Promise<void>(resolve => {
      asked = resolve
    })
    const first = s.tx(async () => {
      await s.run('INSERT INTO notes (n) VALUES (2)')
      s.afterCommit(() => ran.push('first'))
      asked()
      await held
    })
    await inFirst
    const second = s.tx(async () => {
      await s.run('INSERT INTO notes (n) VALUES (3)')
      s.afterCommit(() => ran.push('second'))
    })
    if (s.dialect.name === 'postgres') {
      await second
      t.notOk(ran.includes('first'), "the second's commit does not run the first's")
    }
    release()
    await Promise.all([first, second])
    t.same([...ran].filter(r => r !== 'listeners').sort(), ['first', 'second'], 'each after its own commit')
  })

  t.test('txGrouped: the body succeeds or fails alone; whenCommitted answers once it is durable', async t => {
    const s = await open(t)
    await s.exec(NOTES)
    const results = await Promise.allSettled([
      s.txGrouped(() => s.run('INSERT INTO notes (n) VALUES (1)')),
      s.txGrouped(async () => {
        await s.run('INSERT INTO notes (n) VALUES (2)')
        throw new Error('refused')
      }),
      s.txGrouped(() => s.run('INSERT INTO notes (n) VALUES (3)')),
    ])
    t.same(
      results.map(r => r.status),
      ['fulfilled', 'rejected', 'fulfilled']
    )
    t.equal(await new Promise(resolve => s.whenCommitted(resolve)), undefined, 'committed without an error')
    t.same((await s.values<[number]>('SELECT n FROM notes ORDER BY n')).map(r => r[0]), [1, 3])
  })

  t.test('concurrent transactions: atomic updates, FOR UPDATE and serializable retries all count exactly', async t => {
    const s = await open(t)
    await s.exec('CREATE TABLE counters (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)')
    await s.run('INSERT INTO counters (id, v) VALUES (1, 0), (2, 0), (3, 0)')
    await Promise.all(
      Array.from({ length: 40 }, () => s.tx(() => s.run('UPDATE counters SET v = v + 1 WHERE id = 1')))
    )
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.tx(async () => {
          const { v } = (await s.get<{ v: number }>(`SELECT v FROM counters WHERE id = 2${s.dialect.forUpdate}`))!
          await turn()
          await s.run('UPDATE counters SET v = ? WHERE id = 2', v + 1)
        })
      )
    )
    await Promise.all(
      Array.from({ length: 8 }, () =>
        s.tx(
          async () => {
            const { v } = (await s.get<{ v: number }>('SELECT v FROM counters WHERE id = 3'))!
            await s.run('UPDATE counters SET v = ? WHERE id = 3', v + 1)
          },
          { isolation: 'serializable', retries: 20 }
        )
      )
    )
    t.same(await s.values('SELECT v FROM counters ORDER BY id'), [[40], [20], [8]])
  })

  t.test('generation: bumped by every transaction and by invalidate()', async t => {
    const s = await open(t)
    const g = s.generation
    await s.tx(async () => {})
    t.ok(s.generation > g)
    const h = s.generation
    s.invalidate()
    t.ok(s.generation > h)
  })

  t.test("the schema's derived state: member and external counts, external domains, search_dirty, trash", async t => {
    const s = await open(t)
    await org(s)
    const r1 = (await s.tx(() => room(s, 'r1', 'Project Apollo')))!.seq
    const member = 'INSERT INTO memberships (room_id, person_id, created) VALUES (?, ?, ?)'
    await s.tx(async () => {
      for (const p of ['alice', 'bob', 'pat']) await s.run(member, 'r1', p, 'c')
    })
    t.same(await s.get('SELECT member_count, external_count FROM rooms WHERE id = ?', 'r1'), {
      member_count: 3,
      external_count: 1,
    })
    t.same(await s.all('SELECT domain, members FROM room_domains WHERE room_id = ?', 'r1'), [
      { domain: 'partner.example', members: 1 },
    ], "the external member's domain, folded to lower case")
    await s.run('DELETE FROM memberships WHERE person_id = ?', 'pat')
    t.same(await s.get('SELECT member_count, external_count FROM rooms WHERE id = ?', 'r1'), {
      member_count: 2,
      external_count: 0,
    })
    t.same(await s.all('SELECT * FROM room_domains'), [], 'and no domain left')
    // SQLite keeps the dirty spaces in search_dirty; PostgreSQL moves each into the change log every instance
    // reads (search_changes), leaving search_dirty empty.
    const log = s.dialect.name === 'postgres' ? 'search_changes' : 'search_dirty'
    const dirty = (): Promise<unknown[]> => s.values(`SELECT DISTINCT room_seq FROM ${log}`)
    if (log === 'search_changes') t.same(await s.values('SELECT room_seq FROM search_dirty'), [], 'search_dirty empty')
    t.same(await dirty(), [[r1]], 'the space is dirty for the search index')
    await s.run(`DELETE FROM ${log}`)
    await s.run("INSERT INTO tags (id, org_id, name, created) VALUES ('t1', 'o1', 'Legal', 'c')")
    await s.run("INSERT INTO space_tags (room_seq, tag_id) VALUES (?, 't1')", r1)
    await s.run("INSERT INTO directory_groups (id, org_id, name, created) VALUES ('g1', 'o1', 'Sales', 'c')")
    await s.run("INSERT INTO group_members (group_id, person_id) VALUES ('g1', 'bob')")
    t.same(await dirty(), [[r1]], 'tags and group members dirty it too')
    t.same(
      await s.values(`SELECT rowid FROM room_titles WHERE title ${s.dialect.ilike} ?`, '%APOLLO%'),
      [[r1]],
      'the title index answers substrings, folding ASCII case'
    )
    await s.run("UPDATE rooms SET title = 'Project Gemini' WHERE id = 'r1'")
    t.same(await s.values(`SELECT rowid FROM room_titles WHERE title ${s.dialect.ilike} ?`, '%apollo%'), [])
    t.same(await s.values(`SELECT rowid FROM room_titles WHERE title ${s.dialect.ilike} ?`, '%gemini%'), [[r1]])
    // A message with a file and a card action: deleting it trashes the file and takes the action with it.
    await s.tx(async () => {
      await s.run(
        "INSERT INTO messages (id, room_id, person_id, text, created) VALUES ('m1', 'r1', 'alice', 'hi', 'c')"
      )
      await s.run(
        'INSERT INTO contents (id, message_id, room_id, filename, content_type, size, created) ' +
          "VALUES ('f1', 'm1', 'r1', 'a.txt', 'text/plain', 2, 'c')"
      )
      await s.run(
        'INSERT INTO attachment_actions (id, message_id, room_id, person_id, type, inputs, created) ' +
          "VALUES ('a1', 'm1', 'r1', 'bob', 'submit', '{}', 'c')"
      )
    })
    await s.run("DELETE FROM messages WHERE id = 'm1'")
    t.same(await s.values('SELECT id FROM contents_trash'), [['f1']])
    t.same(await s.values('SELECT count(*) FROM contents'), [[0]])
    t.same(await s.values('SELECT count(*) FROM attachment_actions'), [[0]])
    // Deleting a space takes its tags, title and retention override.
    await s.run("INSERT INTO retention_overrides (room_id, mode, set_by, created) VALUES ('r1', 'keep', 'x', 'c')")
    await s.tx(async () => {
      await s.run("DELETE FROM memberships WHERE room_id = 'r1'")
      await s.run("DELETE FROM rooms WHERE id = 'r1'")
    })
    t.same(
      await s.values(
        'SELECT (SELECT count(*) FROM space_tags), (SELECT count(*) FROM room_titles), ' +
          '(SELECT count(*) FROM retention_overrides)'
      ),
      [[0, 0, 0]]
    )
  })

  t.test('case-insensitive columns and names, as SQLite NOCASE has them, in the same SQL on both', async t => {
    const s = await open(t)
    await org(s)
    t.same(await s.get('SELECT id FROM people WHERE email = ?', 'ALICE@acme.EXAMPLE'), { id: 'alice' }, 'emails')
    t.same(await s.get('SELECT id FROM orgs WHERE domain = ?', 'acme.example'), { id: 'o1' }, 'domains')
    await t.rejects(
      s.run(
        "INSERT INTO people (id, org_id, email, display_name, first_name, last_name, created) VALUES ('x', 'o1', " +
          "'BOB@ACME.EXAMPLE', 'x', '', '', 'c')"
      ),
      'an email differing only in case is taken'
    )
    await s.run("INSERT INTO tags (id, org_id, name, created) VALUES ('t1', 'o1', 'legal', 'c'), " +
      "('t2', 'o1', 'Board', 'c'), ('t3', 'o1', 'alpha', 'c')")
    await t.rejects(
      s.run("INSERT INTO tags (id, org_id, name, created) VALUES ('t4', 'o1', 'LEGAL', 'c')"),
      'a tag name differing only in case is taken'
    )
    t.same(await s.get('SELECT id FROM tags WHERE org_id = ? AND name = ? COLLATE NOCASE', 'o1', 'Legal'), {
      id: 't1',
    })
    t.same(
      (await s.values<[string]>('SELECT name FROM tags WHERE org_id = ? ORDER BY name COLLATE NOCASE', 'o1')).map(
        r => r[0]
      ),
      ['alpha', 'Board', 'legal'],
      'ordered ignoring case'
    )
    t.same(
      await s.values(`SELECT id FROM people WHERE display_name ${s.dialect.ilike} ? ESCAPE '\\' ORDER BY id`, 'AL%'),
      [['alice']],
      'LIKE folding ASCII case'
    )
    t.same(await s.values('SELECT id FROM people WHERE display_name = ?', 'alice'), [], 'other text keeps its case')
  })

  t.test('claim: each row once, smallest first; a claim that rolls back frees its rows', async t => {
    const s = await open(t)
    await s.exec('CREATE TABLE jobs (seq INTEGER PRIMARY KEY, status TEXT NOT NULL, owner TEXT)')
    await s.run(
      'INSERT INTO jobs (seq, status) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) ' +
        "SELECT x, 'queued' FROM c"
    )
    const spec = (owner: string) => ({
      table: 'jobs',
      key: 'seq',
      where: "status = 'queued'",
      orderBy: 'seq',
      limit: 4,
      set: "status = 'running', owner = ?",
      setParams: [owner],
    })
    const a = await claim<{ seq: number; owner: string }>(s, spec('a'))
    t.same(a.map(r => r.seq), [1, 2, 3, 4])
    t.same([...new Set(a.map(r => r.owner))], ['a'])
    await t.rejects(
      s.tx(async () => {
        t.same((await claim<{ seq: number }>(s, spec('b'))).map(r => r.seq), [5, 6, 7, 8])
        throw new Error('crashed mid-claim')
      })
    )
    t.same((await claim<{ seq: number }>(s, spec('c'))).map(r => r.seq), [5, 6, 7, 8], 'free again')
    t.same((await claim<{ seq: number }>(s, spec('d'))).map(r => r.seq), [9, 10])
    t.same(await claim(s, spec('e')), [])
  })
}
