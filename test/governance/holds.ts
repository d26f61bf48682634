import type { Test } from 'tap'
import { isWebexError } from '../helpers/assertions.js'
import type { MakeGovTarget } from './target.js'
import { retentionSetup, texts } from './retention.js'

const DAY = 86_400_000

export function holdsSuite (t: Test, make: MakeGovTarget): void {
  t.test('legal holds on a space, a person and a tag: 404 for what does not exist, 400 for a bad shape', async t => {
    const x = await make(t)
    const { ids } = x
    const tag = (await x.carol('POST', '/v1/governance/tags', { name: 'Litigation' })).body.id
    const space = await x.carol('POST', '/v1/governance/holds', { name: 'Smith v. Example', roomId: ids.apollo })
    t.equal(space.status, 200)
    t.match(space.body, {
      name: 'Smith v. Example',
      kind: 'space',
      roomId: ids.apollo,
      active: true,
      createdBy: ids.carol,
    })
    const person = await x.carol('POST', '/v1/governance/holds', {
      name: 'Audit 2026',
      personEmail: 'bob@example.com',
    })
    t.match(person.body, { kind: 'person', personId: ids.bob })
    const byId = await x.carol('POST', '/v1/governance/holds', { name: 'Audit 2027', personId: ids.dave })
    t.match(byId.body, { kind: 'person', personId: ids.dave })
    t.match((await x.carol('POST', '/v1/governance/holds', { name: 'Tagged', tagId: tag })).body, {
      kind: 'tag',
      tagId: tag,
    })
    const unknownRoom = Buffer.from('ciscospark://us/ROOM/00000000-0000-4000-8000-000000000001').toString('base64url')
    const unknownPerson = Buffer.from('ciscospark://us/PEOPLE/00000000-0000-4000-8000-000000000001').toString(
      'base64url'
    )
    isWebexError(t, await x.carol('POST', '/v1/governance/holds', { name: 'h', roomId: unknownRoom }), 404)
    isWebexError(t, await x.carol('POST', '/v1/governance/holds', { name: 'h', personId: unknownPerson }), 404)
    isWebexError(t, await x.carol('POST', '/v1/governance/holds', { name: 'h', personEmail: 'no@example.com' }), 404)
    isWebexError(
      t,
      await x.carol('POST', '/v1/governance/holds', { name: 'h', personEmail: 'pat@partner.test' }),
      404,
      /organisation/
    )
    isWebexError(t, await x.carol('POST', '/v1/governance/holds', { name: 'h', tagId: 'nope' }), 404)
    isWebexError(t, await x.carol('POST', '/v1/governance/holds', { name: 'h' }), 400, /exactly one/)
    isWebexError(
      t,
      await x.carol('POST', '/v1/governance/holds', { name: 'h', roomId: ids.apollo, tagId: tag }),
      400,
      /exactly one/
    )
    isWebexError(
      t,
      await x.carol('POST', '/v1/governance/holds', { name: 'Smith v. Example', roomId: ids.apollo }),
      409
    )
    const listed = (await x.carol('GET', '/v1/governance/holds?active=true')).body.items
    t.equal(listed.length, 4, 'only the four placed: nothing kept of the refused ones')
    t.same((await x.carol('GET', `/v1/governance/holds/${space.body.id}`)).body, space.body)
    const released = await x.carol('POST', `/v1/governance/holds/${space.body.id}/release?reason=Settled`)
    t.match(released.body, { active: false, releasedBy: ids.carol })
    t.ok(released.body.released)
    isWebexError(t, await x.carol('POST', `/v1/governance/holds/${space.body.id}/release`), 409, /already released/)
    isWebexError(t, await x.carol('POST', '/v1/governance/holds/nope/release'), 404)
    t.equal((await x.carol('GET', '/v1/governance/holds?active=false')).body.items.length, 1, 'kept on record')
    const audit = (await x.carol('GET', '/v1/governance/audit?max=100')).body.items
    t.same(
      audit.filter((a: any) => a.action.startsWith('hold.')).map((a: any) => [a.action, a.detail.name]),
      [
        ['hold.placed', 'Smith v. Example'],
        ['hold.placed', 'Audit 2026'],
        ['hold.placed', 'Audit 2027'],
        ['hold.placed', 'Tagged'],
        ['hold.released', 'Smith v. Example'],
      ],
      'placing and releasing are audited'
    )
    t.equal(audit.find((a: any) => a.action === 'hold.released').detail.releaseReason, 'Settled')
  })

  t.test('a hold beats every policy and manual retention: the plan says decidedBy hold and names it', async t => {
    const x = await retentionSetup(t, make)
    const { ids } = x
    const all = (
      await x.carol('POST', '/v1/governance/retention/policies', {
        name: 'All 30',
        action: 'deleteMessages',
        days: 30,
      })
    ).body
    await x.carol('PUT', `/v1/governance/spaces/${ids.finance}/retention`, { mode: 'days', days: 1 })
    const hold = (await x.carol('POST', '/v1/governance/holds', { name: 'Smith v. Example', roomId: ids.apollo }))
      .body
    const tagHold = (await x.carol('POST', '/v1/governance/holds', { name: 'Finance matter', tagId: x.tag })).body
    const onFinance = (await x.carol('POST', '/v1/governance/holds', { name: 'Q4 inquiry', roomId: ids.finance }))
      .body
    const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
    const byRoom = Object.fromEntries(plan.items.map((i: any) => [i.roomId, i]))
    t.match(byRoom[ids.apollo], {
      action: 'hold',
      decidedBy: 'hold',
      hold: { id: hold.id, name: 'Smith v. Example' },
      overruled: all.id,
      wouldErase: 4,
      messages: 0,
    })
    t.match(byRoom[ids.apollo].reason, /legal hold "Smith v\. Example" keeps the space; without it, policy "All 30"/)
    t.not(byRoom[ids.apollo].hold.id, tagHold.id, 'the oldest hold on a space names it')
    t.match(byRoom[ids.finance], {
      decidedBy: 'hold',
      hold: { id: onFinance.id },
      overruled: 'override',
      wouldErase: 2,
    })
    t.same([plan.spaces, plan.messages, plan.held], [0, 0, 2], 'nothing to erase, two spaces held')
    const done = (await x.carol('POST', '/v1/governance/retention/execute', {})).body
    t.same([done.spaces, done.messages], [0, 0], 'execute erases nothing held')
    t.equal((await texts(x, ids.apollo)).length, 5)
    isWebexError(t, await x.carol('DELETE', `/v1/governance/spaces/${ids.apollo}`), 409, /Smith v\. Example/)
    t.equal((await x.alice('GET', `/v1/rooms/${ids.apollo}`)).status, 200, 'a held space cannot be deleted')
    await x.carol('POST', `/v1/governance/holds/${hold.id}/release`)
    const stillTagged = (await x.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body.items[0]
    t.match(
      stillTagged,
      { decidedBy: 'hold', hold: { id: tagHold.id, name: 'Finance matter' } },
      'the tag still holds it'
    )
    await x.carol('POST', `/v1/governance/holds/${tagHold.id}/release`)
    const free = (await x.carol('POST', '/v1/governance/retention/plan', { roomId: ids.apollo })).body
    t.match(free.items[0], { decidedBy: all.id, messages: 4 }, 'released: the policy decides again')
    t.equal((await x.carol('POST', '/v1/governance/retention/execute', { roomId: ids.apollo })).body.messages, 4)
  })

  t.test('a hold on a person keeps every space they are or were in', async t => {
    const x = await retentionSetup(t, make)
    // Bob was in a space he has since left: the hold follows him there.
    const side = (await x.alice('POST', '/v1/rooms', { title: 'Side project' })).body
    await x.alice('POST', '/v1/memberships', { roomId: side.id, personEmail: 'bob@example.com' })
    await x.bob('POST', '/v1/messages', { roomId: side.id, text: 'my notes' })
    const bobs = (await x.alice('GET', `/v1/memberships?roomId=${side.id}&personEmail=bob@example.com`)).body.items[0]
    await x.bob('DELETE', `/v1/memberships/${bobs.id}`)
    await x.alice('POST', '/v1/messages', { toPersonEmail: 'bob@example.com', text: 'between us' })
    await x.settle()
    x.clock.advance(60 * DAY)
    await x.carol('POST', '/v1/governance/retention/policies', { name: 'All 30', action: 'deleteMessages', days: 30 })
    const hold = (
      await x.carol('POST', '/v1/governance/holds', { name: 'Custodian Bob', personEmail: 'bob@example.com' })
    ).body
    const plan = (await x.carol('POST', '/v1/governance/retention/plan', {})).body
    const held = plan.items
      .filter((i: any) => i.decidedBy === 'hold')
      .map((i: any) => i.title)
      .sort()
    t.same(held, ['Alice Johnson & Bob Smith', 'Project Apollo', 'Side project'], "Bob's spaces, past and present")
    t.ok(plan.items.every((i: any) => i.decidedBy !== 'hold' || i.hold.id === hold.id))
    t.same(
      plan.items.filter((i: any) => i.decidedBy !== 'hold').map((i: any) => i.title),
      ['Finance Q4'],
      'Finance Q4 (no Bob) is erased as usual'
    )
  })
}
