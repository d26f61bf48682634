import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase, dbFile } from '../src/store/sqlite.js'
import { checkpointRound, type WalBound } from '../src/store/wal-bound.js'
import { tempDir } from './helpers/service.js'

// The checkpoint thread's round against a real store file whose WAL has grown past its limit: the writer's own
// checkpoints are off, as the Checkpointer sets them, its journal_size_limit is the limit (as the store's is
// the thread's), and a second connection stands in for the thread's.

const LIMIT = 256 * 1024

interface Files {
  writer: Database.Database
  thread: Database.Database
  reader: Database.Database
  bound: WalBound
  walSize: () => number
}

function setup (t: Test): Files {
  const dir = tempDir(t, 'webex-i19h-')
  const writer = openDatabase({ dataDir: dir })
  writer.pragma('wal_autocheckpoint = 0')
  writer.pragma(`journal_size_limit = ${LIMIT}`)
  writer.exec('CREATE TABLE notes (n INTEGER NOT NULL, body TEXT NOT NULL)')
  // Starts from an empty WAL: the schema's migrations alone would fill a small limit.
  writer.pragma('wal_checkpoint(TRUNCATE)')
  const thread = new Database(dbFile(dir))
  thread.pragma('busy_timeout = 5000')
  const reader = new Database(dbFile(dir), { readonly: true })
  t.teardown(() => {
    reader.close()
    thread.close()
    writer.close()
  })
  const walFile = join(dir, 'webex.db-wal')
  return {
    writer,
    thread,
    reader,
    bound: { walFile, limitBytes: LIMIT, busyMs: 2, restoreBusyMs: 5000 },
    walSize: () => statSync(walFile).size,
  }
}

/** Separate commits, each appending its own frames, until the WAL is over `bytes`. */
function grow (writer: Database.Database, walSize: () => number, bytes: number): void {
  const insert = writer.prepare('INSERT INTO notes VALUES (?, ?)')
  for (let n = 0; walSize() <= bytes; n++) insert.run(n, 'x'.repeat(4000))
}

/** A commit after a restart starts the WAL over and cuts the file to the writer's journal_size_limit. */
const commitOne = (writer: Database.Database): void => {
  writer.prepare('INSERT INTO notes VALUES (0, ?)').run('next')
}

t.test('a fully copied WAL over its limit is restarted and the next commit cuts it back', async t => {
  const { writer, thread, bound, walSize } = setup(t)
  grow(writer, walSize, 4 * LIMIT)
  t.equal(checkpointRound(thread, bound), 'restarted', 'the round restarted it')
  t.equal(thread.pragma('busy_timeout', { simple: true }), 5000, "the connection's busy timeout is restored")
  commitOne(writer)
  t.ok(walSize() <= LIMIT, `the -wal file is back within its limit (${walSize()} bytes)`)
  const count = writer.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }
  t.ok(count.n > 1, 'the rows are in the database file')
  grow(writer, walSize, 2 * LIMIT)
  t.equal(checkpointRound(thread, bound), 'restarted', 'and it does so again after it grows back')
  commitOne(writer)
  t.ok(walSize() <= LIMIT)
})

t.test('a WAL under its limit is only copied', async t => {
  const { writer, thread, bound, walSize } = setup(t)
  commitOne(writer)
  const before = walSize()
  t.ok(before > 0 && before <= LIMIT, 'a small WAL')
  t.equal(checkpointRound(thread, bound), 'copied')
  t.equal(walSize(), before, 'left as it is')
})

t.test('a reader in the way: the round gives up at once, holds up no writer, and restarts it later', async t => {
  const { writer, thread, reader, bound, walSize } = setup(t)
  grow(writer, walSize, 2 * LIMIT)
  // A read transaction on the newest snapshot: everything can be copied, but the restart must wait for it.
  reader.exec('BEGIN')
  reader.prepare('SELECT count(*) FROM notes').get()
  t.equal(checkpointRound(thread, bound), 'busy', 'BUSY rather than waiting for the reader')
  t.equal(thread.pragma('busy_timeout', { simple: true }), 5000, "the connection's busy timeout is restored")
  // No busy timeout: the write throws SQLITE_BUSY if the round left the write lock taken.
  writer.pragma('busy_timeout = 0')
  commitOne(writer)
  t.ok(walSize() > 2 * LIMIT, 'the WAL is still there for the reader')
  t.equal(checkpointRound(thread, bound), 'copied', 'frames the reader may not see yet: nothing to restart')
  reader.exec('COMMIT')
  t.equal(checkpointRound(thread, bound), 'restarted', 'the reader gone, the next round restarts it')
  commitOne(writer)
  t.ok(walSize() <= LIMIT)
})
