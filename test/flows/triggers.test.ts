import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { startFlows, statuses } from './helpers.js'
import { ManualClock, tempDir } from '../helpers/service.js'
import { freshDatabase } from '../helpers/postgres.js'

interface Seen {
  method: string
  url: string
  body: any
}
type Answer = { status?: number; headers?: Record<string, string>; body?: unknown; after?: () => void }

async function server (t: { teardown(fn: () => unknown): void }, answer: (req: Seen) => Answer) {
  const seen: Seen[] = []
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString()
      const got = { method: req.method ?? '', url: req.url ?? '', body: raw ? JSON.parse(raw) : null }
      seen.push(got)
      const a = answer(got)
      res
        .writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers })
        .end(JSON.stringify(a.body ?? {}))
      a.after?.()
    })
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => srv.close(() => resolve())))
  return { origin: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen }
}

t.test('Http (polling) trigger: 200 starts runs (splitOn one per element), 202 does not', async t => {
  const answers: Answer[] = [
    { body: { rows: [{ id: 1 }, { id: 2 }] } },
    { status: 202, headers: { 'retry-after': '60' } },
  ]
  const api = await server(t, () => answers.shift() ?? { status: 202 })
  const clock = new ManualClock(Date.parse('2026-04-01T10:00:00Z'))
  const s = await startFlows(
    t,
    {
      poller: {
        owner: 'alice@example.com',
        definition: {
          triggers: {
            Poll: {
              type: 'Http',
              inputs: { method: 'GET', uri: `${api.origin}/changes` },
              recurrence: { frequency: 'Minute', interval: 5 },
              splitOn: "@triggerBody()?['rows']",
            },
          },
          actions: { Show: { type: 'Compose', inputs: "@triggerBody()['id']" } },
        },
      },
    },
    { flows: { httpAllow: api.origin } },
    { clock: clock.now }
  )
  clock.advance(5 * 60_000)
  await s.flows!.tick()
  await s.flows!.connected()
  await s.flows!.idle()
  let runs = (await s.alice('GET', '/v1/flows/poller/runs')).body.items
  t.same(runs.map((r: any) => r.triggerBody.id).sort(), [1, 2], 'one run per row')
  t.ok(runs.every((r: any) => r.source === 'poll'))
  clock.advance(5 * 60_000)
  await s.flows!.tick()
  await s.flows!.connected()
  await s.flows!.idle()
  runs = (await s.alice('GET', '/v1/flows/poller/runs')).body.items
  t.equal(runs.length, 2, 'a 202 starts nothing')
  t.equal(api.seen.length, 2)
})

/** A flow polling `uri` every 5 minutes, its run showing the polled body's id. */
const poller = (uri: string) => ({
  owner: 'alice@example.com',
  definition: {
    triggers: {
      Poll: { type: 'Http', inputs: { method: 'GET', uri }, recurrence: { frequency: 'Minute', interval: 5 } },
    },
    actions: { Show: { type: 'Compose', inputs: "@triggerBody()?['id']" } },
  },
})

/** One timer round of a runtime under a manual clock: what is due fires, its polls and runs finish. */
async function round (s: { flows?: { tick(): Promise<void>; connected(): Promise<void>; idle(): Promise<void> } }) {
  await s.flows!.tick()
  await s.flows!.connected()
  await s.flows!.idle()
}

t.test('Http (polling) trigger: Location and Retry-After steer the next poll, and a restart keeps them', async t => {
  const answers: Answer[] = [
    { status: 202, headers: { location: '/changes?after=7', 'retry-after': '30' } },
    { status: 202, headers: { location: '/changes?after=8', 'retry-after': '60' } },
    { body: { id: 9 } },
  ]
  const api = await server(t, () => answers.shift() ?? { status: 202 })
  const urls = () => api.seen.map(r => r.url)
  const clock = new ManualClock(Date.parse('2026-04-01T10:00:00Z'))
  const flows = { poller: poller(`${api.origin}/changes`) }
  const settings = { dataDir: tempDir(t), flowsDir: tempDir(t, 'flows-'), flows: { httpAllow: api.origin } }
  const first = await startFlows(t, flows, settings, { clock: clock.now })
  clock.advance(5 * 60_000)
  await round(first)
  t.same(urls(), ['/changes'])
  clock.advance(29_000)
  await round(first)
  t.same(urls(), ['/changes'], 'not before Retry-After')
  clock.advance(1_000)
  await round(first)
  t.same(urls(), ['/changes', '/changes?after=7'], 'Retry-After 30 s: polled then, at the Location, not in 5 minutes')
  await first.app.close()
  clock.advance(10_000)
  const again = await startFlows(t, flows, settings, { clock: clock.now })
  clock.advance(49_000)
  await round(again)
  t.equal(api.seen.length, 2, 'restarted: not before the Retry-After it was given')
  clock.advance(1_000)
  await round(again)
  t.same(urls().at(-1), '/changes?after=8', 'restarted: polls when and where the last answer said')
  const runs = (await again.alice('GET', '/v1/flows/poller/runs')).body.items
  t.same(runs.map((r: any) => r.triggerBody), [{ id: 9 }], 'its 200 started the run')
})

t.test('Http (polling) trigger on several instances: whichever polls next follows the Location', async t => {
  if (process.env.TEST_STORE !== 'postgres') {
    t.pass('several instances need PostgreSQL: test/flows-postgres-triggers.test.ts runs this')
    return
  }
  const answers: Answer[] = [{ status: 202, headers: { location: '/changes?page=2' } }, { body: { id: 2 } }]
  const api = await server(t, () => answers.shift() ?? { status: 202 })
  const clock = new ManualClock(Date.parse('2026-04-01T10:00:00Z'))
  const flows = { poller: poller(`${api.origin}/changes`) }
  const settings = { store: 'postgres', databaseUrl: await freshDatabase(t), flowsDir: tempDir(t, 'flows-') }
  const one = await startFlows(t, flows, { ...settings, flows: { httpAllow: api.origin } }, { clock: clock.now })
  const two = await startFlows(t, flows, { ...settings, flows: { httpAllow: api.origin } }, { clock: clock.now })
  clock.advance(5 * 60_000)
  await round(one)
  await round(two)
  t.same(api.seen.map(r => r.url), ['/changes'], 'the occurrence polled once, by the first to take it')
  clock.advance(5 * 60_000)
  await round(two)
  await round(one)
  t.same(api.seen.map(r => r.url), ['/changes', '/changes?page=2'], 'the other instance polled the Location')
  const runs = (await one.alice('GET', '/v1/flows/poller/runs')).body.items
  t.same(runs.map((r: any) => r.triggerBody), [{ id: 2 }])
})

t.test(
  'HttpWebhook trigger: subscribes with its callback URL, each callback starts a run, disabling unsubscribes',
  async t => {
    const api = await server(t, () => ({ body: { id: 'sub-1' } }))
    const s = await startFlows(
      t,
      {
        hooked: {
          owner: 'alice@example.com',
          definition: {
            triggers: {
              Hook: {
                type: 'HttpWebhook',
                inputs: {
                  subscribe: {
                    method: 'POST',
                    uri: `${api.origin}/subscribe`,
                    body: { callback: '@{listCallbackUrl()}' },
                  },
                  unsubscribe: { method: 'POST', uri: `${api.origin}/unsubscribe`, body: { id: 'sub-1' } },
                },
              },
            },
            actions: { Got: { type: 'Compose', inputs: "@triggerBody()?['event']" } },
          },
        },
      },
      { flows: { httpAllow: api.origin } }
    )
    t.same(
      s.flows!.loadErrors().map(e => e.problems),
      []
    )
    await s.flows!.connected()
    t.equal(api.seen[0]?.url, '/subscribe')
    const callback = api.seen[0].body.callback as string
    t.match(callback, /\/v1\/flows\/hooked\/triggers\/Hook\/paths\/invoke\?.*sig=/)
    const res = await fetch(callback, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'created' }),
    })
    t.equal(res.status, 202)
    await s.flows!.idle()
    const [run] = (await s.alice('GET', '/v1/flows/hooked/runs')).body.items
    t.equal(run.source, 'webhook')
    const full = (await s.alice('GET', `/v1/flows/hooked/runs/${run.id}`)).body
    t.equal(full.actions[0].outputs, 'created')
    t.equal((await s.alice('PUT', '/v1/flows/hooked', { enabled: false })).status, 200)
    await s.flows!.connected()
    t.same(
      api.seen.map(x => x.url),
      ['/subscribe', '/unsubscribe'],
      'disabling the flow unsubscribes'
    )
  }
)

t.test(
  'HttpWebhook action: waits for its own callback, then unsubscribes; Asynchronous Response is polled',
  async t => {
    const api = await server(t, req => {
      if (req.url === '/subscribe') {
        const url = req.body.notify as string
        return {
          body: {},
          after: () => {
            void fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{"approved":true}',
            })
          },
        }
      }
      return {}
    })
    const s = await startFlows(
      t,
      {
        approval: {
          owner: 'alice@example.com',
          definition: {
            triggers: { manual: { type: 'Request', kind: 'Http' } },
            actions: {
              Ask: {
                type: 'HttpWebhook',
                inputs: {
                  subscribe: {
                    method: 'POST',
                    uri: `${api.origin}/subscribe`,
                    body: { notify: '@{listCallbackUrl()}' },
                  },
                  unsubscribe: { method: 'POST', uri: `${api.origin}/unsubscribe` },
                },
              },
              Answer: {
                type: 'Response',
                runAfter: { Ask: ['Succeeded'] },
                operationOptions: 'Asynchronous',
                inputs: { statusCode: 200, body: "@body('Ask')" },
              },
            },
          },
        },
      },
      { flows: { httpAllow: api.origin } }
    )
    t.same(
      s.flows!.loadErrors().map(e => e.problems),
      []
    )
    const url = (await s.alice('POST', '/v1/flows/approval/listCallbackUrl', {})).body.value
    const first = await fetch(url, { method: 'POST' })
    t.equal(first.status, 202, 'an asynchronous Response: 202 at once')
    const location = first.headers.get('location')!
    t.match(location, /\/runs\/.+\/response\?.*sig=/)
    await s.flows!.idle()
    const polled = await fetch(location)
    t.equal(polled.status, 200)
    t.same(await polled.json(), { approved: true }, 'the location gives the Response once it ran')
    t.same(
      api.seen.map(x => x.url),
      ['/subscribe', '/unsubscribe']
    )
    const [run] = (await s.alice('GET', '/v1/flows/approval/runs')).body.items
    const full = (await s.alice('GET', `/v1/flows/approval/runs/${run.id}`)).body
    t.same(statuses(full), { Ask: 'Succeeded', Answer: 'Succeeded' })
    t.notOk(JSON.stringify(full).includes(new URL(url).searchParams.get('sig')!), 'no signature in the history')
    const noSig = new URL(location)
    noSig.searchParams.delete('sig')
    t.equal((await fetch(noSig)).status, 401)
  }
)

t.test('Recurrence with a schedule in a Windows time zone fires at the local time; definition outputs', async t => {
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'))
  const s = await startFlows(
    t,
    {
      morning: {
        owner: 'alice@example.com',
        definition: {
          triggers: {
            Every_morning: {
              type: 'Recurrence',
              recurrence: {
                frequency: 'Day',
                interval: 1,
                startTime: '2026-05-01T00:00:00',
                timeZone: 'W. Europe Standard Time',
                schedule: { hours: [9], minutes: [0] },
              },
              evaluatedRecurrence: { frequency: 'Day', interval: 1 },
            },
          },
          actions: { When: { type: 'Compose', inputs: "@triggerBody()?['scheduledTime']" } },
          outputs: { fired: { type: 'String', value: "@outputs('When')" } },
        },
      },
    },
    {},
    { clock: clock.now }
  )
  const flow = (await s.alice('GET', '/v1/flows/morning')).body
  t.equal(flow.trigger.nextRun, '2026-06-01T07:00:00.000Z', '09:00 in Berlin summer time is 07:00 UTC')
  t.equal(flow.trigger.timeZone, 'W. Europe Standard Time')
  clock.advance(7 * 3_600_000)
  await s.flows!.tick()
  await s.flows!.idle()
  const [run] = (await s.alice('GET', '/v1/flows/morning/runs')).body.items
  const full = (await s.alice('GET', `/v1/flows/morning/runs/${run.id}`)).body
  t.same(full.outputs, { fired: '2026-06-01T07:00:00.000Z' }, "the definition's outputs, evaluated at the end")
})
