import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import SwaggerParser from '@apidevtools/swagger-parser'
import type { OpenAPIV2 } from 'openapi-types'
import { generatePackage, packageFiles } from '../src/connector/package.js'
import { checkDefinition, RULES } from '../src/connector/rules.js'
import { client, startService } from './helpers/service.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = await generatePackage()
const clone = <T>(v: T): T => structuredClone(v)
const def = pkg.apiDefinition as OpenAPIV2.Document & Record<string, any>

t.test('the committed connector/ and openapi/ files are exactly what the routes generate', async t => {
  for (const [path, content] of Object.entries(packageFiles(pkg))) {
    const committed = readFileSync(root + path)
    t.ok(
      committed.equals(Buffer.isBuffer(content) ? content : Buffer.from(content)),
      `${path} is up to date (run npm run build:connector)`
    )
  }
})

t.test('the 2.0 definition validates against Swagger 2.0, the 3.x file against OpenAPI 3', async t => {
  await t.resolves(SwaggerParser.validate(clone(def) as never), 'Swagger 2.0')
  await t.resolves(SwaggerParser.validate(clone(pkg.openapi) as never), 'OpenAPI 3')
  t.equal(def.swagger, '2.0')
  t.match(pkg.openapi.openapi, /^3\./)
})

t.test('the generated definition meets every Power Platform rule we check', async t => {
  t.same(checkDefinition(def), [])
})

t.test('what a flow author sees: names, pickers, triggers, security', async t => {
  const ops = new Map<string, any>()
  for (const item of Object.values(def.paths)) {
    for (const op of Object.values(item as object)) if (op?.operationId) ops.set(op.operationId, op)
  }
  const seedActions: Record<string, string> = {
    AddMemberToSpace: 'Add Member to Space',
    AddMemberToTeam: 'Add Member to Team',
    CreateSpace: 'Create Space',
    GetMessageDetails: 'Get Message Details',
    GetMessages: 'Get Messages',
    GetMyOwnDetails: 'Get My Own Details',
    GetPeople: 'Get People',
    GetSpaceDetails: 'Get Space Details',
    GetSpacesList: 'Get Spaces List',
    SendMessage: 'Send a Message',
  }
  for (const [id, summary] of Object.entries(seedActions)) {
    t.equal(ops.get(id)?.summary, summary, `${id} is "${summary}"`)
    t.equal(ops.get(id)?.['x-ms-visibility'], 'important')
  }
  const body = (id: string) => ops.get(id).parameters.find((p: any) => p.in === 'body').schema.properties
  t.same(
    [
      body('AddMemberToSpace').roomId['x-ms-summary'],
      body('AddMemberToSpace').personEmail['x-ms-summary'],
      body('AddMemberToSpace').isModerator['x-ms-summary'],
    ],
    ['Space', 'Email', 'Is moderator?'],
    "the seed's display names"
  )
  t.equal(body('SendMessage').text['x-ms-summary'], 'text', "the seed's name for the plain text")
  t.equal(body('AddMemberToSpace').roomId['x-ms-dynamic-values'].operationId, 'GetSpacesList', 'Select a space')
  t.equal(body('AddMemberToTeam').teamId['x-ms-dynamic-values'].operationId, 'ListTeams', 'Select a team')
  t.equal(ops.get('ListTeams')['x-ms-visibility'], 'internal', "the team picker's source is internal")
  const triggers = [...ops.values()].filter(op => op['x-ms-trigger'])
  t.same(triggers.map(op => op.summary).sort(), [
    'When a card is submitted',
    'When a membership is created',
    'When a membership is deleted',
    'When a membership is updated',
    'When a message is created',
    'When a message is deleted',
    'When a space is created',
    'When a space is due for deletion',
    'When a space is updated',
  ])
  for (const op of triggers) t.equal(op['x-ms-visibility'], 'important', `${op.summary}: not hidden behind "more"`)
  for (const id of ['AddMemberToSpace', 'AddMemberToTeam']) {
    const schema = ops.get(id).parameters.find((p: any) => p.in === 'body').schema
    t.ok(schema.required.includes('isModerator'), `${id}: isModerator is required, as in the seed`)
    t.equal(schema.properties.isModerator.default, false, `${id}: default false`)
  }
  t.equal(body('AddMemberToTeam').isModerator['x-ms-summary'], 'Is Moderator?', "the seed's label")
  t.same(def['x-ms-capabilities'], { testConnection: { operationId: 'GetMyOwnDetails', parameters: {} } })
  t.ok(ops.get('RunFlow').responses['201']?.schema, "Run Flow's success schema is on 201")
  const additions: Record<string, string> = {
    SendAdaptiveCard: 'Send an Adaptive Card',
    WhenCardSubmitted: 'When a card is submitted',
    GetCardSubmission: 'Get Card Submission',
    EditMessage: 'Edit a Message',
  }
  for (const [id, summary] of Object.entries(additions)) t.equal(ops.get(id)?.summary, summary, summary)
  t.ok(body('SendMessage').parentId, 'replies in threads: parentId on Send a Message')
  t.ok(
    ops.get('GetMessages').parameters.some((p: any) => p.name === 'parentId'),
    'and on Get Messages'
  )
  const created = def.paths['/v1/triggers/messages/created'] as any
  t.same(Object.keys(created['x-ms-notification-content'].schema.properties.data.properties).sort(), [
    'created',
    'id',
    'personEmail',
    'personId',
    'roomId',
    'roomType',
  ])
  t.equal(
    created['x-ms-notification-content'].schema.properties.data.properties.roomId['x-ms-summary'],
    'spaceId',
    'the seed maps data.roomId to spaceId'
  )
  t.equal(ops.get('DeleteWebhook')['x-ms-visibility'], 'internal')
  t.same(def.securityDefinitions?.oauth2, {
    type: 'oauth2',
    flow: 'accessCode',
    authorizationUrl: 'https://webexapis.com/v1/authorize',
    tokenUrl: 'https://webexapis.com/v1/access_token',
    scopes: def.securityDefinitions?.oauth2 && (def.securityDefinitions.oauth2 as any).scopes,
  })
  t.ok(Object.keys((def.securityDefinitions?.oauth2 as any).scopes).includes('spark:messages_write'))
  const props = (pkg.apiProperties as any).properties
  t.equal(props.connectionParameters.token.oAuthSettings.identityProvider, 'oauth2')
  t.equal(
    props.connectionParameters.token.oAuthSettings.scopes.length,
    1,
    'Webex scopes space-separated in one entry'
  )
  t.equal(props.policyTemplateInstances[0].templateId, 'dynamichosturl')
  t.same(pkg.icon.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'icon.png is a PNG')
})

const RULE_SUMMARY =
  'every operation has a summary (80 characters, no slash, ends alphanumeric) ' +
  'and a different description ending in a period'
const RULE_PARAMETERS =
  'every parameter has x-ms-summary; path parameters are required and single-encoded; ' +
  'internal required parameters have a default'

/** Each rule, fed a definition broken in the way it guards against, reports it. */
const BREAKS: Record<string, (d: any) => void> = {
  'document is Swagger 2.0 with host, basePath and schemes': d => {
    d.host = 'https://x.com/api'
  },
  'info: title up to 30 characters without API/Connector, description 30 to 500 characters': d => {
    d.info.title = 'Webex Spaces API Connector'
  },
  'x-ms-connector-metadata has exactly Website, Privacy policy and Categories': d => {
    d['x-ms-connector-metadata'].pop()
  },
  'operationIds are present, unique and PascalCase': d => {
    d.paths['/v1/rooms'].get.operationId = 'SendMessage'
  },
  [RULE_SUMMARY]: d => {
    d.paths['/v1/rooms'].get.summary = 'Get spaces/rooms'
  },
  'paths start with /, have no trailing slash and no ?, #, * or =': d => {
    d.paths['/v1/rooms/'] = d.paths['/v1/rooms']
    delete d.paths['/v1/rooms']
  },
  [RULE_PARAMETERS]: d => {
    delete d.paths['/v1/rooms/{roomId}'].get.parameters[0]['x-ms-url-encoding']
  },
  'visible body and response properties have x-ms-summary': d => {
    delete d.paths['/v1/rooms'].post.parameters[0].schema.properties.title['x-ms-summary']
  },
  'x-ms-visibility is important, advanced or internal': d => {
    d.paths['/v1/rooms'].get['x-ms-visibility'] = 'hidden'
  },
  'GET operations have no body; at most one body parameter': d => {
    d.paths['/v1/rooms'].get.parameters.push({
      in: 'body',
      name: 'body',
      schema: { type: 'object' },
      'x-ms-summary': 'Body',
    })
  },
  'successful responses: 200/201 carry a schema, 204 none, no schema on default': d => {
    d.paths['/v1/rooms'].get.responses.default = { description: 'x', schema: { type: 'object' } }
  },
  'x-ms-dynamic-values name an existing operation whose response has the collection and value path': d => {
    d.paths['/v1/memberships'].post.parameters[0].schema.properties.roomId['x-ms-dynamic-values'].operationId =
      'ListSpaces'
  },
  'webhook triggers are well-formed': d => {
    delete d.paths['/v1/triggers/messages/created'].post.parameters[0].schema.properties.callbackUrl[
      'x-ms-notification-url'
    ]
  },
  'the definition is under 1 MB': d => {
    d.info['x-padding'] = 'x'.repeat(1024 * 1024)
  },
}

t.test('every rule fails on a definition broken its way', async t => {
  t.same(RULES.map(r => r.name).sort(), Object.keys(BREAKS).sort(), 'every rule has a breaking case')
  for (const rule of RULES) {
    const broken = clone(def)
    BREAKS[rule.name](broken)
    t.ok(rule.check(broken).length > 0, `"${rule.name}" catches it`)
    t.same(rule.check(clone(def)), [], `"${rule.name}" passes the real definition`)
  }
  const triggerBreaks: Array<(d: any) => void> = [
    d => {
      delete d.paths['/v1/triggers/rooms/created'].post.responses['201'].headers
    },
    d => {
      delete d.paths['/v1/triggers/rooms/created']['x-ms-notification-content']
    },
    d => {
      d.paths['/v1/triggers/rooms/created'].post.parameters[0].schema.properties.callbackUrl['x-ms-visibility'] =
        'advanced'
    },
    d => {
      d.paths['/v1/webhooks/{webhookId}'].delete['x-ms-visibility'] = 'advanced'
    },
  ]
  const rule = RULES.find(r => r.name === 'webhook triggers are well-formed')!
  for (const b of triggerBreaks) {
    const d = clone(def)
    b(d)
    t.ok(rule.check(d).length > 0)
  }
})

t.test('round trip: every operation, built from the definition alone, answers as the definition says', async t => {
  const svc = await startService(t, {
    throttle: { enabled: false },
    delivery: { allowPrivateTargets: true },
    flows: { enabled: true, dir: fileURLToPath(new URL('../flows', import.meta.url)) },
  })
  const alice = client(svc.url, DEMO.tokens.alice)
  const carol = client(svc.url, DEMO.tokens.carol)
  const SwaggerAjv = (await import('ajv')).Ajv
  const ajv = new SwaggerAjv({ strict: false, allErrors: true })
  const state: Record<string, string> = {}
  // Values a flow author would pick, by parameter name; ids made along the way are kept in `state`.
  const value = (name: string, opId: string): unknown => {
    const special: Record<string, Record<string, unknown>> = {
      AddUserToAnySpace: { personEmail: 'pat@partner.test' },
      RemoveUserFromAnySpace: { personId: DEMO_IDS.pat },
      DeleteSpaceWithContent: { roomId: DEMO_IDS.apollo },
      PlaceLegalHold: { roomId: DEMO_IDS.finance },
      ExtendDisposition: { days: 30 },
      ListEvents: { max: 10 },
      AddGroupMember: { personEmail: 'bob@example.com' },
      RemoveGroupMember: { personEmail: 'bob@example.com' },
      SubmitCard: { messageId: state.cardMessageId },
      ListFlowCallbackUrl: { flowId: 'post-announcement', keyType: 'Primary' },
      RegenerateFlowAccessKey: { flowId: 'post-announcement', keyType: 'Secondary' },
      ResubmitFlowRuns: { status: 'Failed' },
    }
    if (special[opId]?.[name] !== undefined) return special[opId][name]
    const v: Record<string, unknown> = {
      tagId: state.tagId,
      policyId: state.policyId,
      groupId: state.groupId,
      classificationId: state.classificationId,
      action: 'deleteMessages',
      days: 30,
      mode: 'keep',
      roomId: state.roomId,
      teamId: state.teamId,
      messageId: state.messageId,
      membershipId: opId.includes('Team') ? state.teamMembershipId : state.membershipId,
      personId: state.personId,
      webhookId: state.webhookId,
      email: 'bob@example.com',
      personEmail: 'dave@example.com',
      title: 'Round trip',
      name: 'Round trip',
      text: 'Round trip',
      callbackUrl: 'http://127.0.0.1:9/hook',
      targetUrl: 'http://127.0.0.1:9/hook',
      resource: 'messages',
      event: 'created',
      isModerator: false,
      flowId: 'welcome-new-member',
      runId: state.runId,
      enabled: true,
      holdId: state.holdId,
      eventId: state.eventId,
      withinDays: 30,
      triggerBody: { data: { roomId: DEMO_IDS.apollo, personDisplayName: 'Round trip' } },
      card: { type: 'AdaptiveCard', version: '1.2', body: [{ type: 'Input.Text', id: 'comment' }] },
      type: 'submit',
      inputs: { comment: 'Round trip' },
      id: state.actionId,
      contentId: state.contentId,
    }
    return v[name]
  }
  const bodyFor = (schema: any, opId: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    // Fill every field we have a value for, as a flow author filling the card would; personId stays out
    // where personEmail already names the person.
    for (const name of Object.keys(schema.properties ?? {})) {
      // A hold is on one thing only: the space.
      const one = opId === 'PlaceLegalHold' && !['name', 'roomId'].includes(name)
      const v =
        one || name === 'personId' || (name === 'roomId' && opId.endsWith('Retention'))
          ? undefined
          : value(name, opId)
      if (v !== undefined) out[name] = v
    }
    return out
  }
  state.personId = (await alice('GET', '/v1/people/me')).body.id
  const order = [
    'GetMyOwnDetails',
    'GetPeople',
    'GetPersonDetails',
    'CreateTeam',
    'ListTeams',
    'GetTeamDetails',
    'UpdateTeam',
    'CreateSpace',
    'GetSpacesList',
    'GetSpaceDetails',
    'UpdateSpace',
    'AddMemberToSpace',
    'ListMemberships',
    'GetMembership',
    'UpdateMembership',
    'AddMemberToTeam',
    'ListTeamMemberships',
    'GetTeamMembership',
    'UpdateTeamMembership',
    'SendMessage',
    'GetMessages',
    'GetMessageDetails',
    'EditMessage',
    'SendAdaptiveCard',
    'SubmitCard',
    'GetCardSubmission',
    'GetFileContent',
    'ListFlows',
    'GetFlow',
    'UpdateFlow',
    'RunFlow',
    'GetFlowRun',
    'ListFlowRuns',
    'ListFlowCallbackUrl',
    'RegenerateFlowAccessKey',
    'ResubmitFlowRun',
    'ResubmitFlowRuns',
    'CancelQueuedFlowRuns',
    'CancelFlowRun',
    'WhenMembershipCreated',
    'WhenMembershipDeleted',
    'WhenMembershipUpdated',
    'WhenMessageCreated',
    'WhenMessageDeleted',
    'WhenSpaceCreated',
    'WhenSpaceUpdated',
    'WhenCardSubmitted',
    'CreateWebhook',
    'ListWebhooks',
    'GetWebhook',
    'UpdateWebhook',
    'ListDeadLetters',
    'RedeliverDeadLetters',
    'DeleteWebhook',
    'ListClassifications',
    'SearchSpaces',
    'CreateTag',
    'ListTags',
    'RenameTag',
    'TagSpace',
    'UntagSpace',
    'AddUserToAnySpace',
    'RemoveUserFromAnySpace',
    'BlockSpace',
    'UnblockSpace',
    'ClassifySpace',
    'ListGroups',
    'CreateGroup',
    'AddGroupMember',
    'RemoveGroupMember',
    'CreateRetentionPolicy',
    'ListRetentionPolicies',
    'UpdateRetentionPolicy',
    'SetManualRetention',
    'GetManualRetention',
    'PlanRetention',
    'ExecuteRetention',
    'ClearManualRetention',
    'SetManualRetention',
    'LockManualRetention',
    'ListAudit',
    'VerifyAudit',
    'PlaceLegalHold',
    'ListLegalHolds',
    'GetLegalHold',
    'ReleaseLegalHold',
    'ExportSpaces',
    'ExportRetentionPlan',
    'ExportAudit',
    'ListDispositions',
    'SendDispositionNotices',
    'GetDispositionSettings',
    'ExtendDisposition',
    'ExcludeFromNotices',
    'IncludeInNotices',
    'WhenSpaceDueForDeletion',
    'ListEvents',
    'GetEventDetails',
    'DeleteRetentionPolicy',
    'CreateRetentionPolicy',
    'LockRetentionPolicy',
    'DeleteTag',
    'DeleteMessage',
    'DeleteTeamMembership',
    'DeleteTeam',
    'DeleteMembership',
    'DeleteSpace',
    'DeleteSpaceWithContent',
  ]
  const ops = new Map<string, { path: string; method: string; op: any }>()
  for (const [path, item] of Object.entries(def.paths)) {
    for (const [method, op] of Object.entries(item as object)) {
      if (op?.operationId) ops.set(op.operationId, { path, method, op })
    }
  }
  t.same(
    [...ops.keys()].filter(id => !order.includes(id)),
    [],
    'the round trip covers every operation'
  )
  for (const id of order) {
    const { path, method, op } = ops.get(id)!
    let url = def.basePath === '/' ? path : def.basePath + path
    const query = new URLSearchParams()
    let body: unknown
    for (const p of op.parameters ?? []) {
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(value(p.name, id))))
      else if (p.in === 'query' && p.required) query.set(p.name, String(value(p.name, id)))
      else if (p.in === 'body') body = bodyFor(p.schema, id)
    }
    if (id === 'GetPeople') query.set('email', 'bob@example.com')
    const officers =
      (op.tags?.includes('Governance') && id !== 'ListClassifications') ||
      op.tags?.includes('Events') ||
      id === 'WhenSpaceDueForDeletion'
    const caller = officers ? carol : alice
    if (id === 'GetFileContent') {
      // A file comes as multipart/form-data (not a connector parameter): upload one, then fetch it as defined.
      const form = new FormData()
      form.set('roomId', state.roomId)
      form.set('files', new Blob(['round trip']), 'trip.txt')
      const headers = { authorization: `Bearer ${DEMO.tokens.alice}` }
      const posted = await fetch(`${svc.url}/v1/messages`, { method: 'POST', headers, body: form })
      const sent = (await posted.json()) as any
      const got = await fetch(svc.url + url.replace('undefined', sent.files[0].split('/').pop()), { headers })
      t.same([got.status, await got.text()], [200, 'round trip'], `${id}: GET ${path} → 200 with the bytes`)
      continue
    }
    // Resubmit takes a finished run; cancel then finds every run finished: the definition's 409, as designed.
    if (id === 'ResubmitFlowRun' || id === 'CancelFlowRun') await svc.flows!.idle()
    const res = await caller(method.toUpperCase(), url + (query.size ? `?${query}` : ''), body)
    if (id === 'CancelFlowRun') {
      t.match(res, { status: 409, body: { message: /already finished/ } }, `${id}: a finished run is not cancelled`)
      continue
    }
    const success = Object.entries(op.responses).find(([s]) => /^2/.test(s))!
    t.equal(res.status, Number(success[0]), `${id}: ${method.toUpperCase()} ${path} → ${success[0]}`)
    const schema = (success[1] as any).schema
    if (schema?.format === 'binary') {
      // An export: a file whose type the definition names.
      t.match(res.headers.get('content-type'), /application\/json/, `${id}: the file is what produces says`)
    } else if (schema) {
      const valid = ajv.validate({ ...schema, definitions: def.definitions }, res.body)
      t.ok(valid, `${id}: response matches the definition${valid ? '' : ' ' + ajv.errorsText()}`)
    }
    const b = res.body ?? {}
    if (id === 'CreateTeam') state.teamId = b.id
    if (id === 'CreateSpace') state.roomId = b.id
    if (id === 'AddMemberToSpace') state.membershipId = b.id
    if (id === 'AddMemberToTeam') state.teamMembershipId = b.id
    if (id === 'SendMessage') state.messageId = b.id
    if (id === 'SendAdaptiveCard') state.cardMessageId = b.id
    if (id === 'SubmitCard') state.actionId = b.id
    if (id === 'RunFlow') state.runId = b.id
    if (id === 'CreateWebhook') state.webhookId = b.id
    if (id === 'CreateTag') state.tagId = b.id
    if (id === 'CreateGroup') state.groupId = b.id
    if (id === 'CreateRetentionPolicy') state.policyId = b.id
    if (id === 'ListClassifications') state.classificationId = b.items[1].id
    if (id === 'PlaceLegalHold') state.holdId = b.id
    if (id === 'ListEvents') state.eventId = b.items[0].id
  }
})

t.test('the service serves its OpenAPI 3 definition and a browsable UI', async t => {
  const svc = await startService(t)
  const json = await fetch(`${svc.url}/documentation/json`)
  t.equal(json.status, 200)
  const live = (await json.json()) as any
  t.same(
    Object.keys(live.paths).sort(),
    Object.keys(pkg.openapi.paths).sort(),
    'the live definition lists the same operations'
  )
  const ui = await fetch(`${svc.url}/documentation/`)
  t.equal(ui.status, 200)
  t.match(ui.headers.get('content-type'), /text\/html/)
})
