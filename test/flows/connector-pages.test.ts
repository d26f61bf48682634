import t from 'tap'
import { flowFile, host, startFlows, statuses } from './helpers.js'

// runtimeConfiguration.paginationPolicy.minimumItemCount on the connector's own list operations: Logic Apps pages a
// connector's list until it has that many items or no page is left; here the next page is the Webex Link rel="next".
const list = (extra: Record<string, unknown> = {}) => ({
  type: 'ApiConnection',
  inputs: { host: host('GetSpacesList'), parameters: { max: 2, sortBy: 'created' } },
  ...extra,
})

t.test('paginationPolicy follows Link rel="next" until minimumItemCount, joining the items', async t => {
  const s = await startFlows(t, {
    pages: flowFile({
      One: list(),
      Five: list({ runtimeConfiguration: { paginationPolicy: { minimumItemCount: 5 } } }),
      All: list({ runtimeConfiguration: { paginationPolicy: { minimumItemCount: 1000 } } }),
    }),
  })
  for (let i = 0; i < 6; i++) {
    t.equal((await s.alice('POST', '/v1/rooms', { title: `Paged ${i}` })).status, 200)
  }
  const mine = (await s.alice('GET', '/v1/rooms?max=1000')).body.items.length as number
  t.ok(mine >= 8, 'Alice has enough spaces for several pages')
  const run = await s.runNow('pages')
  t.same(statuses(run), { One: 'Succeeded', Five: 'Succeeded', All: 'Succeeded' })
  const out = (n: string) => run.actions.find((a: any) => a.name === n).outputs
  t.equal(out('One').body.items.length, 2, 'without a policy: one page')
  t.match(out('One').headers.link, /rel="next"/, 'whose Link points on')
  t.equal(out('Five').body.items.length, 6, 'pages of 2 until at least 5: three pages')
  t.equal(out('Five').headers.link, undefined, 'the joined result has no Link of its own')
  t.equal(out('All').body.items.length, mine, 'a minimum beyond the list: every page, then it stops')
  const ids = out('All').body.items.map((r: any) => r.id)
  t.equal(new Set(ids).size, ids.length, 'no item twice')
})
