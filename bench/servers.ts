/**
 * The servers under load, in their own process so the load generator does not share their event loop:
 * the real service (embedded backend, throttle off) and a bare Fastify app answering the same paths with
 * the same JSON, captured from the service once. Prints one JSON line with both URLs.
 */
import Fastify from 'fastify'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { DEMO, DEMO_IDS } from '../src/backends/embedded/seed.js'

const dataDir = mkdtempSync(join(tmpdir(), 'webex-bench-'))
const { app } = await buildApp(
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
    flows: { enabled: true, dir: fileURLToPath(new URL('../flows', import.meta.url)) },
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

const bare = Fastify({ logger: false })
bare.get('/v1/rooms', async () => rooms)
bare.post('/v1/messages', async () => message)
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 })

process.stdout.write(
  JSON.stringify({
    service,
    serviceUncached,
    serviceWithFlows,
    bare: bareUrl,
    roomId: DEMO_IDS.apollo,
    token: DEMO.tokens.alice,
  }) + '\n'
)
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(0))
