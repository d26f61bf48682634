import { isComplianceOfficer } from '../../auth/rules.js'
import { decodeId } from '../../ids.js'
import type { CanSee } from '../../triggers/registry.js'
import type { Ctx } from '../../store/ctx.js'
import { MemberCache } from './member-cache.js'

/**
 * Who hears about an event: members of the space (checked at the moment of the change, inside its
 * transaction), the person a membership event is about (so "you were removed" reaches them), and the
 * compliance officers of the space's organisation. On SQLite memberships come from a cache that follows every
 * membership write as it happens (member-cache.ts); on PostgreSQL other instances write them, so each is read.
 */
export function embeddedCanSee (ctx: Ctx): CanSee {
  const read = async (roomId: string, personId: string): Promise<boolean> =>
    (await ctx.get('SELECT 1 AS n FROM memberships WHERE room_id = ? AND person_id = ?', roomId, personId)) !==
      undefined
  let isMember = read
  if (ctx.opened.dialect === 'sqlite') {
    const cache = new MemberCache(read)
    ctx.opened.store.watchRows(cache)
    isMember = (roomId, personId) => cache.isMember(roomId, personId)
  }
  return async (owner, e) => {
    if (e.roomId && await isMember(e.roomId, owner.personId)) return true
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
