import { ForbiddenError, UnauthorizedError } from '../errors.js'
import type { Caller } from '../domain/caller.js'

/** Who called a trigger, proven by this service's bearer token: their person ids, organisation and emails. */
export interface CallerIdentity {
  ids: string[]
  orgId: string
  emails: string[]
}

/**
 * A Request trigger's triggerAuthenticationType Tenant or User, as Power Automate applies it: the caller must be
 * signed in (here: a bearer token of this service) as a person of the flow owner's organisation, and with User one
 * of triggerAllowedUsers (emails or person ids; none listed: anyone of the organisation). Checked before anything
 * runs; the signed URL is needed as well.
 */
export async function checkCaller (
  rule: { type: 'Tenant' | 'User'; allowed: string[] },
  owner: Caller,
  identify: (() => Promise<CallerIdentity | undefined>) | undefined
): Promise<void> {
  const who = identify ? await identify() : undefined
  if (!who) {
    throw new UnauthorizedError(
      "This flow's trigger takes calls only from people of its owner's organisation: send an access token " +
        '(Authorization: Bearer) with the signed URL.'
    )
  }
  if (who.orgId !== owner.orgId) {
    throw new ForbiddenError("This flow's trigger takes calls only from people of its owner's organisation.")
  }
  if (rule.type === 'User' && rule.allowed.length > 0) {
    const mine = [...who.ids, ...who.emails].map(s => s.toLowerCase())
    if (!mine.some(x => rule.allowed.includes(x))) {
      throw new ForbiddenError("This flow's trigger takes calls only from the people its triggerAllowedUsers lists.")
    }
  }
}
