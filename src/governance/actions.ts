import type { Caller } from '../domain/caller.js'
import type { Membership } from '../schemas/membership.js'
import type { Classification, ExecuteResult, GovernedSpace, Plan, PlanItem } from '../schemas/governance.js'
import type { Decided } from './retention.js'

/**
 * How the governance layer changes a space's members, state or content. Everything else it keeps in its own
 * store (tags, groups, policies, holds, the audit); these reach whatever holds the spaces: the embedded
 * organisation directly, or Webex through the compliance officer's calls (governance/webex/). Routes and the
 * schedule call this interface only, so each operation exists once per backend.
 */
export interface SpaceActions {
  classifications(caller: Caller): Promise<Classification[]>
  addUser(
    caller: Caller,
    roomId: string,
    body: { personId?: string; personEmail?: string; isModerator?: boolean }
  ): Promise<Membership>
  removeUser(caller: Caller, roomId: string, personId: string): Promise<void>
  setBlocked(caller: Caller, roomId: string, blocked: boolean): Promise<GovernedSpace>
  deleteSpace(caller: Caller, roomId: string): Promise<void>
  classify(caller: Caller, roomId: string, classificationId: string): Promise<GovernedSpace>
  /**
   * Makes the store's message counts exact for the spaces decided (Webex: reads their message index once);
   * without `decided`, for what retention decides now.
   */
  prepare(orgId: string, decided?: Decided): Promise<void>
  plan(caller: Caller, roomId?: string): Promise<Plan>
  /** Every plan item, not only the first 1000 the plan answer carries: for the export. */
  planItems(caller: Caller, roomId?: string): Promise<AsyncIterable<PlanItem>>
  /** `actorId` undefined: the scheduled run, attributed to each policy's creator. */
  execute(orgId: string, actorId: string | undefined, roomId?: string): Promise<ExecuteResult>
  /** A direct message from an officer to a person (disposition notices). */
  notify(officerId: string, personEmail: string, markdown: string): Promise<void>
}
