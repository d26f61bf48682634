import { ForbiddenError, NotFoundError } from '../errors.js'
import { roomLocal } from '../spaces/space.js'
import { isComplianceOfficer } from '../auth/rules.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import type { RoomRow } from '../domain/rows.js'

/** Governance is for compliance officers; everyone else gets a 403 that says so. */
export function assertOfficer (caller: Caller): void {
  if (!isComplianceOfficer(caller)) {
    throw new ForbiddenError('Governance actions need the compliance officer role in your organisation.')
  }
}

/** A space of the caller's organisation, member or not. */
export async function orgRoom (ctx: Ctx, caller: Pick<Caller, 'orgId'>, roomId: string): Promise<RoomRow> {
  const room = await ctx.room(roomLocal(roomId))
  if (!room || room.org_id !== caller.orgId) throw new NotFoundError('No space of your organisation has this id.')
  return room
}
