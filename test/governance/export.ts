import type { Test } from 'tap'
import { isWebexError } from '../helpers/assertions.js'
import { GENESIS } from '../../src/governance/audit.js'
import type { GovTarget, MakeGovTarget } from './target.js'
import { retentionSetup } from './retention.js'

/** A raw GET (exports are not always JSON): status, headers and the text as received. */
async function raw (x: GovTarget, path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(x.url + path, { headers: { authorization: 'Bearer demo-carol-token' } })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

/** A CSV line's fields (RFC 4180 quoting). */
function fields (line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (c === '"') quoted = false
      else cur += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

/** CSV records split on the CRLF that ends them (quoted fields may hold line breaks). */
function records (text: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    if (!quoted && c === '\r' && text[i + 1] === '\n') {
      out.push(cur)
      cur = ''
      i++
    } else cur += c
  }
  return out
}

export function exportSuite (t: Test, make: MakeGovTarget): void {
  t.test('search results exported whole, streamed as JSON and CSV, with the filter, time and officer', async t => {
    const x = await make(t)
    await x.alice('POST', '/v1/rooms', { title: '=HYPERLINK("http://evil.test","click"), "quoted"' })
    await x.settle()
    const search = (await x.carol('GET', '/v1/governance/spaces?type=group&max=1000')).body.items
    const json = await raw(x, '/v1/governance/export/spaces?type=group&format=json')
    t.equal(json.status, 200)
    t.match(json.headers.get('content-type'), /application\/json/)
    t.match(json.headers.get('content-disposition'), /attachment; filename="spaces-.*\.json"/)
    t.equal(json.headers.get('content-length'), null, 'streamed, not sized up front')
    const body = JSON.parse(json.text)
    t.match(body.export, {
      kind: 'spaces',
      filter: { type: 'group' },
      officer: { id: x.ids.carol, email: 'carol@example.com', displayName: 'Carol Compliance' },
    })
    t.ok(Date.parse(body.export.generated), 'when')
    t.same(
      body.items.map((s: any) => s.id),
      search.map((s: any) => s.id),
      'the same spaces, in the same order, as search'
    )
    t.equal(body.count, search.length)

    const csv = await raw(x, '/v1/governance/export/spaces?type=group&format=csv')
    t.match(csv.headers.get('content-type'), /text\/csv/)
    const lines = records(csv.text)
    t.same(
      lines.slice(0, 4).map(l => l.split(':')[0]),
      ['# export', '# filter', '# generated', '# officer'],
      'the header lines'
    )
    t.equal(lines[1], '# filter: {"type":"group"}', 'the filter as JSON, as written')
    t.match(lines[3], /Carol Compliance <carol@example\.com>/)
    t.same(fields(lines[4]).slice(0, 3), ['id', 'title', 'type'])
    const rows = lines.slice(5, -1).map(fields)
    t.equal(rows.length, search.length)
    t.equal(lines.at(-1), `# end: ${search.length} records`)
    const evil = rows.find(r => r[1].includes('HYPERLINK'))!
    t.equal(evil[1], '\'=HYPERLINK("http://evil.test","click"), "quoted"', 'no formula, quotes and commas kept')
    t.same(
      rows.map(r => r[0]),
      search.map((s: any) => s.id)
    )
    const audit = (await x.carol('GET', '/v1/governance/audit?max=100')).body.items.filter(
      (a: any) => a.action === 'export.spaces'
    )
    t.same(
      audit.map((a: any) => [a.detail.format, a.detail.filter, a.detail.records]),
      [
        ['json', { type: 'group' }, search.length],
        ['csv', { type: 'group' }, search.length],
      ],
      'each export is audited'
    )
  })

  t.test("export filters are validated as search's, and a refused export leaves nothing", async t => {
    const x = await make(t)
    isWebexError(
      t,
      await x.carol('GET', '/v1/governance/export/spaces?classificationId=nope'),
      400,
      /classificationId/
    )
    isWebexError(t, await x.carol('GET', '/v1/governance/export/spaces?groups=nope'), 400, /group/)
    isWebexError(t, await x.carol('GET', '/v1/governance/export/spaces?scope=everywhere'), 400, /scope/)
    isWebexError(t, await x.carol('GET', '/v1/governance/export/spaces?inactiveDays=-1'), 400, /inactiveDays/)
    isWebexError(t, await x.carol('GET', '/v1/governance/export/spaces?format=xlsx'), 400, /format/)
    isWebexError(t, await x.carol('GET', '/v1/governance/export/audit?from=yesterday'), 400, /from/)
    isWebexError(t, await x.carol('GET', '/v1/governance/export/plan?roomId=nope'), 400)
    t.same(
      (await x.carol('GET', '/v1/governance/audit?max=100')).body.items.filter((a: any) =>
        a.action.startsWith('export')
      ),
      [],
      'no export was recorded'
    )
  })

  t.test('the plan exported whole, holds included', async t => {
    const x = await retentionSetup(t, make)
    await x.carol('POST', '/v1/governance/retention/policies', { name: 'All 30', action: 'deleteMessages', days: 30 })
    await x.carol('POST', '/v1/governance/holds', { name: 'Matter', roomId: x.ids.finance })
    const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
    const body = JSON.parse((await raw(x, '/v1/governance/export/plan')).text)
    t.match(body.export, { kind: 'plan', filter: {} })
    t.same(body.items, plan.items)
    const csv = records((await raw(x, '/v1/governance/export/plan?format=csv')).text)
    const head = fields(csv[4])
    const rows = csv.slice(5, -1).map(r => Object.fromEntries(fields(r).map((v, i) => [head[i], v])))
    t.same(
      rows.map(r => [r.roomId, r.decidedBy, r.holdName]),
      plan.items.map((i: any) => [i.roomId, i.decidedBy, i.hold?.name ?? ''])
    )
    const one = JSON.parse((await raw(x, `/v1/governance/export/plan?roomId=${x.ids.apollo}`)).text)
    t.same(
      one.items.map((i: any) => i.roomId),
      [x.ids.apollo]
    )
  })

  t.test('an audit range exported with its hashes: the chain can be checked from the export alone', async t => {
    const x = await make(t)
    for (const name of ['A', 'B', 'C']) await x.carol('POST', '/v1/governance/tags', { name })
    const all = JSON.parse((await raw(x, '/v1/governance/export/audit')).text)
    t.match(all.export, { kind: 'audit' })
    const tags = all.items.filter((r: any) => r.action === 'tag.created')
    t.equal(tags.length, 3)
    t.equal(all.items[0].prevHash, GENESIS)
    for (let i = 1; i < all.items.length; i++) t.equal(all.items[i].prevHash, all.items[i - 1].hash)
    const csv = records((await raw(x, '/v1/governance/export/audit?format=csv')).text)
    const head = fields(csv[4])
    t.same(head, ['id', 'at', 'actorId', 'policyId', 'roomId', 'action', 'detail', 'prevHash', 'hash'])
    const future = JSON.parse((await raw(x, '/v1/governance/export/audit?from=2030-01-01T00:00:00Z')).text)
    t.same([future.items, future.count], [[], 0], 'an empty range')
  })
}
