import type { Ctx } from '../store/ctx.js'
import { createMessage } from '../spaces/messages.js'
import { toCaller, type PersonRow } from '../domain/rows.js'
import type { SpaceActions } from './actions.js'
import { orgRoom } from './access.js'
import { addUser, classifications, deleteSpace, removeUser, setBlocked, setClassification } from './spaces.js'
import { execute, plan, planItems } from './retention.js'

/** The governance actions on the embedded organisation: each one transaction (or chunked ones) in its store. */
export function embeddedActions (ctx: Ctx): SpaceActions {
  return {
    classifications: async caller => classifications(ctx, caller.orgId),
    addUser: async (caller, roomId, body) => addUser(ctx, caller, roomId, body),
    removeUser: async (caller, roomId, personId) => removeUser(ctx, caller, roomId, personId),
    setBlocked: async (caller, roomId, blocked) => setBlocked(ctx, caller, roomId, blocked),
    deleteSpace: async (caller, roomId) => deleteSpace(ctx, caller, roomId),
    classify: async (caller, roomId, classificationId) => setClassification(ctx, caller, roomId, classificationId),
    // Every message is in the store already.
    prepare: async () => {},
    plan: async (caller, roomId) => plan(ctx, caller, roomId),
    planItems: async (caller, roomId) => planItems(ctx, caller, roomId),
    execute: async (orgId, actorId, roomId) =>
      execute(ctx, orgId, actorId, roomId !== undefined ? (await orgRoom(ctx, { orgId }, roomId)).id : undefined),
    notify: async (officerId, personEmail, markdown) => {
      const officer = await ctx.person(officerId) as PersonRow
      await createMessage(ctx, toCaller(officer, ''), { toPersonEmail: personEmail, markdown }, { cardMaxBytes: 0 })
    },
  }
}
