import { encodeId, stableUuid } from '../ids.js'
import type { Webhook } from '../schemas/webhook.js'
import type { SubscriptionRow } from './subscriptions.js'

/** The id of this service as a Webex "application", stamped on webhooks it creates. */
export const APP_ID = encodeId('APPLICATION', stableUuid('app:webex-spaces-connector'))

/** A dead letter's public id, derived from its seq (stable for as long as the row exists). */
export const deliveryId = (seq: number): string => encodeId('DELIVERY', stableUuid(`delivery:${seq}`))

/** A subscription as the Webex API shows it (`GET /v1/webhooks/{id}`), and as the envelope starts. */
export function toWebhook (r: SubscriptionRow): Webhook {
  return {
    id: encodeId('WEBHOOK', r.id),
    name: r.name,
    targetUrl: r.target_url,
    resource: r.resource,
    event: r.event,
    ...(r.filter ? { filter: r.filter } : {}),
    ...(r.secret ? { secret: r.secret } : {}),
    status: r.status,
    created: r.created,
    orgId: encodeId('ORGANIZATION', r.org_id),
    createdBy: encodeId('PEOPLE', r.owner_id),
    appId: APP_ID,
    ownedBy: 'creator',
  }
}

/**
 * Builds the Webex webhook envelope of a delivery: the JSON text that is POSTed (and signed). Everything before
 * actorId depends only on the subscription and the event type, so it is built once per subscription row object
 * (rows are replaced, never changed, when a subscription changes): thousands of deliveries a second need it.
 */
export class Envelopes {
  private readonly prefixes = new WeakMap<SubscriptionRow, Map<string, string>>()
  /** People's public ids: an event's deliveries to its webhooks (and its matches against them) encode the same. */
  private readonly people = new Map<string, string>()

  text (sub: SubscriptionRow, resource: string, event: string, actorId: string, data: string): string {
    let prefixes = this.prefixes.get(sub)
    if (!prefixes) {
      prefixes = new Map()
      this.prefixes.set(sub, prefixes)
    }
    const kind = `${resource}/${event}`
    let prefix = prefixes.get(kind)
    if (prefix === undefined) {
      const { secret: _secret, ...webhook } = toWebhook(sub)
      prefix = `{${JSON.stringify({ ...webhook, resource, event, ownerId: webhook.createdBy }).slice(1, -1)},"actorId":`
      prefixes.set(kind, prefix)
    }
    return `${prefix}"${this.personId(actorId)}","data":${data}}`
  }

  /** A person's public id, remembered for the next deliveries of the same actor or owner. */
  personId (local: string): string {
    let id = this.people.get(local)
    if (id === undefined) {
      if (this.people.size >= 10_000) this.people.clear()
      this.people.set(local, (id = encodeId('PEOPLE', local)))
    }
    return id
  }
}
