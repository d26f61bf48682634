import type { Test } from 'tap'
import { isWebexError } from '../helpers/assertions.js'
import { RetentionSchedule } from '../../src/governance/schedule.js'
import type { GovTarget, MakeGovTarget } from './target.js'
import { eventsOf } from './spaces.js'
import type { SqliteStore } from '../../src/store/sqlite-store.js'
import type { Ctx } from '../../src/store/ctx.js'

/** The SQLite connection under a store, for what only a test does (a temporary trigger). */
const sqliteOf = (ctx: Ctx) => (ctx.store as SqliteStore).db

const DAY = 86_400_000
export const DAY0 = Date.parse('2026-01-01T00:00:00.000Z')

/**
 * A target whose clock we move: Apollo (tagged Finance) has its 2 seeded messages (day 0) and messages on
 * days 10, 50, 100; Finance Q4 on days 10 and 100; the clock is left at day 120.
 */
export async function retentionSetup (t: Test, make: MakeGovTarget): Promise<GovTarget & { tag: string }> {
  const x = await make(t, DAY0)
  const tag = (await x.carol('POST', '/v1/governance/tags', { name: 'Finance' })).body.id
  await x.carol('PUT', `/v1/governance/spaces/${x.ids.apollo}/tags/${tag}`)
  for (const day of [10, 50, 100]) {
    x.clock.ms = DAY0 + day * DAY
    await x.alice('POST', '/v1/messages', { roomId: x.ids.apollo, text: `apollo day ${day}` })
    if (day !== 50) await x.alice('POST', '/v1/messages', { roomId: x.ids.finance, text: `finance day ${day}` })
    await x.settle()
  }
  x.clock.ms = DAY0 + 120 * DAY
  return { ...x, tag }
}

export const texts = async (x: GovTarget, roomId: string): Promise<string[]> =>
  (await x.alice('GET', `/v1/messages?roomId=${roomId}&max=100`)).body.items.map((m: any) => m.text)

export function retentionSuite (t: Test, make: MakeGovTarget): void {
  t.test(
    'policy precedence: the shortest matching period wins; priority breaks a tie; plan changes nothing',
    async t => {
      const x = await retentionSetup(t, make)
      const { ids } = x
      const p90 = (
        await x.carol('POST', '/v1/governance/retention/policies', {
          name: 'Everything 90 days',
          action: 'deleteMessages',
          days: 90,
        })
      ).body
      const p30 = (
        await x.carol('POST', '/v1/governance/retention/policies', {
          name: 'Finance 30 days',
          conditions: { tags: ['Finance'] },
          action: 'deleteMessages',
          days: 30,
        })
      ).body
      const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
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
      t.same([plan.messages, plan.held], [5, 0])
      t.equal((await texts(x, ids.apollo)).length, 5, 'a plan erases nothing')
      const tie = (
        await x.carol('POST', '/v1/governance/retention/policies', {
          name: 'Also 30',
          conditions: { tags: ['Finance'] },
          action: 'deleteMessages',
          days: 30,
          priority: 1,
        })
      ).body
      const again = (await x.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body
      t.equal(again.items[0].decidedBy, tie.id, 'equal periods: the lower priority number wins')
      await x.carol('PUT', `/v1/governance/retention/policies/${tie.id}`, {
        name: 'Also 30',
        action: 'deleteMessages',
        days: 30,
        enabled: false,
      })
      t.equal(
        (await x.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items[0].decidedBy,
        p30.id,
        'a disabled policy never applies'
      )
    }
  )

  t.test('manual retention beats every policy: keep indefinitely, or its own period', async t => {
    const x = await retentionSetup(t, make)
    const { ids } = x
    await x.carol('POST', '/v1/governance/retention/policies', { name: 'Short', action: 'deleteMessages', days: 1 })
    await x.carol('PUT', `/v1/governance/spaces/${ids.apollo}/retention`, { mode: 'keep' })
    t.same((await x.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items, [], 'kept')
    await x.carol('PUT', `/v1/governance/spaces/${ids.apollo}/retention`, { mode: 'days', days: 60 })
    t.same((await x.carol('GET', `/v1/governance/spaces/${ids.apollo}/retention`)).body.days, 60)
    const days = (await x.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items[0]
    t.same([days.decidedBy, days.messages], ['override', 4], "the override's 60 days, not the policy's 1")
    isWebexError(
      t,
      await x.carol('PUT', `/v1/governance/spaces/${ids.apollo}/retention`, { mode: 'days' }),
      400,
      /days/
    )
    t.equal((await x.carol('DELETE', `/v1/governance/spaces/${ids.apollo}/retention`)).status, 204)
    isWebexError(t, await x.carol('GET', `/v1/governance/spaces/${ids.apollo}/retention`), 404)
    t.not(
      (await x.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items[0].decidedBy,
      'override'
    )
  })

  t.test('execute does exactly what the plan said, records the events, audits each deletion', async t => {
    const x = await retentionSetup(t, make)
    const { ids } = x
    const policy = (
      await x.carol('POST', '/v1/governance/retention/policies', {
        name: 'Finance 30 days',
        conditions: { tags: ['Finance'] },
        action: 'deleteMessages',
        days: 30,
      })
    ).body
    const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
    const done = (await x.carol('POST', '/v1/governance/retention/execute', {})).body
    t.same([done.spaces, done.messages], [plan.spaces, plan.messages], 'execute = plan')
    t.same(await texts(x, ids.apollo), ['apollo day 100'], 'gone from every read path')
    isWebexError(t, await x.alice('GET', `/v1/messages/${ids.welcome}`), 404)
    t.equal((await eventsOf(x, 'messages', 'deleted', ids.apollo)).length, 4, 'a messages-deleted event each')
    const audit = (await x.carol('GET', `/v1/governance/audit?policyId=${policy.id}`)).body.items.filter((a: any) =>
      a.action.startsWith('retention.')
    )
    t.same(
      audit.map((a: any) => [a.action, a.roomId, a.detail.messages]),
      [['retention.messagesDeleted', ids.apollo, 4]]
    )
    t.equal(audit[0].detail.messageIds.length, 4)
    t.same((await x.carol('POST', '/v1/governance/retention/plan', {})).body.items, [], 'nothing left to do')
    t.equal(
      (await x.carol('POST', '/v1/governance/retention/execute', {})).body.messages,
      0,
      'a re-run erases nothing twice'
    )
    t.same((await x.carol('GET', `/v1/governance/audit?roomId=${ids.finance}`)).body.items, [])
    t.same((await x.carol('GET', '/v1/governance/audit?from=2030-01-01T00:00:00Z')).body.items, [])
  })

  t.test('delete spaces inactive for N days', async t => {
    const x = await retentionSetup(t, make)
    const { ids } = x
    x.clock.advance(200 * DAY)
    await x.alice('POST', '/v1/messages', { roomId: ids.finance, text: 'still alive' })
    await x.settle()
    await x.carol('POST', '/v1/governance/retention/policies', {
      name: 'Stale spaces',
      conditions: { scope: 'internal' },
      action: 'deleteSpaces',
      days: 90,
    })
    const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
    t.same(
      plan.items.map((i: any) => i.title).sort(),
      ['Alice Johnson & Bob Smith', 'Product', 'Project Apollo'],
      'inactive 90+ days; Finance Q4 was just active'
    )
    t.equal(plan.spacesToDelete, 3)
    const done = (await x.carol('POST', '/v1/governance/retention/execute', {})).body
    t.equal(done.spacesDeleted, 3)
    isWebexError(t, await x.alice('GET', `/v1/rooms/${ids.apollo}`), 404)
    t.equal((await x.alice('GET', `/v1/rooms/${ids.finance}`)).status, 200)
    t.same((await x.carol('POST', '/v1/governance/retention/plan', {})).body.items, [], 'nothing left to delete')
  })

  t.test('an interrupted execution keeps what it finished; a re-run finishes without erasing twice', async t => {
    const x = await retentionSetup(t, make)
    const { ids } = x
    for (let i = 0; i < 1200; i++) {
      await x.alice('POST', '/v1/messages', { roomId: ids.apollo, text: i === 700 ? 'poison' : `bulk ${i}` })
    }
    x.clock.advance(100 * DAY)
    await x.settle()
    await x.carol('POST', '/v1/governance/retention/policies', { name: 'All 30', action: 'deleteMessages', days: 30 })
    const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
    // The interruption: the store holding the messages refuses to delete one mid-way, as a crash would stop
    // the run there (with the Webex backend, "Webex" answers 500 for that message).
    const pg = x.spaces.dialect.name === 'postgres'
    if (pg) {
      await x.spaces.exec(`CREATE FUNCTION interrupt() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'interrupted'; END $$;
        CREATE TRIGGER interrupt BEFORE DELETE ON messages FOR EACH ROW WHEN (OLD.text = 'poison')
        EXECUTE FUNCTION interrupt()`)
    } else {
      sqliteOf(x.spaces).exec(
        "CREATE TEMP TRIGGER interrupt BEFORE DELETE ON messages WHEN OLD.text = 'poison' BEGIN SELECT RAISE(ABORT, " +
          "'interrupted'); END"
      )
    }
    const broken = await x.carol('POST', '/v1/governance/retention/execute', {})
    t.equal(broken.status, 500, 'the run stopped')
    const halfway = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
    t.ok(
      halfway.messages > 0 && halfway.messages < plan.messages,
      `${plan.messages - halfway.messages} of ${plan.messages} erased before the interruption`
    )
    if (pg) await x.spaces.exec('DROP TRIGGER interrupt ON messages')
    else sqliteOf(x.spaces).exec('DROP TRIGGER interrupt')
    const rest = (await x.carol('POST', '/v1/governance/retention/execute', {})).body
    t.equal(rest.messages, halfway.messages, 'the re-run erased exactly what was left')
    t.same(await texts(x, ids.apollo), [], 'all of it')
    const audited = []
    let url: string | undefined = '/v1/governance/audit?max=1000'
    while (url) {
      const page: any = await x.carol('GET', url)
      audited.push(...page.body.items)
      url = /<([^>]+)>/.exec(page.headers.get('link') ?? '')?.[1]
    }
    const erased = audited
      .filter((a: any) => a.action === 'retention.messagesDeleted')
      .reduce((n: number, a: any) => n + a.detail.messages, 0)
    t.equal(erased, plan.messages, 'audit records add up to the plan: nothing erased twice or unrecorded')
  })

  t.test('the daily schedule runs once a day after its time', async t => {
    const x = await retentionSetup(t, make)
    await x.carol('POST', '/v1/governance/retention/policies', { name: 'All 30', action: 'deleteMessages', days: 30 })
    const { actions, dispositions } = x.svc.governance!
    const schedule = new RetentionSchedule(x.governance, actions, dispositions, '02:00')
    const day = Date.parse('2026-05-01T00:00:00.000Z')
    t.same(await schedule.tick(day + 60 * 60_000), [], '01:00: not yet')
    t.equal((await schedule.tick(day + 2 * 60 * 60_000)).length, 1, '02:00: runs for the organisation')
    t.same(await schedule.tick(day + 3 * 60 * 60_000), [], 'once a day')
    t.equal((await schedule.tick(day + DAY + 2 * 60 * 60_000)).length, 1, 'and again the next day')
    t.equal((await texts(x, x.ids.apollo)).length, 1, 'the scheduled run erased what was due')
  })
}
