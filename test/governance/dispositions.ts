import type { Test } from 'tap'
import { isWebexError } from '../helpers/assertions.js'
import { startReceiver } from '../helpers/receiver.js'
import type { Call } from '../helpers/service.js'
import type { GovTarget, MakeGovTarget } from './target.js'
import { DAY0 } from './retention.js'

const DAY = 86_400_000

/** The notices a person got: the messages in their 1:1 space with the officer, oldest first. */
async function notices (who: Call): Promise<string[]> {
  const direct = (await who('GET', '/v1/rooms?type=direct&max=100')).body.items.find(
    (r: any) => r.title === 'Carol Compliance'
  )
  if (!direct) return []
  return (await who('GET', `/v1/messages?roomId=${direct.id}&max=100`)).body.items.map((m: any) => m.text).reverse()
}

async function deliveries (x: GovTarget, rx: Awaited<ReturnType<typeof startReceiver>>, n: number): Promise<any[]> {
  await x.svc.worker!.idle()
  await rx.count(n)
  return rx.received.map(r => r.body)
}

export function dispositionsSuite (t: Test, make: MakeGovTarget): void {
  t.test(
    'notices N days before a space falls due: moderators or members told, the trigger fires, once a tier',
    async t => {
      const x = await make(t, DAY0)
      const { ids } = x
      const rx = await startReceiver(t)
      isWebexError(
        t,
        await x.alice('POST', '/v1/triggers/governance/dispositions/due', { callbackUrl: rx.url }),
        403,
        /compliance officer/
      )
      const sub = await x.carol('POST', '/v1/triggers/governance/dispositions/due', { callbackUrl: rx.url })
      t.equal(sub.status, 201)
      x.clock.ms = DAY0 + 50 * DAY
      await x.alice('POST', '/v1/messages', { roomId: ids.finance, text: 'still here' })
      await x.settle()
      const base = {
        name: 'Stale 90',
        conditions: { scope: 'internal' },
        action: 'deleteSpaces',
        days: 90,
      }
      isWebexError(
        t,
        await x.carol('POST', '/v1/governance/retention/policies', { ...base, noticeDays: [90] }),
        400,
        /shorter/
      )
      const policy = (await x.carol('POST', '/v1/governance/retention/policies', { ...base, noticeDays: [1, 30, 7] }))
        .body
      t.same(policy.noticeDays, [30, 7, 1])
      x.clock.ms = DAY0 + 65 * DAY
      const upcoming = (await x.carol('GET', '/v1/governance/dispositions?withinDays=30')).body.items
      t.same(
        upcoming.map((d: any) => [d.title, d.action, d.daysLeft, d.decidedBy]).sort(),
        [
          ['Alice Johnson & Bob Smith', 'deleteSpace', 25, policy.id],
          ['Product', 'deleteSpace', 25, policy.id],
          ['Project Apollo', 'deleteSpace', 25, policy.id],
        ],
        'what falls due within 30 days; Finance Q4 was active on day 50'
      )
      t.equal(upcoming[0].due, new Date(DAY0 + 90 * DAY).toISOString())
      const excluded = await x.carol(
        'POST',
        `/v1/governance/spaces/${ids.direct}/disposition/exclude?reason=HR%20asked`
      )
      t.match(excluded.body, { noticesExcluded: true, extraDays: 0 })

      t.same((await x.carol('POST', '/v1/governance/dispositions/notify')).body, { notices: 2, recipients: 3 })
      const alice = await notices(x.alice)
      t.equal(alice.length, 2, 'Alice: moderator of Product, member of Apollo (which has no moderator)')
      t.match(alice.join('\n'), /Project Apollo.*will be deleted with all its content on 2026-04-01 \(in 25 days\)/)
      t.match(alice.join('\n'), /Product/)
      const bob = await notices(x.bob)
      t.equal(bob.length, 1, 'Bob: Apollo only (Product has a moderator)')
      t.match(bob[0], /"Stale 90"/)
      const got = await deliveries(x, rx, 2)
      t.same(
        got.map(d => [d.resource, d.event, d.data.tier, d.data.policyId]),
        [
          ['dispositions', 'due', 30, policy.id],
          ['dispositions', 'due', 30, policy.id],
        ]
      )
      t.same(got.map(d => d.data.roomId).sort(), [ids.apollo, ids.general].sort())
      t.equal(got[0].data.daysLeft, 25)

      t.same(
        (await x.carol('POST', '/v1/governance/dispositions/notify')).body,
        { notices: 0, recipients: 0 },
        'once'
      )
      // The extension moves Apollo's deadline by 30 days: no notice at 6 days, and the plan does not delete it.
      const extended = await x.carol('POST', `/v1/governance/spaces/${ids.apollo}/disposition/extend`, { days: 30 })
      t.match(extended.body, { extraDays: 30 })
      x.clock.ms = DAY0 + 84 * DAY
      t.same((await x.carol('POST', '/v1/governance/dispositions/notify')).body, { notices: 1, recipients: 1 })
      t.match((await notices(x.alice)).at(-1), /Product.*in 6 days/)
      const later = await deliveries(x, rx, 3)
      t.same([later[2].data.roomId, later[2].data.tier], [ids.general, 7])
      x.clock.ms = DAY0 + 95 * DAY
      const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
      t.same(
        plan.items.map((i: any) => i.title).sort(),
        ['Alice Johnson & Bob Smith', 'Product'],
        'Apollo is extended; the excluded space is still deleted, only not told'
      )
      const apollo = (await x.carol('GET', `/v1/governance/dispositions?withinDays=30&roomId=${ids.apollo}`)).body
        .items
      t.match(apollo, [{ extraDays: 30, due: new Date(DAY0 + 120 * DAY).toISOString() }])
      // A hold keeps a space from falling due at all: no notice, no listing.
      await x.carol('POST', '/v1/governance/holds', { name: 'Matter', roomId: ids.apollo })
      t.same((await x.carol('GET', `/v1/governance/dispositions?withinDays=60&roomId=${ids.apollo}`)).body.items, [])
      const audit = (await x.carol('GET', '/v1/governance/audit?max=100')).body.items.map((a: any) => a.action)
      t.same(
        audit.filter((a: string) => a.startsWith('disposition.')),
        [
          'disposition.excluded',
          'disposition.noticed',
          'disposition.noticed',
          'disposition.extended',
          'disposition.noticed',
        ]
      )
      isWebexError(
        t,
        await x.carol('POST', `/v1/governance/spaces/${ids.apollo}/disposition/extend`, { days: 0 }),
        400
      )
      const unknown = Buffer.from('ciscospark://us/ROOM/00000000-0000-4000-8000-000000000001').toString('base64url')
      isWebexError(t, await x.carol('POST', `/v1/governance/spaces/${unknown}/disposition/exclude`), 404)
      t.match((await x.carol('POST', `/v1/governance/spaces/${ids.direct}/disposition/include`)).body, {
        noticesExcluded: false,
      })
    }
  )

  t.test("a message deletion is told once, when a space's oldest messages come near their period", async t => {
    const x = await make(t, DAY0)
    const { ids } = x
    await x.carol('POST', '/v1/governance/retention/policies', {
      name: 'Messages 90 days',
      action: 'deleteMessages',
      days: 90,
      noticeDays: [7],
    })
    x.clock.ms = DAY0 + 85 * DAY
    t.same(
      (await x.carol('GET', '/v1/governance/dispositions?withinDays=7')).body.items.map((d: any) => [
        d.roomId,
        d.action,
        d.daysLeft,
      ]),
      [[ids.apollo, 'deleteMessages', 5]],
      "Apollo's seeded messages fall due on day 90; the other spaces have none"
    )
    t.same((await x.carol('POST', '/v1/governance/dispositions/notify')).body, { notices: 1, recipients: 2 })
    t.match((await notices(x.bob))[0], /Messages in the space .*Project Apollo.* older than 90 days/)
    x.clock.ms = DAY0 + 86 * DAY
    t.same((await x.carol('POST', '/v1/governance/dispositions/notify')).body, { notices: 0, recipients: 0 })
  })
}
