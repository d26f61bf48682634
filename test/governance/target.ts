import { DEMO, DEMO_IDS } from '../../src/demo.js'
import type { EmbeddedBackend } from '../../src/backends/embedded/index.js'
import type { Ctx } from '../../src/store/ctx.js'
import { client, ManualClock, startService, type Call, type Running, type Tap } from '../helpers/service.js'

/**
 * Where the governance suite runs: a service with the demo organisation and a manual clock. The same suite
 * runs on the embedded backend, and through the Webex backend against a second instance playing Webex
 * (the officer's token as GOVERNANCE_TOKEN), as the action contract suite does.
 */
export interface GovTarget {
  kind: 'embedded' | 'webex'
  url: string
  svc: Running
  alice: Call
  bob: Call
  carol: Call
  dave: Call
  ids: typeof DEMO_IDS
  clock: ManualClock
  /** The store holding the spaces and messages: the embedded backend's, or the one playing Webex. */
  spaces: Ctx
  /** The store holding tags, holds, policies and the audit: the service's own. */
  governance: Ctx
  /** Lets the service catch up with what happened at "Webex" (the events follower); nothing on embedded. */
  settle(): Promise<void>
  /** A full refresh of the inventory (after writing to the spaces' store directly); nothing on embedded. */
  resync(): Promise<void>
}

export type MakeGovTarget = (t: Tap, start?: number) => Promise<GovTarget>

const START = Date.parse('2026-01-05T09:00:00.000Z')
const settings = { throttle: { enabled: false }, delivery: { allowPrivateTargets: true } }
const calls = (url: string) => ({
  alice: client(url, DEMO.tokens.alice),
  bob: client(url, DEMO.tokens.bob),
  carol: client(url, DEMO.tokens.carol),
  dave: client(url, DEMO.tokens.dave),
})

export const embeddedGov: MakeGovTarget = async (t, start = START) => {
  const clock = new ManualClock(start)
  const svc = await startService(t, settings, { clock: clock.now, deliveryTimers: false, random: () => 1 })
  const ctx = (svc.backend as EmbeddedBackend).ctx
  return {
    kind: 'embedded',
    url: svc.url,
    svc,
    ...calls(svc.url),
    ids: DEMO_IDS,
    clock,
    spaces: ctx,
    governance: ctx,
    settle: async () => {},
    resync: async () => {},
  }
}

export const webexGov: MakeGovTarget = async (t, start = START) => {
  const clock = new ManualClock(start)
  const deps = { clock: clock.now, deliveryTimers: false, random: () => 1 }
  const upstream = await startService(t, settings, deps)
  const svc = await startService(
    t,
    {
      ...settings,
      backend: 'webex',
      webex: { baseUrl: upstream.url, rateLimit: 1_000_000 },
      governance: { token: DEMO.tokens.carol },
    },
    deps
  )
  const inventory = svc.inventory!
  await inventory.sync()
  const upstreamCtx = (upstream.backend as EmbeddedBackend).ctx
  return {
    kind: 'webex',
    url: svc.url,
    svc,
    ...calls(svc.url),
    ids: DEMO_IDS,
    clock,
    spaces: upstreamCtx,
    governance: svc.store,
    settle: async () => {
      await inventory.follow()
    },
    resync: async () => {
      await inventory.sync()
    },
  }
}
