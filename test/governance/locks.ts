import type { Test } from 'tap'
import { isWebexError } from '../helpers/assertions.js'
import type { MakeGovTarget } from './target.js'

export function locksSuite (t: Test, make: MakeGovTarget): void {
  t.test('a locked policy can only be extended: never disabled, shortened, narrowed or deleted', async t => {
    const x = await make(t)
    const base = {
      name: 'Finance 1 year',
      conditions: { tags: ['Finance'], scope: 'internal' },
      action: 'deleteMessages',
      days: 365,
    }
    const p = (await x.carol('POST', '/v1/governance/retention/policies', base)).body
    t.equal(p.locked, false)
    const locked = await x.carol('POST', `/v1/governance/retention/policies/${p.id}/lock`)
    t.match(locked.body, { locked: true, lockedBy: x.ids.carol })
    t.ok(locked.body.lockedAt)
    isWebexError(t, await x.carol('POST', `/v1/governance/retention/policies/${p.id}/lock`), 409, /already locked/)
    const put = (body: unknown) => x.carol('PUT', `/v1/governance/retention/policies/${p.id}`, body)
    for (const [change, why] of [
      [{ ...base, days: 30 }, /shortens its period from 365 to 30 days/],
      [{ ...base, enabled: false }, /disables it/],
      [{ ...base, action: 'deleteSpaces' }, /changes its action/],
      [{ ...base, conditions: { ...base.conditions, classificationId: 'x' } }, /changes the classification/],
      [{ ...base, conditions: { tags: ['Finance', 'PII'], tagsMode: 'all', scope: 'internal' } }, /fewer tagged/],
      [{ ...base, conditions: { tags: ['Finance'], scope: 'external' } }, /changes the scope/],
      [{ ...base, conditions: { tags: ['Finance'], scope: 'internal', inactiveDays: 30 } }, /longer inactivity/],
    ] as const) {
      const r = await put(change)
      isWebexError(t, r, 409, why)
      t.match(r.body.message, /"Finance 1 year".*preservation lock/, 'the message names the lock')
    }
    isWebexError(t, await x.carol('DELETE', `/v1/governance/retention/policies/${p.id}`), 409, /preservation lock/)
    const now = (await x.carol('GET', '/v1/governance/retention/policies')).body.items[0]
    t.same([now.days, now.enabled, now.conditions], [365, true, base.conditions], 'nothing of a refused change kept')
    const longer = await put({ ...base, days: 400 })
    t.equal(longer.body.days, 400, 'a longer period is an extension')
    const wider = await put({ ...base, days: 400, conditions: { tags: ['Finance', 'PII'] } })
    t.same(wider.body.conditions, { tags: ['Finance', 'PII'] }, 'more spaces (more tags, no scope) is an extension')
    t.equal(wider.body.locked, true, 'and it stays locked')
    isWebexError(t, await put({ ...base, days: 400, conditions: { tags: ['PII'] } }), 409, /fewer tagged/)
    const everything = await put({ name: 'Everything, 400 days', action: 'deleteMessages', days: 400 })
    t.same(everything.body.conditions, {}, 'no conditions: every space')
    const audit = (await x.carol('GET', `/v1/governance/audit?policyId=${p.id}`)).body.items.map((a: any) => a.action)
    t.same(audit, ['policy.created', 'policy.locked', 'policy.updated', 'policy.updated', 'policy.updated'])
    isWebexError(t, await x.carol('POST', '/v1/governance/retention/policies/nope/lock'), 404)
    const off = (await x.carol('POST', '/v1/governance/retention/policies', { ...base, name: 'Off', enabled: false }))
      .body
    isWebexError(t, await x.carol('POST', `/v1/governance/retention/policies/${off.id}/lock`), 409, /disabled/)
  })

  t.test('a locked manual retention can only get longer (or keep)', async t => {
    const x = await make(t)
    const { ids } = x
    const path = `/v1/governance/spaces/${ids.apollo}/retention`
    isWebexError(t, await x.carol('POST', `${path}/lock`), 404, /no manual retention/)
    const unknown = Buffer.from('ciscospark://us/ROOM/00000000-0000-4000-8000-000000000001').toString('base64url')
    isWebexError(t, await x.carol('POST', `/v1/governance/spaces/${unknown}/retention/lock`), 404)
    await x.carol('PUT', path, { mode: 'days', days: 30 })
    t.match((await x.carol('POST', `${path}/lock`)).body, { locked: true, mode: 'days', days: 30 })
    isWebexError(t, await x.carol('PUT', path, { mode: 'days', days: 10 }), 409, /shortens its period from 30 to 10/)
    isWebexError(t, await x.carol('DELETE', path), 409, /preservation lock/)
    t.match((await x.carol('PUT', path, { mode: 'days', days: 90 })).body, { days: 90, locked: true })
    t.match((await x.carol('PUT', path, { mode: 'keep' })).body, { mode: 'keep', locked: true })
    isWebexError(t, await x.carol('PUT', path, { mode: 'days', days: 3650 }), 409, /ends keeping indefinitely/)
    t.match((await x.carol('GET', path)).body, { mode: 'keep', locked: true }, 'unchanged by the refusals')
  })
}
