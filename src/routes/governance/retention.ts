import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, ListOf } from '../../schemas/common.js'
import {
  ExecuteResult,
  Override,
  OverrideBody,
  Plan,
  PlanBody,
  Policy,
  PolicyBody,
} from '../../schemas/governance.js'
import {
  createPolicy,
  deleteOverride,
  deletePolicy,
  getOverride,
  listPolicies,
  lockOverride,
  lockPolicy,
  setOverride,
  updatePolicy,
} from '../../governance/policies.js'
import { done, PolicyIdParam, RoomIdParam, tags, type GovernanceDeps } from './params.js'

/** Retention policies, manual retention, preservation locks, and the plan and its execution. */
export const retentionRoutes: FastifyPluginAsyncTypebox<GovernanceDeps> = async (app, { ctx, actions }) => {
  app.get(
    '/v1/governance/retention/policies',
    {
      schema: {
        operationId: 'ListRetentionPolicies',
        summary: 'List Retention Policies',
        tags,
        description: "The organisation's retention policies.",
        response: { 200: ListOf(Policy, 'items'), ...errorResponses },
      },
    },
    async request => ({ items: await listPolicies(ctx, request.caller) })
  )
  app.post(
    '/v1/governance/retention/policies',
    {
      schema: {
        operationId: 'CreateRetentionPolicy',
        summary: 'Create Retention Policy',
        tags,
        description:
          'Erase messages older than, or spaces inactive for, a number of days in the spaces matching conditions.',
        body: PolicyBody,
        response: { 200: Policy, ...errorResponses },
      },
    },
    async request => createPolicy(ctx, request.caller, request.body)
  )
  app.put(
    '/v1/governance/retention/policies/:policyId',
    {
      schema: {
        operationId: 'UpdateRetentionPolicy',
        summary: 'Update Retention Policy',
        tags,
        description: "Replace a retention policy's settings (a locked policy: only to extend it, else 409).",
        params: PolicyIdParam,
        body: PolicyBody,
        response: { 200: Policy, ...errorResponses },
      },
    },
    async request => updatePolicy(ctx, request.caller, request.params.policyId, request.body)
  )
  app.delete(
    '/v1/governance/retention/policies/:policyId',
    {
      schema: {
        operationId: 'DeleteRetentionPolicy',
        summary: 'Delete Retention Policy',
        tags,
        description: 'Delete a retention policy (409 when it is locked).',
        params: PolicyIdParam,
        response: done,
      },
    },
    async (request, reply) => {
      await deletePolicy(ctx, request.caller, request.params.policyId)
      return reply.code(204).send(null)
    }
  )
  app.post(
    '/v1/governance/retention/policies/:policyId/lock',
    {
      schema: {
        operationId: 'LockRetentionPolicy',
        summary: 'Lock Retention Policy',
        tags,
        description:
          'Preservation lock: from now on the policy can only be extended (a longer period, more spaces), never ' +
          'disabled, shortened or deleted, by anyone.',
        params: PolicyIdParam,
        response: { 200: Policy, ...errorResponses },
      },
    },
    async request => lockPolicy(ctx, request.caller, request.params.policyId)
  )

  app.get(
    '/v1/governance/spaces/:roomId/retention',
    {
      schema: {
        operationId: 'GetManualRetention',
        summary: 'Get Manual Retention',
        tags,
        description: "A space's own retention, if it has one.",
        params: RoomIdParam,
        response: { 200: Override, ...errorResponses },
      },
    },
    async request => getOverride(ctx, request.caller, request.params.roomId)
  )
  app.put(
    '/v1/governance/spaces/:roomId/retention',
    {
      schema: {
        operationId: 'SetManualRetention',
        summary: 'Set Manual Retention',
        tags,
        description: "A space's own retention, beating every policy: keep indefinitely, or a period in days.",
        params: RoomIdParam,
        body: OverrideBody,
        response: { 200: Override, ...errorResponses },
      },
    },
    async request => setOverride(ctx, request.caller, request.params.roomId, request.body)
  )
  app.delete(
    '/v1/governance/spaces/:roomId/retention',
    {
      schema: {
        operationId: 'ClearManualRetention',
        summary: 'Clear Manual Retention',
        tags,
        description: 'Let the policies decide for this space again (409 when it is locked).',
        params: RoomIdParam,
        response: done,
      },
    },
    async (request, reply) => {
      await deleteOverride(ctx, request.caller, request.params.roomId)
      return reply.code(204).send(null)
    }
  )
  app.post(
    '/v1/governance/spaces/:roomId/retention/lock',
    {
      schema: {
        operationId: 'LockManualRetention',
        summary: 'Lock Manual Retention',
        tags,
        description: "Preservation lock on a space's own retention: from now on only a longer period or keep.",
        params: RoomIdParam,
        response: { 200: Override, ...errorResponses },
      },
    },
    async request => lockOverride(ctx, request.caller, request.params.roomId)
  )

  app.post(
    '/v1/governance/retention/plan',
    {
      schema: {
        operationId: 'PlanRetention',
        summary: 'Plan Retention',
        tags,
        description:
          'Dry run: which spaces and how many messages retention would erase now, and why, and which a legal hold ' +
          'keeps. Changes nothing.',
        body: PlanBody,
        response: { 200: Plan, ...errorResponses },
      },
    },
    async request => actions.plan(request.caller, request.body.roomId)
  )
  app.post(
    '/v1/governance/retention/execute',
    {
      schema: {
        operationId: 'ExecuteRetention',
        summary: 'Execute Retention',
        tags,
        description: 'Erase what the plan shows now, firing the documented events and auditing every deletion.',
        body: PlanBody,
        response: { 200: ExecuteResult, ...errorResponses },
      },
    },
    async request => actions.execute(request.caller.orgId, request.caller.personId, request.body.roomId)
  )
}
