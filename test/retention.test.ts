import t, { type Test } from 'tap'
import { isWebexError } from './helpers/assertions.js'
import { client, ManualClock, startService } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { DEMO, DEMO_IDS as ids } from '../src/backends/embedded/seed.js'
import type { EmbeddedBackend } from '../src/backends/embedded/index.js'
import { RetentionSchedule } from '../src/governance/schedule.js'
import { embeddedActions } from '../src/governance/embedded-actions.js'
import { Dispositions } from '../src/governance/dispositions.js'

const DAY = 86_400_000

/** A service whose clock we move; messages posted "days ago" by moving the clock between posts. */
async function setup (t: Test) {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'))
  const svc = await startService(
    t,
    { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } },
    { clock: clock.now, deliveryTimers: false, random: () => 1 }
  )
  const s = {
    svc,
    clock,
    alice: client(svc.url, DEMO.tokens.alice),
    carol: client(svc.url, DEMO.tokens.carol),
    dave: client(svc.url, DEMO.tokens.dave),
  }
  const tag = (await s.carol('POST', '/v1/governance/tags', { name: 'Finance' })).body.id
  await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/tags/${tag}`)
  // Apollo: 2 seeded messages (day 0) + messages on days 10, 50, 100; Finance: days 10, 100.
  for (const day of [10, 50, 100]) {
    clock.ms = Date.parse('2026-01-01T00:00:00.000Z') + day * DAY
    await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: `apollo day ${day}` })
    if (day !== 50) await s.alice('POST', '/v1/messages', { roomId: ids.finance, text: `finance day ${day}` })
  }
  clock.ms = Date.parse('2026-01-01T00:00:00.000Z') + 120 * DAY
  return { ...s, tag, ctx: (svc.backend as EmbeddedBackend).ctx }
}

const texts = async (s: { alice: ReturnType<typeof client> }, roomId: string) =>
  (await s.alice('GET', `/v1/messages?roomId=${roomId}&max=100`)).body.items.map((m: any) => m.text)

t.test(
  'policy precedence: the shortest matching period wins; priority breaks a tie; plan changes nothing',
  async t => {
    const s = await setup(t)
    const p90 = (
      await s.carol('POST', '/v1/governance/retention/policies', {
        name: 'Everything 90 days',
        action: 'deleteMessages',
        days: 90,
      })
    ).body
    const p30 = (
      await s.carol('POST', '/v1/governance/retention/policies', {
        name: 'Finance 30 days',
        conditions: { tags: ['Finance'] },
        action: 'deleteMessages',
        days: 30,
      })
    ).body
    const plan = (await s.carol('POST', '/v1/governance/retention/plan', {})).body
    const byRoom = Object.fromEntries(plan.items.map((i: any) => [i.roomId, i]))
    t.same(
      [byRoom[ids.apollo].decidedBy, byRoom[ids.apollo].messages],
      [p30.id, 4],
      'Apollo: tagged Finance, 30 days beats 90: days 0, 10, 50 (and the seeded two at day 0)'
    )
    t.same(
      [byRoom[ids.finance].decidedBy, byRoom[ids.finance].messages],
      [p90.id, 1],
      'Finance Q4: only the 90-day policy: day 10'
    )
    t.match(byRoom[ids.apollo].reason, /Finance 30 days/)
    t.equal(plan.messages, 5)
    t.equal((await texts(s, ids.apollo)).length, 5, 'a plan erases nothing')
    const tie = (
      await s.carol('POST', '/v1/governance/retention/policies', {
        name: 'Also 30',
        conditions: { tags: ['Finance'] },
        action: 'deleteMessages',
        days: 30,
        priority: 1,
      })
    ).body
    const again = (await s.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body
    t.equal(again.items[0].decidedBy, tie.id, 'equal periods: the lower priority number wins')
    await s.carol('PUT', `/v1/governance/retention/policies/${tie.id}`, {
      name: 'Also 30',
      action: 'deleteMessages',
      days: 30,
      enabled: false,
    })
    t.equal(
      (await s.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items[0].decidedBy,
      p30.id,
      'a disabled policy never applies'
    )
  }
)

t.test('manual retention beats every policy: keep indefinitely, or its own period', async t => {
  const s = await setup(t)
  await s.carol('POST', '/v1/governance/retention/policies', { name: 'Short', action: 'deleteMessages', days: 1 })
  await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/retention`, { mode: 'keep' })
  const keep = (await s.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body
  t.same(keep.items, [], 'kept indefinitely')
  await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/retention`, { mode: 'days', days: 60 })
  const days = (await s.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items[0]
  t.same([days.decidedBy, days.messages], ['override', 4], "the override's 60 days, not the policy's 1")
  isWebexError(
    t,
    await s.carol('PUT', `/v1/governance/spaces/${ids.apollo}/retention`, { mode: 'days' }),
    400,
    /days/
  )
  t.equal((await s.carol('DELETE', `/v1/governance/spaces/${ids.apollo}/retention`)).status, 204)
  t.equal(
    (await s.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items[0].decidedBy ===
      'override',
    false
  )
})

t.test('execute does exactly what the plan said, fires the events, audits each deletion', async t => {
  const s = await setup(t)
  const rx = await startReceiver(t)
  await s.alice('POST', '/v1/triggers/messages/deleted', { callbackUrl: rx.url })
  const policy = (
    await s.carol('POST', '/v1/governance/retention/policies', {
      name: 'Finance 30 days',
      conditions: { tags: ['Finance'] },
      action: 'deleteMessages',
      days: 30,
    })
  ).body
  const plan = (await s.carol('POST', '/v1/governance/retention/plan', {})).body
  const done = (await s.carol('POST', '/v1/governance/retention/execute', {})).body
  t.same([done.spaces, done.messages], [plan.spaces, plan.messages], 'execute = plan')
  t.same(await texts(s, ids.apollo), ['apollo day 100'], 'gone from every read path')
  isWebexError(t, await s.alice('GET', `/v1/messages/${ids.welcome}`), 404)
  await rx.count(plan.messages)
  t.equal(rx.received.length, 4, 'a messages-deleted event per erased message')
  const audit = (await s.carol('GET', `/v1/governance/audit?policyId=${policy.id}`)).body.items.filter((a: any) =>
    a.action.startsWith('retention.')
  )
  t.same(
    audit.map((a: any) => [a.action, a.roomId, a.detail.messages]),
    [['retention.messagesDeleted', ids.apollo, 4]]
  )
  t.equal(audit[0].detail.messageIds.length, 4)
  t.same((await s.carol('POST', '/v1/governance/retention/plan', {})).body.items, [], 'nothing left to do')
  t.equal(
    (await s.carol('POST', '/v1/governance/retention/execute', {})).body.messages,
    0,
    'a re-run erases nothing twice'
  )
  const filtered = await s.carol('GET', `/v1/governance/audit?roomId=${ids.finance}`)
  t.same(filtered.body.items, [])
  const later = await s.carol('GET', '/v1/governance/audit?from=2030-01-01T00:00:00Z')
  t.same(later.body.items, [])
})

t.test('delete spaces inactive for N days', async t => {
  const s = await setup(t)
  s.clock.advance(200 * DAY)
  await s.alice('POST', '/v1/messages', { roomId: ids.finance, text: 'still alive' })
  await s.carol('POST', '/v1/governance/retention/policies', {
    name: 'Stale spaces',
    conditions: { scope: 'internal' },
    action: 'deleteSpaces',
    days: 90,
  })
  const plan = (await s.carol('POST', '/v1/governance/retention/plan', {})).body
  t.same(
    plan.items.map((i: any) => i.title).sort(),
    ['Alice Johnson & Bob Smith', 'Product', 'Project Apollo'],
    'inactive 90+ days; Finance Q4 was just active'
  )
  t.equal(plan.spacesToDelete, 3)
  const done = (await s.carol('POST', '/v1/governance/retention/execute', {})).body
  t.equal(done.spacesDeleted, 3)
  isWebexError(t, await s.alice('GET', `/v1/rooms/${ids.apollo}`), 404)
  t.equal((await s.alice('GET', `/v1/rooms/${ids.finance}`)).status, 200)
})

t.test('an interrupted execution leaves finished work done; a re-run finishes without erasing twice', async t => {
  const s = await setup(t)
  for (let i = 0; i < 1200; i++) {
    await s.alice('POST', '/v1/messages', { roomId: ids.apollo, text: i === 700 ? 'poison' : `bulk ${i}` })
  }
  s.clock.advance(100 * DAY)
  await s.carol('POST', '/v1/governance/retention/policies', { name: 'All 30', action: 'deleteMessages', days: 30 })
  const plan = (await s.carol('POST', '/v1/governance/retention/plan', {})).body
  // The interruption: the store refuses to delete one message mid-way, as a crash would stop the run there.
  s.ctx.db.exec(
    "CREATE TEMP TRIGGER interrupt BEFORE DELETE ON messages WHEN OLD.text = 'poison' BEGIN SELECT RAISE(ABORT, " +
      "'interrupted'); END"
  )
  const broken = await s.carol('POST', '/v1/governance/retention/execute', {})
  t.equal(broken.status, 500, 'the run stopped')
  const halfway = (await s.carol('POST', '/v1/governance/retention/plan', {})).body
  t.ok(
    halfway.messages > 0 && halfway.messages < plan.messages,
    `${plan.messages - halfway.messages} of ${plan.messages} erased before the interruption`
  )
  s.ctx.db.exec('DROP TRIGGER interrupt')
  const rest = (await s.carol('POST', '/v1/governance/retention/execute', {})).body
  t.equal(rest.messages, halfway.messages, 'the re-run erased exactly what was left')
  const audited = (await s.carol('GET', '/v1/governance/audit?max=1000')).body.items
    .filter((a: any) => a.action === 'retention.messagesDeleted')
    .reduce((n: number, a: any) => n + a.detail.messages, 0)
  t.equal(audited, plan.messages, 'audit records add up to the plan: nothing erased twice or unrecorded')
})

t.test('the daily schedule runs once a day after its time', async t => {
  const s = await setup(t)
  await s.carol('POST', '/v1/governance/retention/policies', { name: 'All 30', action: 'deleteMessages', days: 30 })
  const actions = embeddedActions(s.ctx)
  const schedule = new RetentionSchedule(s.ctx, actions, new Dispositions(s.ctx, actions), '02:00')
  const day = Date.parse('2026-05-01T00:00:00.000Z')
  t.same(await schedule.tick(day + 60 * 60_000), [], '01:00: not yet')
  t.equal((await schedule.tick(day + 2 * 60 * 60_000)).length, 1, '02:00: runs for the organisation')
  t.same(await schedule.tick(day + 3 * 60 * 60_000), [], 'once a day')
  t.equal((await schedule.tick(day + DAY + 2 * 60 * 60_000)).length, 1, 'and again the next day')
  t.equal((await texts(s, ids.apollo)).length, 1, 'the scheduled run erased what was due')
})
