import t from 'tap'
import { fileURLToPath } from 'node:url'
import { DEMO_IDS } from '../../src/demo.js'
import { ManualClock, nextLink } from '../helpers/service.js'
import { startFlows, type FlowService } from './helpers.js'

// The shipped flows/ directory, exactly as `npm start` loads it.
const SHIPPED = fileURLToPath(new URL('../../flows', import.meta.url))

const runsOf = async (s: FlowService, flowId: string, as = s.carol): Promise<any[]> =>
  (await as('GET', `/v1/flows/${flowId}/runs?max=100`)).body.items
const runOf = async (s: FlowService, flowId: string, runId: string, as = s.carol): Promise<any> =>
  (await as('GET', `/v1/flows/${flowId}/runs/${runId}`)).body
const latest = async (s: FlowService, roomId: string, as = s.alice): Promise<any> =>
  (await as('GET', `/v1/messages?roomId=${roomId}&max=1`)).body.items[0]

t.test('welcome-new-member: a member added to a group space is greeted there, by Alice', async t => {
  const s = await startFlows(t, {}, { flowsDir: SHIPPED })
  const added = await s.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com' })
  t.equal(added.status, 200)
  await s.flows!.idle()

  const greeting = await latest(s, DEMO_IDS.apollo)
  t.equal(greeting.markdown, 'Welcome, **Dave Lee**! Glad to have you here.')
  t.equal(greeting.personEmail, 'alice@example.com', 'the flow acts as its owner')

  const [run] = await runsOf(s, 'welcome-new-member', s.alice)
  t.match(run, {
    status: 'Succeeded',
    source: 'event',
    triggerName: 'When_a_membership_is_created',
    triggerBody: {
      resource: 'memberships',
      event: 'created',
      data: { personEmail: 'dave@example.com', roomId: DEMO_IDS.apollo },
    },
  })
  const full = await runOf(s, 'welcome-new-member', run.id, s.alice)
  t.match(full.actions, [
    {
      name: 'Send_a_welcome_message',
      status: 'Succeeded',
      attempts: 1,
      inputs: { parameters: { 'body/roomId': DEMO_IDS.apollo } },
      outputs: { statusCode: 200, body: { id: greeting.id } },
    },
  ])

  // A 1:1 space is no place for a welcome: the trigger conditions are false for its two memberships, so they
  // start no run and leave nothing in the history; a group space created after it is welcomed as before.
  await s.alice('POST', '/v1/messages', { toPersonEmail: 'dave@example.com', text: 'hi' })
  await s.flows!.idle()
  const room = (await s.alice('POST', '/v1/rooms', { title: 'After the 1:1' })).body
  await s.alice('POST', '/v1/memberships', { roomId: room.id, personEmail: 'dave@example.com' })
  await s.flows!.idle()
  const runs = await runsOf(s, 'welcome-new-member', s.alice)
  t.same(
    runs.map(r => [r.status, r.triggerBody.data.roomId]),
    [['Succeeded', room.id], ['Succeeded', DEMO_IDS.apollo]],
    "newest first: the new group space's welcome, Apollo's; no run for the 1:1 space's memberships"
  )
})

t.test(
  'tag-external-members: a space that gains an external member is tagged External; the tag is created once',
  async t => {
    const s = await startFlows(t, {}, { flowsDir: SHIPPED })
    await s.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.apollo, personEmail: 'pat@partner.test' })
    await s.flows!.idle()
    await s.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.general, personEmail: 'pat@partner.test' })
    await s.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.finance, personEmail: 'bob@example.com' })
    await s.flows!.idle()

    const tagged = (await s.carol('GET', '/v1/governance/spaces?tags=External')).body.items
      .map((r: any) => r.id)
      .sort()
    t.same(tagged, [DEMO_IDS.apollo, DEMO_IDS.general].sort(), 'both spaces with Pat, not Finance (Bob is internal)')
    t.same(
      (await s.carol('GET', '/v1/governance/tags')).body.items.map((x: any) => x.name),
      ['External']
    )

    const runs = await runsOf(s, 'tag-external-members')
    t.same(
      runs.map(r => [r.status, r.triggerBody.data.roomId]),
      [['Succeeded', DEMO_IDS.general], ['Succeeded', DEMO_IDS.apollo]],
      'newest first: Pat twice tagged; Bob (internal) started no run'
    )
    const first = await runOf(s, 'tag-external-members', runs[1].id)
    const second = await runOf(s, 'tag-external-members', runs[0].id)
    const status = (run: any, name: string): string => run.actions.find((a: any) => a.name === name).status
    t.equal(status(first, 'Create_the_tag'), 'Succeeded')
    t.equal(status(second, 'Create_the_tag'), 'Skipped', 'the second run found the tag')
    t.equal(status(second, 'Tag_the_space'), 'Succeeded')
    const audit = (await s.carol('GET', '/v1/governance/audit')).body.items
    t.ok(
      audit.some((a: any) => a.action === 'tagSpace' || /tag/i.test(a.action)),
      "the governance audit shows the flow's tagging, as Carol"
    )
  }
)

t.test('keyword-alert: a message with the word is reported in the Compliance alerts space', async t => {
  const s = await startFlows(t, {}, { flowsDir: SHIPPED })
  await s.bob('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'The numbers are CONFIDENTIAL until Friday' })
  await s.alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'Nothing to see here' })
  await s.flows!.idle()

  const spaces = (await s.carol('GET', '/v1/rooms?max=100')).body.items.filter(
    (r: any) => r.title === 'Compliance alerts'
  )
  t.equal(spaces.length, 1, 'the alert space was created once')
  const alerts = (await s.carol('GET', `/v1/messages?roomId=${spaces[0].id}`)).body.items
  t.equal(alerts.length, 1, "one alert: only Bob's message has the word")
  t.match(alerts[0].markdown, /Keyword \*\*confidential\*\* in a message by bob@example\.com/)
  t.match(alerts[0].markdown, /The numbers are CONFIDENTIAL until Friday/)

  await s.bob('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'still confidential' })
  await s.flows!.idle()
  t.equal(
    (await s.carol('GET', '/v1/rooms?max=100')).body.items.filter((r: any) => r.title === 'Compliance alerts').length,
    1,
    'the second alert reuses the space'
  )
  t.equal((await s.carol('GET', `/v1/messages?roomId=${spaces[0].id}`)).body.items.length, 2)

  const runs = await runsOf(s, 'keyword-alert')
  // Bob twice and Alice ran; Carol's two alerts are her own messages: the trigger condition is false for them,
  // so they started no run.
  const by = (email: string): string[] =>
    runs.filter(r => r.triggerBody.data.personEmail === email).map(r => r.status)
  t.same(by('bob@example.com'), ['Succeeded', 'Succeeded'])
  t.same(by('alice@example.com'), ['Succeeded'])
  t.same(by('carol@example.com'), [])
  t.equal(runs.length, 3)
  const quiet = await runOf(
    s,
    'keyword-alert',
    runs.find(r => r.triggerBody.data.personEmail === 'alice@example.com').id
  )
  t.match(
    quiet.actions.find((a: any) => a.name === 'If_it_mentions_the_keyword'),
    { status: 'Succeeded', outputs: { expression: false } }
  )
  t.equal(quiet.actions.find((a: any) => a.name === 'Post_the_alert').status, 'Skipped')
})

t.test('nightly-inactive-report: at 02:00 the spaces idle for 30 days are listed for Alice', async t => {
  const clock = new ManualClock()
  const s = await startFlows(t, {}, { flowsDir: SHIPPED }, { clock: clock.now })
  const flow = (await s.carol('GET', '/v1/flows/nightly-inactive-report')).body
  t.match(flow, {
    enabled: true,
    trigger: { type: 'Recurrence', recurrence: '1 Day', nextRun: '2026-01-06T02:00:00.000Z' },
  })

  await s.flows!.tick()
  await s.flows!.idle()
  t.same(await runsOf(s, 'nightly-inactive-report'), [], 'nothing before 02:00')

  clock.advance(31 * 86_400_000)
  await s.alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'Apollo is alive' })
  await s.flows!.tick()
  await s.flows!.idle()

  const runs = await runsOf(s, 'nightly-inactive-report')
  t.equal(runs.length, 1, 'missed nights do not pile up: one run')
  t.match(runs[0], {
    status: 'Succeeded',
    source: 'recurrence',
    triggerBody: { scheduledTime: '2026-01-06T02:00:00.000Z' },
  })
  const direct = (await s.alice('GET', '/v1/rooms?type=direct')).body.items
  const withCarol = await Promise.all(
    direct.map(async (r: any) => (await s.alice('GET', `/v1/messages?roomId=${r.id}&max=1`)).body.items[0])
  )
  const report = withCarol.find((m: any) => m?.personEmail === 'carol@example.com')
  t.ok(report, "Carol's flow sent Alice the report")
  t.match(report.markdown, /^Spaces inactive for 30 days or more \(2\):/)
  t.match(report.markdown, /\*\*Product\*\*: last active 2026-01-05, 2 members/)
  t.match(report.markdown, /\*\*Finance Q4\*\*: last active 2026-01-05/)
  t.notMatch(report.markdown, /Project Apollo/, 'the space with activity today is not inactive')
  t.match(
    (await s.carol('GET', '/v1/flows/nightly-inactive-report')).body.trigger.nextRun,
    '2026-02-06T02:00:00.000Z'
  )
})

t.test(
  'flows through the API: who sees, enables and runs what; disabled flows do not run; state survives a restart',
  async t => {
    const s = await startFlows(t, {}, { flowsDir: SHIPPED })
    t.same(
      (await s.alice('GET', '/v1/flows')).body.items.map((f: any) => f.id),
      ['act-on-approval', 'post-announcement', 'post-approval-card', 'welcome-new-member'],
      'Alice sees her flows'
    )
    t.same(
      (await s.carol('GET', '/v1/flows')).body.items.map((f: any) => f.id).sort(),
      [
        'act-on-approval',
        'keyword-alert',
        'nightly-inactive-report',
        'post-announcement',
        'post-approval-card',
        'tag-external-members',
        'welcome-new-member',
      ],
      'a compliance officer sees all'
    )
    t.same((await s.bob('GET', '/v1/flows')).body.items, [])
    t.same(
      (await s.alice('GET', '/v1/webhooks')).body.items,
      [],
      "a running flow's trigger subscription is not one of Alice's webhooks"
    )
    t.equal((await s.bob('GET', '/v1/flows/welcome-new-member')).status, 404, "others' flows do not exist for Bob")
    t.equal((await s.bob('PUT', '/v1/flows/welcome-new-member', { enabled: false })).status, 404)
    t.equal((await s.bob('POST', '/v1/flows/welcome-new-member/runs', { triggerBody: {} })).status, 404)
    const officerRun = await s.carol('POST', '/v1/flows/welcome-new-member/runs', { triggerBody: {} })
    t.equal(officerRun.status, 403, "an officer may not act with Alice's rights")
    t.match(officerRun.body, { message: /owner/, trackingId: /./ })

    const bad = await s.alice('PUT', '/v1/flows/welcome-new-member', { enabled: 'sometimes' })
    t.equal(bad.status, 400)
    t.match(bad.body, { message: /./, errors: [{ description: /./ }], trackingId: /./ })
    t.equal(
      (await s.alice('POST', '/v1/flows/welcome-new-member/runs', { triggerBody: 'text is not a body' })).status,
      201,
      'any JSON is a trigger body'
    )
    await s.flows!.idle()
    t.equal((await s.alice('GET', '/v1/flows/no-such-flow')).status, 404)

    const off = await s.carol('PUT', '/v1/flows/welcome-new-member', { enabled: false })
    t.match(off, { status: 200, body: { enabled: false } }, 'an officer can switch any flow off')
    await s.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com' })
    await s.flows!.idle()
    t.same(
      (await runsOf(s, 'welcome-new-member')).map(r => r.source),
      ['manual'],
      'a disabled flow is not triggered (the one run is the manual one above)'
    )

    // The switch is durable: a restart on the same store keeps the flow off.
    await s.app.close()
    const again = await startFlows(t, {}, { flowsDir: SHIPPED, dataDir: s.dataDir })
    t.equal((await again.alice('GET', '/v1/flows/welcome-new-member')).body.enabled, false)
    t.match(await again.alice('PUT', '/v1/flows/welcome-new-member', { enabled: true }), {
      status: 200,
      body: { enabled: true },
    })
    await again.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.general, personEmail: 'dave@example.com' })
    await again.flows!.idle()
    t.same(
      (await runsOf(again, 'welcome-new-member')).map(r => `${r.source} ${r.status}`),
      ['event Succeeded', 'manual Failed']
    )

    // Run now: the owner starts a run with a trigger body of their choosing; 202 and Location to follow.
    const queued = await again.alice('POST', '/v1/flows/welcome-new-member/runs', {
      triggerBody: { data: { roomId: DEMO_IDS.apollo, personEmail: 'x@example.com', personDisplayName: 'Xavier' } },
    })
    t.equal(queued.status, 201)
    t.match(queued.body, { status: 'Queued', source: 'manual' })
    await again.flows!.idle()
    const done = (await again.alice('GET', new URL(queued.headers.get('location')!).pathname)).body
    t.equal(done.status, 'Succeeded')
    t.equal((await latest(again, DEMO_IDS.apollo)).markdown, 'Welcome, **Xavier**! Glad to have you here.')

    const page = await again.alice('GET', '/v1/flows/welcome-new-member/runs?max=1')
    t.equal(page.body.items.length, 1)
    t.equal(page.body.items[0].id, done.id, 'newest first')
    t.notOk('actions' in page.body.items[0], 'the list leaves the actions to the run itself')
    const next = nextLink(page.headers)
    t.ok(next, 'a Link header to the next page')
    t.equal((await again.alice('GET', next!)).body.items[0].status, 'Succeeded')
  }
)

t.test(
  "FLOWS_ENABLED=false: no runtime, no flow routes, and the flows' subscriptions stop until it is back",
  async t => {
    const on = await startFlows(t, {}, { flowsDir: SHIPPED })
    await on.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com' })
    await on.flows!.idle()
    await on.app.close()

    const off = await startFlows(t, {}, { flowsDir: SHIPPED, dataDir: on.dataDir, flows: { enabled: false } })
    t.equal(off.flows, undefined)
    t.equal((await off.alice('GET', '/v1/flows')).status, 404)
    await off.alice('POST', '/v1/memberships', { roomId: DEMO_IDS.general, personEmail: 'dave@example.com' })
    t.same((await off.alice('GET', '/v1/webhooks')).body.items, [], 'flow subscriptions never show as webhooks')
    await off.app.close()

    const back = await startFlows(t, {}, { flowsDir: SHIPPED, dataDir: on.dataDir })
    await back.flows!.idle()
    const runs = await runsOf(back, 'welcome-new-member', back.alice)
    t.same(
      runs.map(r => r.triggerBody.data.roomId),
      [DEMO_IDS.apollo],
      'the event while the runtime was off queued no run, and nothing was lost or replayed'
    )
  }
)

t.test('post-approval-card + act-on-approval: a request gets a card, a click gets an answer in the thread', async t => {
  const s = await startFlows(t, {}, { flowsDir: SHIPPED })
  const request = await s.bob('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: '/approve the Q3 budget' })
  await s.flows!.idle()
  const thread = async () =>
    (await s.alice('GET', `/v1/messages?roomId=${DEMO_IDS.apollo}&parentId=${request.body.id}`)).body.items
  const [cardMessage] = await thread()
  t.match(cardMessage, {
    personEmail: 'alice@example.com',
    text: 'Approval requested: the Q3 budget',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }],
  })
  t.equal(cardMessage.attachments[0].content.body[1].text, 'the Q3 budget', 'expressions inside the card evaluated')
  const plain = await s.bob('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'no card for this' })
  await s.flows!.idle()
  t.same(
    (await s.alice('GET', `/v1/messages?roomId=${DEMO_IDS.apollo}&parentId=${plain.body.id}`)).body.items,
    [],
    'other messages get no card'
  )

  const clicked = await s.bob('POST', '/v1/attachment/actions', {
    type: 'submit',
    messageId: cardMessage.id,
    inputs: { decision: 'approved', comment: 'within plan' },
  })
  t.equal(clicked.status, 200)
  await s.flows!.idle()
  const answers = (await thread()).filter((m: any) => m.id !== cardMessage.id)
  t.equal(answers.length, 1)
  t.equal(answers[0].markdown, '**APPROVED** by Bob Smith: within plan')
  const [run] = await runsOf(s, 'act-on-approval', s.alice)
  t.match(run, {
    status: 'Succeeded',
    triggerBody: { resource: 'attachmentActions', event: 'created', data: { id: clicked.body.id } },
  })
})

t.test('post-announcement: a signed call posts to the space as Alice and answers with the message id', async t => {
  const s = await startFlows(t, {}, { flowsDir: SHIPPED })
  const url = (await s.alice('POST', '/v1/flows/post-announcement/listCallbackUrl', {})).body.value
  const call = (body: unknown) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const ok = await call({ roomId: DEMO_IDS.apollo, text: 'Release at 5' })
  t.equal(ok.status, 201)
  const { messageId } = (await ok.json()) as { messageId: string }
  const posted = await latest(s, DEMO_IDS.apollo)
  t.equal(posted.id, messageId)
  t.equal(posted.markdown, '📣 Release at 5')
  t.equal(posted.personEmail, 'alice@example.com', 'the flow acts as its owner')
  const bad = await call({ roomId: DEMO_IDS.apollo })
  t.equal(bad.status, 400, 'the trigger checks its schema (EnableSchemaValidation)')
  const unknown = await call({
    roomId: 'Y2lzY29zcGFyazovL3VzL1JPT00vMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw',
    text: 'x',
  })
  t.equal(unknown.status, 404, "a space Alice cannot see: the operation's answer comes back through the Response")
  await s.flows!.idle()
  const runs = await runsOf(s, 'post-announcement', s.alice)
  t.same(
    runs.map(r => r.status),
    ['Succeeded', 'Succeeded'],
    'two runs (the 400 started none); the refused post is handled by Answer_refused'
  )
})
