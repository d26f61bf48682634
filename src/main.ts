import { configFromEnv } from './config.js'
import { buildApp } from './app.js'
import { EmbeddedBackend } from './backends/embedded/index.js'
import { DEMO, DEMO_IDS } from './backends/embedded/seed.js'

const config = configFromEnv()
const { app, backend } = await buildApp(config)
const address = await app.listen({ host: config.host, port: config.port })

if (backend instanceof EmbeddedBackend) {
  app.log.info({ dataDir: config.dataDir, seeded: backend.seeded }, 'embedded backend ready')
  if (config.seedDemo) {
    app.log.info(
      {
        tokens: {
          regularUser: DEMO.tokens.alice,
          secondUser: DEMO.tokens.bob,
          complianceOfficer: DEMO.tokens.carol,
          thirdUser: DEMO.tokens.dave,
        },
        spaces: { projectApollo: DEMO_IDS.apollo, financeLocked: DEMO_IDS.finance, productGeneral: DEMO_IDS.general },
        team: DEMO_IDS.team,
        tryIt: `curl -H "Authorization: Bearer ${DEMO.tokens.alice}" ${address}/v1/rooms`,
      },
      'demo organisation: call the API with one of these bearer tokens'
    )
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down')
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      }
    )
  })
}
