import t from 'tap'
import pg from 'pg'
import { openPostgresStore } from '../src/store/postgres.js'
import { Ctx } from '../src/store/ctx.js'
import { SearchIndex } from '../src/governance/search-index.js'
import { Leases } from '../src/store/cluster/leases.js'
import { instanceLease } from '../src/store/cluster/presence.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { decodeId } from '../src/ids.js'
import { client, startService } from './helpers/service.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { privatePostgresUnavailable, startPrivatePostgres } from './helpers/private-postgres.js'

// The search index's change log on PostgreSQL, two indexes as two instances on one database: each reads from its
// own horizon, a change committed late (by a transaction older than one already read) is not skipped, and
// pruning keeps what a live reader has not read.
const skip = await pgUnavailable()
if (skip) t.comment(`The search change log tests ${skip}`)

t.test('two instances read the change log from their own horizons; pruning loses nothing', { skip }, async t => {
  // A server of its own where one can be started: horizons are the oldest snapshot on the whole server (xmin is
  // not per database), so another test's open transaction on the shared server holds the prune back and the
  // counts below would depend on what else runs (CI failed on exactly that).
  const url = (await privatePostgresUnavailable())
    ? await freshDatabase(t)
    : (await startPrivatePostgres(t, ['webex'])).url('webex')
  const svc = await startService(t, { store: 'postgres', databaseUrl: url, flows: { enabled: false } })
  const carol = client(svc.url, DEMO.tokens.carol)
  const tag = (await carol('POST', '/v1/governance/tags', { name: 'Late' })).body.id as string
  // The service made the schema, the organisation and the tag; from here the two indexes are the only readers.
  await svc.app.close()
  const open = async (): Promise<{ ctx: Ctx; index: SearchIndex; id: string }> => {
    const store = await openPostgresStore({ url, poolMax: 2 })
    t.teardown(() => store.close())
    // Alive as far as pruning can tell: the instance's lease, held for the test.
    await new Leases(store, store.instanceId, 600_000).acquire(instanceLease(store.instanceId))
    const ctx = new Ctx({ dialect: 'postgres', store })
    return { ctx, index: new SearchIndex(ctx), id: store.instanceId }
  }
  const a = await open()
  const b = await open()
  const local = (room: string): string => decodeId('ROOM', room)!
  const org = (await a.ctx.get<{ org_id: string }>('SELECT org_id FROM rooms WHERE id = ?', local(DEMO_IDS.apollo)))!
    .org_id
  const seqOf = async (room: string): Promise<number> =>
    (await a.ctx.get<{ seq: number }>('SELECT seq FROM rooms WHERE id = ?', local(room)))!.seq
  const tagged = async (index: SearchIndex): Promise<number[]> =>
    (await index.matches({ orgId: org, tags: { ids: [tag], all: false } })).sort((x, y) => x - y)
  t.same(await tagged(a.index), [], 'a: built, nothing tagged')
  t.same(await tagged(b.index), [], 'b: built, nothing tagged')
  await a.index.prune()

  // A transaction that starts writing first and commits last.
  const late = new pg.Client({ connectionString: url })
  await late.connect()
  t.teardown(() => late.end())
  await late.query('BEGIN')
  await late.query('INSERT INTO space_tags (room_seq, tag_id) VALUES ($1, $2)', [await seqOf(DEMO_IDS.finance), tag])
  const apollo = await seqOf(DEMO_IDS.apollo)
  await a.ctx.run('INSERT INTO space_tags (room_seq, tag_id) VALUES (?, ?)', apollo, tag)
  const finance = await seqOf(DEMO_IDS.finance)
  t.same(await tagged(a.index), [apollo], 'a sees the committed change')
  t.equal(await a.index.prune(), 0, 'nothing pruned while a reader has not read it (b is behind)')
  await a.index.keep()
  await late.query('COMMIT')
  t.same(await tagged(a.index), [apollo, finance].sort((x, y) => x - y), 'a sees the late commit too')
  await a.index.keep()
  t.same(await tagged(b.index), [apollo, finance].sort((x, y) => x - y), 'b, reading later, sees both')
  const count = async (): Promise<number> =>
    (await a.ctx.get<{ n: number }>('SELECT count(*) AS n FROM search_changes'))!.n
  t.ok((await count()) > 0, 'kept while b had not read them')
  await b.index.keep()
  t.equal(await count(), 0, 'what both have read is pruned')

  // A reader whose record is dropped (its instance taken for dead) rebuilds rather than miss pruned changes.
  await a.ctx.run('DELETE FROM search_readers WHERE instance = ?', a.id)
  await b.ctx.run('DELETE FROM space_tags WHERE room_seq = ? AND tag_id = ?', apollo, tag)
  t.same(await tagged(b.index), [finance], 'b sees the removal')
  await b.index.keep()
  t.equal(await count(), 0, 'b, the only reader left, has read it: pruned')
  await a.index.keep()
  t.same(await tagged(a.index), [finance], 'a, dropped, rebuilt: the removal is there though its change was pruned')
})
