/**
 * The servers under load, in their own process so the load generator does not share their event loop:
 * the real service (embedded backend, throttle off) and a bare Fastify app answering the same paths with
 * the same JSON, captured from the service once. Prints one JSON line with the URLs and the mixed load's callers.
 */
import Fastify from 'fastify'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { buildApp } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { openDatabase } from '../src/store/sqlite.js'
import { Checkpointer } from '../src/store/checkpointer.js'
import { buildStoreFloor, shape } from './actions-floor.js'
import { MIX_PAGE, seedMixCallers, type MixCall } from './mix-callers.js'
import { ROOT } from './child.js'

const dataDir = mkdtempSync(join(tmpdir(), 'webex-bench-'))
const { app, store } = await buildApp(
  makeConfig({ dataDir, logLevel: 'silent', throttle: { enabled: false }, flows: { enabled: false } })
)
const service = await app.listen({ host: '127.0.0.1', port: 0 })
// The same service without the read cache, on its own copy of the store, to show what the cache buys.
const uncached = await buildApp(
  makeConfig({
    dataDir: mkdtempSync(join(tmpdir(), 'webex-bench-')),
    logLevel: 'silent',
    readCache: false,
    throttle: { enabled: false },
    flows: { enabled: false },
  })
)
const serviceUncached = await uncached.app.listen({ host: '127.0.0.1', port: 0 })
// And with the shipped flows running (as `npm start` has them): every message also runs keyword-alert.
const withFlows = await buildApp(
  makeConfig({
    dataDir: mkdtempSync(join(tmpdir(), 'webex-bench-')),
    logLevel: 'silent',
    throttle: { enabled: false },
    flows: { enabled: true, dir: join(ROOT, 'flows') },
  })
)
const serviceWithFlows = await withFlows.app.listen({ host: '127.0.0.1', port: 0 })

const auth = { authorization: `Bearer ${DEMO.tokens.alice}`, 'content-type': 'application/json' }
const rooms = (await app.inject({ method: 'GET', url: '/v1/rooms', headers: auth })).json()
const message = (
  await app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: auth,
    payload: { roomId: DEMO_IDS.apollo, text: 'bench' },
  })
).json()

// The mixed load's callers: 50 people of the demo organisation with a token each and a space of their own.
const injecting = (on: typeof app): MixCall => async (method, url, token, payload) =>
  (
    await on.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(payload ? { payload } : {}),
    })
  ).json()
const mix = await seedMixCallers(store, injecting(app))
// The bare app answers the mix with what the service answered the first caller.
const first = { authorization: `Bearer ${mix[0].token}`, 'content-type': 'application/json' }
const answer = async (method: 'GET' | 'POST', url: string, payload?: object): Promise<unknown> =>
  (await app.inject({ method, url, headers: first, ...(payload ? { payload } : {}) })).json()
const mixRooms = await answer('GET', `/v1/rooms?max=${MIX_PAGE}`)
const mixMessages = await answer('GET', `/v1/messages?roomId=${mix[0].roomId}&max=${MIX_PAGE}`)
const mixRoom = await answer('GET', `/v1/rooms/${mix[0].roomId}`)
const mixPeople = await answer('GET', '/v1/people?email=bench1@example.com')
const mixCreated = (await answer('POST', '/v1/rooms', { title: 'Bench created' })) as { id: string }
const mixMember = await answer('POST', '/v1/memberships', { roomId: mixCreated.id, personId: mix[1].personId })

const bare = Fastify({ logger: false })
// Get Spaces List of the mix asks for a page (`max`), the single-route case for all.
bare.get('/v1/rooms', async (req) => ((req.query as { max?: string }).max ? mixRooms : rooms))
bare.post('/v1/messages', async () => message)
bare.get('/v1/messages', async () => mixMessages)
bare.get('/v1/rooms/:roomId', async () => mixRoom)
bare.get('/v1/people', async () => mixPeople)
bare.post('/v1/rooms', async () => mixCreated)
bare.post('/v1/memberships', async () => mixMember)
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 })

// The store floor (actions-floor.ts): its file seeded by the service itself, which is then closed, and opened
// again as the service opens it. Its callers are the same people with the same tokens.
const floorConfig = makeConfig({
  dataDir: mkdtempSync(join(tmpdir(), 'webex-bench-floor-')),
  logLevel: 'silent',
  throttle: { enabled: false },
  flows: { enabled: false },
})
const seeder = await buildApp(floorConfig)
const floorMix = await seedMixCallers(seeder.store, injecting(seeder.app))
await seeder.app.close()
const floorDb = openDatabase({ dataDir: floorConfig.dataDir, synchronous: floorConfig.sqliteSynchronous })
// Checkpoints off the floor's connection, as the service under load takes them off its own (app.ts): else the
// floor would pay for them on its thread and understate the most a service can reach.
await new Checkpointer(floorDb, floorConfig.dataDir).start()
const floor = buildStoreFloor(floorDb, [...floorMix, { token: DEMO.tokens.alice, personId: DEMO_IDS.alice }])
// The floor must answer what the service answers: the same keys, nested, with values of the same types.
const onFloor = async (method: 'GET' | 'POST', url: string, payload?: object): Promise<unknown> =>
  await injecting(floor)(method, url, floorMix[0].token, payload)
const floorCreated = (await onFloor('POST', '/v1/rooms', { title: 'Bench created' })) as { id: string }
const pairs: Array<[string, unknown, unknown]> = [
  ['Get Spaces List', mixRooms, await onFloor('GET', `/v1/rooms?max=${MIX_PAGE}`)],
  ['Get Messages', mixMessages, await onFloor('GET', `/v1/messages?roomId=${floorMix[0].roomId}&max=${MIX_PAGE}`)],
  ['Get Space Details', mixRoom, await onFloor('GET', `/v1/rooms/${floorMix[0].roomId}`)],
  ['Get People', mixPeople, await onFloor('GET', '/v1/people?email=bench1@example.com')],
  ['Create Space', mixCreated, floorCreated],
  [
    'Add Member',
    mixMember,
    await onFloor('POST', '/v1/memberships', { roomId: floorCreated.id, personId: floorMix[1].personId }),
  ],
  [
    'Send a Message',
    message,
    await injecting(floor)('POST', '/v1/messages', DEMO.tokens.alice, { roomId: DEMO_IDS.apollo, text: 'bench' }),
  ],
]
for (const [name, service, floored] of pairs) {
  if (!isDeepStrictEqual(shape(service), shape(floored))) {
    throw new Error(`the store floor's ${name} answer differs from the service's: ${JSON.stringify(floored)}`)
  }
}
const floorUrl = await floor.listen({ host: '127.0.0.1', port: 0 })

process.stdout.write(
  JSON.stringify({
    service,
    serviceUncached,
    serviceWithFlows,
    bare: bareUrl,
    floor: floorUrl,
    floorMix,
    roomId: DEMO_IDS.apollo,
    token: DEMO.tokens.alice,
    mix,
    mixPage: MIX_PAGE,
  }) + '\n'
)
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(0))
