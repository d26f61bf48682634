import { BadRequestError } from '../errors.js'
import type { Trigger } from '../triggers/catalog.js'
import { matches, parseFilter } from '../triggers/filters.js'

/**
 * A call to the callback URL of a connector (ApiConnectionWebhook) trigger: in Logic Apps the connector calls
 * that URL with each event; here anyone holding the signed URL can, e.g. a Webex webhook whose targetUrl it is.
 * The body must be a Webex webhook envelope of the trigger's resource and event (as the in-process subscription
 * delivers them); one that does not match the trigger's filter starts no run, as the subscription would not
 * have delivered it. Returns whether a run should start.
 */
export function acceptEnvelope (trigger: Trigger, filter: string | undefined, ownerId: string, body: unknown): boolean {
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
  if (!isObject(body) || !isObject(body.data)) {
    throw new BadRequestError(
      `This trigger (${trigger.operationId}) takes a Webex webhook envelope: a JSON object with resource, event ` +
        'and data.'
    )
  }
  if (body.resource !== trigger.resource || body.event !== trigger.event) {
    throw new BadRequestError(
      `This trigger (${trigger.operationId}) takes ${trigger.resource} ${trigger.event} events, not ` +
        `${String(body.resource)} ${String(body.event)}.`
    )
  }
  return matches(parseFilter(trigger.resource, filter), trigger.resource, body.data, ownerId)
}
