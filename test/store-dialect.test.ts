import t from 'tap'
import { numbered, POSTGRES, SQLITE } from '../src/store/dialect.js'
import { configFromEnv } from '../src/config.js'
import { isUnavailable, storeError } from '../src/store/pg-errors.js'
import { StoreUnavailableError } from '../src/errors.js'

t.test('? placeholders become $n, except inside quotes, identifiers, dollar quotes and comments', async t => {
  t.equal(numbered('SELECT * FROM t WHERE a = ? AND b IN (?, ?)'), 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)')
  t.equal(numbered("SELECT 'a?b', 'it''s ?', ? FROM t"), "SELECT 'a?b', 'it''s ?', $1 FROM t")
  t.equal(numbered("SELECT E'\\'?', ?"), "SELECT E'\\'?', $1", "E'' strings with backslash escapes")
  t.equal(numbered('SELECT "odd?name", ? FROM t'), 'SELECT "odd?name", $1 FROM t')
  t.equal(numbered('SELECT ? -- why?\n, ?'), 'SELECT $1 -- why?\n, $2')
  t.equal(numbered('SELECT /* a /* nested? */ still? */ ?'), 'SELECT /* a /* nested? */ still? */ $1')
  const body = 'DO $body$ BEGIN PERFORM 1 WHERE ? IS NULL; END $body$'
  t.equal(numbered(`${body}; SELECT ?`), `${body}; SELECT $1`)
  t.equal(numbered('SELECT $$?$$, ?'), 'SELECT $$?$$, $1')
  t.equal(numbered("SELECT 'unterminated ?"), "SELECT 'unterminated ?")
})

t.test('the dialect helpers', async t => {
  t.equal(SQLITE.greatest('a', '?'), 'max(a, ?)')
  t.equal(POSTGRES.greatest('a', '?'), 'GREATEST(a, ?)')
  t.equal(SQLITE.least('a', 'b'), 'min(a, b)')
  t.equal(POSTGRES.least('a', 'b'), 'LEAST(a, b)')
  t.equal(`${SQLITE.ilike}|${POSTGRES.ilike}`, 'LIKE|ILIKE')
  t.equal(`[${SQLITE.skipLocked}][${POSTGRES.skipLocked}]`, '[][ FOR UPDATE SKIP LOCKED]')
})

t.test('STORE and DATABASE_URL: sqlite by default, postgres needs a URL', async t => {
  t.match(configFromEnv({}), { store: 'sqlite', databaseUrl: '', databasePoolMax: 10 })
  t.match(configFromEnv({ STORE: 'postgres', DATABASE_URL: 'postgres://db/x', DATABASE_POOL_MAX: '3' }), {
    store: 'postgres',
    databaseUrl: 'postgres://db/x',
    databasePoolMax: 3,
  })
  t.throws(() => configFromEnv({ STORE: 'postgres' }), /STORE=postgres needs DATABASE_URL/)
  t.throws(() => configFromEnv({ STORE: 'mysql' }), /Invalid configuration: \/store/)
})

t.test('which driver errors mean the database is unreachable', async t => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code })
  for (const e of [
    coded('ECONNREFUSED'),
    coded('08006'),
    coded('57P01'),
    coded('3D000'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new AggregateError([coded('ECONNREFUSED')]),
  ]) {
    t.ok(isUnavailable(e), e.message || (e as { code?: string }).code || 'aggregate')
  }
  for (const e of [coded('23505', 'duplicate key'), coded('42P01', 'no such table'), new Error('boom'), 'text']) {
    t.notOk(isUnavailable(e), String(e))
  }
  const mapped = storeError(coded('ECONNRESET'), 3)
  t.ok(mapped instanceof StoreUnavailableError)
  t.match(mapped, { statusCode: 503, headers: { 'retry-after': '3' } })
  const same = coded('23505')
  t.equal(storeError(same, 3), same, 'others pass through as they are')
})
