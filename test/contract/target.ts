import { DEMO, DEMO_IDS } from '../../src/demo.js'
import { client, type Call } from '../helpers/service.js'

/**
 * Where a contract suite runs: a service answering the Webex API with the demo organisation seeded.
 * The same suite runs against the embedded backend and, through the HTTP backend, against a second instance.
 */
export interface Target {
  url: string
  alice: Call
  bob: Call
  carol: Call
  dave: Call
  anonymous: Call
  ids: typeof DEMO_IDS
}

export function targetAt (url: string): Target {
  return {
    url,
    alice: client(url, DEMO.tokens.alice),
    bob: client(url, DEMO.tokens.bob),
    carol: client(url, DEMO.tokens.carol),
    dave: client(url, DEMO.tokens.dave),
    anonymous: client(url),
    ids: DEMO_IDS,
  }
}

/** Starts a fresh target (own store) for one test. */
export type MakeTarget = (t: { teardown(fn: () => unknown): void }) => Promise<Target>
