import t from 'tap'
import pg from 'pg'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { client, nextLink, tempDir } from './helpers/service.js'
import { freshDatabase, pgUnavailable } from './helpers/postgres.js'
import { privatePostgresUnavailable, startPrivatePostgres } from './helpers/private-postgres.js'
import { startCluster, until } from './helpers/cluster.js'
import { flowFile } from './flows/helpers.js'

// Three real instances (src/main.ts children) on one PostgreSQL database behind one PUBLIC_URL: whatever one
// writes or hands out, the others read and honour; the throttle counts for the cluster; a recurrence fires once.
const skip = await pgUnavailable()
if (skip) t.comment(`The cluster tests ${skip}`)

t.test('three instances on one database', { skip }, async t => {
  // A server of its own where one can be started: the change log is pruned below the oldest snapshot on the
  // whole server (xmin horizons are not per database), so another test's open transaction on the shared server
  // would hold the prune back for as long as it stays open.
  const databaseUrl = (await privatePostgresUnavailable())
    ? await freshDatabase(t)
    : (await startPrivatePostgres(t, ['webex'])).url('webex')
  const flowsDir = tempDir(t, 'flows-')
  writeFileSync(
    join(flowsDir, 'tick.json'),
    JSON.stringify(
      flowFile(
        { Note: { type: 'Compose', runAfter: {}, inputs: "@triggerBody()?['scheduledTime']" } },
        { trigger: { Every_second: { type: 'Recurrence', recurrence: { frequency: 'Second', interval: 1 } } } }
      )
    )
  )
  writeFileSync(
    join(flowsDir, 'door.json'),
    JSON.stringify(
      flowFile(
        {
          Answer: {
            type: 'Response',
            kind: 'Http',
            runAfter: {},
            inputs: { statusCode: 200, body: { echo: "@triggerBody()?['say']" } },
          },
        },
        { trigger: { manual: { type: 'Request', kind: 'Http', inputs: { method: 'POST' } } } }
      )
    )
  )
  // `single` runs one at a time for the cluster: each run's Http call is held here until the test lets it go.
  const held: Array<{ n: number; release: () => void }> = []
  let open = 0
  let most = 0
  const gate = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      most = Math.max(most, ++open)
      held.push({
        n: (JSON.parse(body) as { n: number }).n,
        release: () => {
          open--
          res.setHeader('content-type', 'application/json')
          res.end('{}')
        },
      })
    })
  })
  await new Promise<void>(resolve => gate.listen(0, '127.0.0.1', resolve))
  t.teardown(() => gate.close())
  const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`
  writeFileSync(
    join(flowsDir, 'single.json'),
    JSON.stringify(
      flowFile(
        {
          Call: {
            type: 'Http',
            runAfter: {},
            inputs: { method: 'POST', uri: `${gateUrl}/held`, body: { n: "@triggerBody()?['n']" } },
          },
        },
        {
          trigger: {
            manual: {
              type: 'Request',
              kind: 'Http',
              inputs: { method: 'POST' },
              runtimeConfiguration: { concurrency: { runs: 1, maximumWaitingRuns: 1 } },
            },
          },
        }
      )
    )
  )
  const cluster = await startCluster(t, 3, databaseUrl, {
    FLOWS_DIR: flowsDir,
    FLOWS_HTTP_ALLOW: gateUrl,
    THROTTLE_ENABLED: 'true',
    CLUSTER_LEASE_MS: '1500',
  })
  const [a] = cluster.instances
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  t.teardown(() => db.end())
  const alice = cluster.instances.map(i => client(i.url, DEMO.tokens.alice))
  const carol = cluster.instances.map(i => client(i.url, DEMO.tokens.carol))

  t.test('a write on one instance is read on the others, and a Link cursor continues anywhere', async t => {
    const room = await alice[0]('POST', '/v1/rooms', { title: 'Shared by three' })
    t.equal(room.status, 200)
    for (const other of [1, 2]) {
      t.equal((await alice[other]('GET', `/v1/rooms/${room.body.id}`)).body.title, 'Shared by three')
    }
    const sent: string[] = []
    for (const [i, text] of ['one', 'two', 'three'].entries()) {
      sent.push((await alice[i]('POST', '/v1/messages', { roomId: room.body.id, text })).body.id)
    }
    const seen: string[] = []
    let page = await alice[2]('GET', `/v1/messages?roomId=${room.body.id}&max=1`)
    for (let hop = 0; ; hop++) {
      seen.push(...page.body.items.map((m: { id: string }) => m.id))
      const next = nextLink(page.headers)
      if (!next) break
      t.ok(next.startsWith('http://webex.cluster.test/'), 'the cursor is built on PUBLIC_URL')
      page = await alice[hop % 3]('GET', cluster.via(hop % 3, next))
    }
    t.same(seen, [...sent].reverse(), 'every page, newest first, each from another instance')
  })

  t.test('a file uploaded on one instance is downloaded from another, and erased for all', async t => {
    const bytes = randomBytes(2_500_000)
    const form = new FormData()
    form.set('roomId', DEMO_IDS.apollo)
    form.set('files', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), 'big.bin')
    const res = await fetch(`${a.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO.tokens.alice}` },
      body: form,
    })
    t.equal(res.status, 200)
    const message = (await res.json()) as { id: string; files: string[] }
    const url = (await alice[1]('GET', `/v1/messages/${message.id}`)).body.files[0] as string
    t.ok(url.startsWith('http://webex.cluster.test/v1/contents/'))
    const got = await fetch(cluster.via(2, url), { headers: { authorization: `Bearer ${DEMO.tokens.alice}` } })
    t.equal(got.status, 200)
    const back = Buffer.from(await got.arrayBuffer())
    t.ok(back.equals(bytes), 'the same bytes, from an instance that did not receive them')
    t.equal((await alice[1]('DELETE', `/v1/messages/${message.id}`)).status, 204)
    const after = await fetch(cluster.via(0, url), { headers: { authorization: `Bearer ${DEMO.tokens.alice}` } })
    t.equal(after.status, 404, 'gone with its message, on every instance')
    t.equal((await db.query('SELECT count(*)::int AS n FROM content_chunks')).rows[0].n, 0, 'no bytes left behind')
  })

  t.test("a flow's callback URL handed out by one instance is invoked on another", async t => {
    const listed = await alice[0]('POST', '/v1/flows/door/listCallbackUrl', {})
    t.equal(listed.status, 200)
    const url = listed.body.value as string
    t.ok(url.startsWith('http://webex.cluster.test/'))
    const called = await fetch(cluster.via(2, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ say: 'hello from c' }),
    })
    t.equal(called.status, 200)
    t.same(await called.json(), { echo: 'hello from c' }, "the flow's Response, run on the instance called")
  })

  t.test('trigger concurrency holds for the cluster: one run at a time, in order, one waiting', async t => {
    const url = (await alice[0]('POST', '/v1/flows/single/listCallbackUrl', {})).body.value as string
    const call = (i: number, n: number): Promise<Response> =>
      fetch(cluster.via(i, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      })
    t.equal((await call(0, 1)).status, 202, 'the first runs')
    t.equal((await call(1, 2)).status, 202, 'the second waits, queued on another instance')
    const third = await call(2, 3)
    t.equal(third.status, 429, 'a third is over maximumWaitingRuns, counted for the cluster')
    t.ok(Number(third.headers.get('retry-after')) > 0)
    const first = await until('the first run to call out', async () => held[0])
    t.equal(first.n, 1)
    const states = async (): Promise<string[]> => (await db.query<{ status: string }>(
      "SELECT status FROM flow_runs WHERE flow_id = 'single' ORDER BY seq"
    )).rows.map(r => r.status)
    t.same(await states(), ['Running', 'Queued'], 'the second waits while the first runs elsewhere')
    first.release()
    const second = await until('the second run to call out', async () => held[1])
    t.equal(second.n, 2, 'in order')
    second.release()
    await until('both runs to end', async () =>
      (await states()).every(s => s === 'Succeeded') ? true : undefined
    )
    t.equal(most, 1, 'never two runs at once, across the instances')
  })

  t.test("each instance's search index sees every change, before and after the change log is pruned", async t => {
    const tag = (await carol[0]('POST', '/v1/governance/tags', { name: 'Clustered' })).body
    const search = async (i: number): Promise<string[]> =>
      (await carol[i]('GET', '/v1/governance/spaces?tags=Clustered&max=50')).body.items.map((r: any) => r.id)
    // Every instance builds its index first, so what follows is each one's refresh from the change log.
    for (const i of [0, 1, 2]) t.same(await search(i), [], `instance ${i}: no space has the tag yet`)
    t.equal((await carol[1]('PUT', `/v1/governance/spaces/${DEMO_IDS.apollo}/tags/${tag.id}`)).status, 204)
    for (const i of [2, 0, 1]) t.same(await search(i), [DEMO_IDS.apollo], `instance ${i} sees the tag added on 1`)
    // The instances prune what all of them have read (on their lease renewals): wait until that happened.
    await until('the change log to be pruned', async () =>
      (await db.query('SELECT count(*)::int AS n FROM search_changes')).rows[0].n === 0 ? true : undefined
    )
    t.equal((await carol[2]('DELETE', `/v1/governance/spaces/${DEMO_IDS.apollo}/tags/${tag.id}`)).status, 204)
    for (const i of [0, 1, 2]) t.same(await search(i), [], `instance ${i} sees the tag removed on 2`)
    const readers = (await db.query('SELECT count(*)::int AS n FROM search_readers')).rows[0].n
    t.equal(readers, 3, 'three readers, one per instance')
  })

  t.test('a recurrence fires once for the cluster', async t => {
    const runs = await until('four runs of the recurrence', async () => {
      const { rows } = await db.query<{ body: string; instance: string | null; status: string }>(
        'SELECT t.body, r.instance, r.status FROM flow_runs r JOIN flow_run_triggers t ON t.run_seq = r.seq ' +
          "WHERE r.flow_id = 'tick' ORDER BY r.seq"
      )
      return rows.filter(r => r.status === 'Succeeded').length >= 4 ? rows : undefined
    })
    const times = runs.map(r => (JSON.parse(r.body) as { scheduledTime: string }).scheduledTime)
    t.equal(new Set(times).size, times.length, `${times.length} runs, each occurrence once: ${times.join(', ')}`)
    const steps = times.slice(1).map((x, k) => Date.parse(x) - Date.parse(times[k]))
    t.ok(steps.every(ms => ms > 0 && ms % 1000 === 0), 'one second apart, or a multiple (none in between)')
  })

  t.test('300 concurrent calls of one token over three instances admit exactly 100', async t => {
    const bob = cluster.instances.map(i => client(i.url, DEMO.tokens.bob))
    const replies = await Promise.all(Array.from({ length: 300 }, (_, k) => bob[k % 3]('GET', '/v1/people/me')))
    const ok = replies.filter(r => r.status === 200).length
    const limited = replies.filter(r => r.status === 429)
    t.equal(ok, 100, 'exactly the limit, counted over the cluster')
    t.equal(limited.length, 200)
    t.ok(limited.every(r => Number(r.headers.get('retry-after')) > 0), 'each 429 says when to retry')
    t.ok(
      [0, 1, 2].every(i => replies.some((r, k) => k % 3 === i && r.status === 200)),
      'admitted on every instance'
    )
  })
})
