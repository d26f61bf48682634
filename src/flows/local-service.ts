import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, type App, type AppDeps } from '../app.js'
import { configFromEnv, makeConfig } from '../config.js'
import type { FlowRuntime } from './runtime.js'

export interface LocalService {
  app: App['app']
  runtime: FlowRuntime
  close: () => Promise<void>
}

/**
 * The service in this process with the flows of `flowsDir` and nothing listening: on its own fresh demo
 * organisation in a temp dir, or on the store in `dataDir`. What the flow CLI's commands and flow tests run on.
 */
export async function localService (
  flowsDir: string,
  opts: { dataDir?: string; httpAllow?: string; deps?: AppDeps } = {}
): Promise<LocalService> {
  const env = configFromEnv()
  const temp = opts.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'webex-flow-'))
  const config = makeConfig({
    // Always the embedded backend: a trial run must not act on a real Webex organisation.
    ...env,
    backend: 'embedded',
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    logRequests: false,
    dataDir: temp ?? opts.dataDir,
    delivery: { ...env.delivery, thread: false },
    retention: { ...env.retention, scheduleEnabled: false },
    flows: { ...env.flows, enabled: true, dir: flowsDir, ...(opts.httpAllow ? { httpAllow: opts.httpAllow } : {}) },
  })
  const { app, flows } = await buildApp(config, opts.deps)
  if (!flows) throw new Error('The workflow runtime needs the embedded backend (BACKEND=embedded).')
  await app.ready()
  return {
    app,
    runtime: flows,
    close: async () => {
      await app.close()
      if (temp) rmSync(temp, { recursive: true, force: true })
    },
  }
}
