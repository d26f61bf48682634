import { configFromEnv, SettingError, type Config } from './config.js'
import { buildApp, type App } from './app.js'
import { DEMO, DEMO_IDS } from './demo.js'

/**
 * A setting the service cannot start with stops it with its message alone, on stderr, and exit code 1: an
 * operator's mistake (a wrong DATABASE_URL, a busy PORT), not a bug, so no stack trace. Anything else is thrown.
 */
async function start (): Promise<{ config: Config; built: App; address: string }> {
  try {
    const config = configFromEnv()
    const built = await buildApp(config)
    try {
      return { config, built, address: await built.app.listen({ host: config.host, port: config.port }) }
    } catch (err) {
      await built.app.close().catch(() => undefined)
      const code = (err as { code?: string }).code
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new SettingError(`HOST ${config.host}, PORT ${config.port}: cannot listen there (${code}).`)
      }
      throw err
    }
  } catch (err) {
    if (!(err instanceof SettingError)) throw err
    process.stderr.write(`webex-spaces-connector did not start: ${err.message}\n`)
    process.exit(1)
  }
}

const { config, built: { app, mode }, address } = await start()

if (mode.kind === 'embedded') {
  app.log.info({ dataDir: config.dataDir, seeded: mode.backend.seeded }, 'embedded backend ready')
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
