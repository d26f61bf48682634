import { isComplianceOfficer } from '../../auth/rules.js'
import { decodeId } from '../../ids.js'
import type { CanSee } from '../../triggers/registry.js'
import type { Ctx } from '../../store/ctx.js'

/**
 * Who hears about an event: members of the space (checked at the moment of the change, inside its
 * transaction), the person a membership event is about (so "you were removed" reaches them), and the
 * compliance officers of the space's organisation.
 */
export function embeddedCanSee (ctx: Ctx): CanSee {
  return async (owner, e) => {
    if (e.roomId && await ctx.membership(e.roomId, owner.personId)) return true
    if (
      e.resource === 'memberships' &&
      typeof e.data.personId === 'string' &&
      decodeId('PEOPLE', e.data.personId) === owner.personId
    ) {
      return true
    }
    return isComplianceOfficer(owner, e.orgId)
  }
}
