import t from 'tap'
import { openDatabase } from '../src/store/sqlite.js'
import { openPostgresStore } from '../src/store/postgres.js'
import { CLUSTER_TABLES } from '../src/store/pg-migrations.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'

// PostgreSQL's first migration builds the schema SQLite's migrations end with: read from both catalogs, the
// same tables, the same columns (name, type family, NOT NULL, in order) and the same named indexes.

interface Column {
  name: string
  type: 'integer' | 'text'
  notNull: boolean
}

function sqliteSchema (): { tables: Map<string, Column[]>; indexes: string[] } {
  const db = openDatabase({ dataDir: ':memory:' })
  const names = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY name")
    .all() as Array<{ name: string; sql: string }>
  // FTS5 keeps its index in shadow tables (room_titles_data, ...): not part of the schema the code uses.
  const virtual = names.filter(n => /^CREATE VIRTUAL TABLE/i.test(n.sql)).map(n => n.name)
  const tables = new Map<string, Column[]>()
  for (const { name } of names) {
    if (virtual.some(v => name.startsWith(`${v}_`))) continue
    const cols = db.prepare(`PRAGMA table_info(${name})`).all() as Array<{
      name: string
      type: string
      notnull: number
      pk: number
    }>
    const columns: Column[] = cols.map(c => ({
      name: c.name,
      type: /INT/i.test(c.type) ? 'integer' : 'text',
      // A PRIMARY KEY column is never NULL in practice (INTEGER PRIMARY KEY is the rowid; the others are written).
      notNull: c.notnull === 1 || c.pk > 0,
    }))
    // A virtual table's rowid is its key: PostgreSQL's table spells it out.
    if (virtual.includes(name)) {
      columns.unshift({ name: 'rowid', type: 'integer', notNull: true })
      for (const c of columns) c.notNull = true
    }
    tables.set(name, columns)
  }
  const indexes = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as Array<{
      name: string
    }>
  ).map(r => r.name)
  db.close()
  return { tables, indexes }
}

const skip = await pgUnavailable()
t.test('PostgreSQL and SQLite have the same tables, columns and named indexes', { skip }, async t => {
  const store = await openPostgresStore({ url: await freshDatabase(t), poolMax: 1 })
  t.teardown(() => store.close())
  const cols = await store.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
  )
  const pgTables = new Map<string, Column[]>()
  for (const c of cols) {
    if (CLUSTER_TABLES.includes(c.table_name)) continue
    const list = pgTables.get(c.table_name) ?? []
    list.push({
      name: c.column_name,
      type: /int/.test(c.data_type) ? 'integer' : c.data_type === 'text' ? 'text' : (c.data_type as 'text'),
      notNull: c.is_nullable === 'NO',
    })
    pgTables.set(c.table_name, list)
  }
  const lite = sqliteSchema()
  t.same([...pgTables.keys()].sort(), [...lite.tables.keys()].sort(), 'the same tables')
  for (const [name, columns] of lite.tables) t.same(pgTables.get(name), columns, `${name}: the same columns`)
  const pgIndexes = (
    await store.values<[string]>('SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()')
  ).map(r => r[0])
  t.same(
    lite.indexes.filter(i => !pgIndexes.includes(i)),
    [],
    "every one of SQLite's named indexes is there"
  )
  const present = new Set(
    (await store.values<[string]>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()')).map(r => r[0])
  )
  t.same(
    CLUSTER_TABLES.filter(c => !present.has(c)),
    [],
    'and the cluster tables'
  )
})
