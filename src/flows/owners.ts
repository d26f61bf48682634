import { readFileSync } from 'node:fs'
import type { FastifyBaseLogger } from 'fastify'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import { toCaller } from '../domain/rows.js'
import type { WebexHttpBackend } from '../backends/webex/index.js'
import type { WebexRelay } from '../backends/webex/relay.js'

/** Who a flow runs as, by its `owner` email: the identity (and credential) its actions use. */
export interface FlowOwners {
  get(email: string): Caller | undefined
  /** Resolves what needs the network before the runtime starts. */
  load(): Promise<void>
  /** Resolves the owners the loaded flows name, before any of them runs (a store read on either dialect). */
  resolve(emails: string[]): Promise<void>
}

/** Embedded backend: the owner is the person of the organisation with that email. */
export function embeddedOwners (ctx: Ctx): FlowOwners {
  // Read once per start: nothing in the API changes a person's id, organisation or roles.
  const known = new Map<string, Caller>()
  return {
    get: email => known.get(email.toLowerCase()),
    load: async () => {},
    resolve: async emails => {
      for (const email of emails) {
        const p = await ctx.personByEmail(email)
        if (p) known.set(email.toLowerCase(), toCaller(p, ''))
      }
    },
  }
}

/**
 * Webex backend: a flow acts with a Webex access token, as a Power Automate flow acts with its connection.
 * The connections file maps owner emails to tokens; each token is checked at start with GET /people/me and
 * kept only if it belongs to that email, so a file cannot make a flow act as someone else.
 */
export class WebexConnections implements FlowOwners {
  private readonly owners = new Map<string, Caller>()

  constructor (
    private readonly backend: WebexHttpBackend,
    private readonly relay: WebexRelay,
    private readonly file: string,
    private readonly log: FastifyBaseLogger
  ) {}

  get (email: string): Caller | undefined {
    return this.owners.get(email.toLowerCase())
  }

  /** The connections file named them all at load. */
  async resolve (): Promise<void> {}

  async load (): Promise<void> {
    if (!this.file) {
      this.log.warn('FLOWS_CONNECTIONS is not set: with the Webex backend no flow has a connection to run with.')
      return
    }
    let entries: Array<[string, unknown]>
    try {
      const json = JSON.parse(readFileSync(this.file, 'utf8')) as unknown
      if (!json || typeof json !== 'object' || Array.isArray(json)) {
        throw new Error('expected an object of "email": "token"')
      }
      entries = Object.entries(json)
    } catch (err) {
      this.log.error({ file: this.file }, `Flow connections not read: ${(err as Error).message}`)
      return
    }
    for (const [email, token] of entries) {
      try {
        if (typeof token !== 'string' || !token) throw new Error('the token must be a non-empty string')
        const who = await this.backend.identify(token)
        if (!who) throw new Error('Webex does not accept the token')
        const { caller, me } = who
        if (!me.emails.some(e => e.toLowerCase() === email.toLowerCase())) {
          throw new Error(`the token belongs to ${me.emails.join(', ')}`)
        }
        await this.relay.remember(caller, me)
        this.owners.set(email.toLowerCase(), caller)
      } catch (err) {
        this.log.error({ owner: email }, `Flow connection for ${email} not used: ${(err as Error).message}`)
      }
    }
  }
}

/** A backend with neither people nor connections (a test double): flows load but have no one to run as. */
export const noOwners: FlowOwners = { get: () => undefined, load: async () => {}, resolve: async () => {} }
