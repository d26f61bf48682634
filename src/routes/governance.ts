import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import { Membership } from '../schemas/membership.js'
import {
  AuditQuery,
  AuditRecord,
  Classification,
  ClassificationBody,
  GovernanceMemberBody,
  GovernedSpace,
  Group,
  GroupBody,
  Override,
  OverrideBody,
  Plan,
  PlanBody,
  Policy,
  PolicyBody,
  SearchQuery,
  Tag,
  TagBody,
} from '../schemas/governance.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import type { Ctx } from '../backends/embedded/context.js'
import { assertOfficer, orgRoom } from '../governance/access.js'
import { searchSpaces } from '../governance/search.js'
import { createTag, deleteTag, listTags, renameTag, tagSpace, validTagId } from '../governance/tags.js'
import {
  addUser,
  classifications,
  deleteSpace,
  removeUser,
  setBlocked,
  setClassification,
} from '../governance/spaces.js'
import { createGroup, listGroups, setGroupMember } from '../governance/groups.js'
import {
  createPolicy,
  deleteOverride,
  deletePolicy,
  execute,
  listAudit,
  listPolicies,
  plan,
  setOverride,
  updatePolicy,
} from '../governance/retention.js'

const tags = ['Governance']
const RoomIdParam = IdParam('roomId', { summary: 'Space', description: 'Select a space', visibility: 'important' })
const TagIdParam = IdParam('tagId', { summary: 'Tag', description: 'The tag id.', visibility: 'important' })
const PolicyIdParam = IdParam('policyId', {
  summary: 'Policy',
  description: 'The retention policy id.',
  visibility: 'important',
})
const GroupIdParam = IdParam('groupId', {
  summary: 'Group',
  description: 'The directory group id.',
  visibility: 'important',
})
const done = { 204: Type.Null({ description: 'Done.' }), ...errorResponses }

/** Governance actions: for compliance officers of the organisation; everyone else gets 403. */
/** `inventory`: the spaces are a synced copy of Webex's (Webex backend), so only what is kept here is offered. */
export const governanceRoutes: FastifyPluginAsyncTypebox<{ ctx: Ctx; inventory?: boolean }> = async (
  app,
  { ctx, inventory = false }
) => {
  app.addHook('preHandler', async request => {
    if (!request.routeOptions.url?.startsWith('/v1/classifications')) assertOfficer(request.caller)
  })

  app.get(
    '/v1/classifications',
    {
      schema: {
        operationId: 'ListClassifications',
        summary: 'List Space Classifications',
        tags,
        description: "The organisation's five space classification levels.",
        response: { 200: ListOf(Classification, 'items'), ...errorResponses },
      },
    },
    async request => ({ items: classifications(ctx, request.caller.orgId) })
  )

  app.get(
    '/v1/governance/spaces',
    {
      schema: {
        operationId: 'SearchSpaces',
        summary: 'Search Spaces',
        tags,
        description:
          'Every space of the organisation matching all given conditions, with member counts, external domains, tags ' +
            'and classification.',
        querystring: SearchQuery,
        response: { 200: ListOf(GovernedSpace, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        searchSpaces(ctx, request.caller, { ...request.query, max: pageSize(request.query.max, LIMITS.rooms) })
      )
    }
  )

  app.get(
    '/v1/governance/tags',
    {
      schema: {
        operationId: 'ListTags',
        summary: 'List Tags',
        tags,
        description: "The organisation's space tags.",
        response: { 200: ListOf(Tag, 'items'), ...errorResponses },
      },
    },
    async request => ({ items: listTags(ctx, request.caller) })
  )
  app.post(
    '/v1/governance/tags',
    {
      schema: {
        operationId: 'CreateTag',
        summary: 'Create Tag',
        tags,
        description: 'Create a tag such as Finance or PII; names are unique, ignoring case.',
        body: TagBody,
        response: { 200: Tag, ...errorResponses },
      },
    },
    async request => createTag(ctx, request.caller, request.body.name)
  )
  app.put(
    '/v1/governance/tags/:tagId',
    {
      schema: {
        operationId: 'RenameTag',
        summary: 'Rename Tag',
        tags,
        description: 'Rename a tag; its spaces keep it.',
        params: TagIdParam,
        body: TagBody,
        response: { 200: Tag, ...errorResponses },
      },
    },
    async request => renameTag(ctx, request.caller, validTagId(request.params.tagId), request.body.name)
  )
  app.delete(
    '/v1/governance/tags/:tagId',
    {
      schema: {
        operationId: 'DeleteTag',
        summary: 'Delete Tag',
        tags,
        description: 'Delete a tag and remove it from every space.',
        params: TagIdParam,
        response: done,
      },
    },
    async (request, reply) => {
      deleteTag(ctx, request.caller, validTagId(request.params.tagId))
      return reply.code(204).send(null)
    }
  )
  app.put(
    '/v1/governance/spaces/:roomId/tags/:tagId',
    {
      schema: {
        operationId: 'TagSpace',
        summary: 'Tag a Space',
        tags,
        description: 'Add a tag to a space.',
        params: Type.Object({ ...RoomIdParam.properties, ...TagIdParam.properties }),
        response: done,
      },
    },
    async (request, reply) => {
      tagSpace(ctx, request.caller, request.params.roomId, validTagId(request.params.tagId), true)
      return reply.code(204).send(null)
    }
  )
  app.delete(
    '/v1/governance/spaces/:roomId/tags/:tagId',
    {
      schema: {
        operationId: 'UntagSpace',
        summary: 'Untag a Space',
        tags,
        description: 'Remove a tag from a space.',
        params: Type.Object({ ...RoomIdParam.properties, ...TagIdParam.properties }),
        response: done,
      },
    },
    async (request, reply) => {
      tagSpace(ctx, request.caller, request.params.roomId, validTagId(request.params.tagId), false)
      return reply.code(204).send(null)
    }
  )

  // These act on a space's members, state or content: with the Webex backend they would have to act through
  // Webex, which is not built yet, so they are not offered there (see README, Backends).
  if (!inventory) {
    app.post(
      '/v1/governance/spaces/:roomId/members',
      {
        schema: {
          operationId: 'AddUserToAnySpace',
          summary: 'Add User to Any Space',
          tags,
          description:
            'Add someone to a space of the organisation without being a member of it (not to a blocked space).',
          params: RoomIdParam,
          body: GovernanceMemberBody,
          response: { 200: Membership, ...errorResponses },
        },
      },
      async request => addUser(ctx, request.caller, request.params.roomId, request.body)
    )
    app.delete(
      '/v1/governance/spaces/:roomId/members/:personId',
      {
        schema: {
          operationId: 'RemoveUserFromAnySpace',
          summary: 'Remove User from Any Space',
          tags,
          description: 'Remove someone from a space of the organisation without being a member of it.',
          params: Type.Object({
            ...RoomIdParam.properties,
            ...IdParam('personId', {
              summary: 'Person ID',
              description: 'The person to remove.',
              visibility: 'important',
            }).properties,
          }),
          response: done,
        },
      },
      async (request, reply) => {
        removeUser(ctx, request.caller, request.params.roomId, request.params.personId)
        return reply.code(204).send(null)
      }
    )
    app.post(
      '/v1/governance/spaces/:roomId/block',
      {
        schema: {
          operationId: 'BlockSpace',
          summary: 'Block Space',
          tags,
          description: 'Stop new messages and members; existing content stays readable.',
          params: RoomIdParam,
          response: { 200: GovernedSpace, ...errorResponses },
        },
      },
      async request => setBlocked(ctx, request.caller, request.params.roomId, true)
    )
    app.post(
      '/v1/governance/spaces/:roomId/unblock',
      {
        schema: {
          operationId: 'UnblockSpace',
          summary: 'Unblock Space',
          tags,
          description: 'Let a blocked space take messages and members again.',
          params: RoomIdParam,
          response: { 200: GovernedSpace, ...errorResponses },
        },
      },
      async request => setBlocked(ctx, request.caller, request.params.roomId, false)
    )
    app.delete(
      '/v1/governance/spaces/:roomId',
      {
        schema: {
          operationId: 'DeleteSpaceWithContent',
          summary: 'Delete Space with All Content',
          tags,
          description: 'Delete a space of the organisation with its messages and memberships.',
          params: RoomIdParam,
          response: done,
        },
      },
      async (request, reply) => {
        deleteSpace(ctx, request.caller, request.params.roomId)
        return reply.code(204).send(null)
      }
    )
    app.put(
      '/v1/governance/spaces/:roomId/classification',
      {
        schema: {
          operationId: 'ClassifySpace',
          summary: 'Set Space Classification',
          tags,
          description: "Give a space one of the organisation's classification levels.",
          params: RoomIdParam,
          body: ClassificationBody,
          response: { 200: GovernedSpace, ...errorResponses },
        },
      },
      async request => setClassification(ctx, request.caller, request.params.roomId, request.body.classificationId)
    )
  }

  app.get(
    '/v1/governance/groups',
    {
      schema: {
        operationId: 'ListGroups',
        summary: 'List Directory Groups',
        tags,
        description: "The organisation's directory groups with their members.",
        response: { 200: ListOf(Group, 'items'), ...errorResponses },
      },
    },
    async request => ({ items: listGroups(ctx, request.caller) })
  )
  app.post(
    '/v1/governance/groups',
    {
      schema: {
        operationId: 'CreateGroup',
        summary: 'Create Directory Group',
        tags,
        description: 'Create a directory group from email addresses.',
        body: GroupBody,
        response: { 200: Group, ...errorResponses },
      },
    },
    async request => createGroup(ctx, request.caller, request.body)
  )
  const GroupMember = Type.Object({
    personEmail: Type.String({
      pattern: '^[^@\\s]+@[^@\\s]+$',
      'x-ms-summary': 'Email',
      description: "The member's email.",
    }),
  })
  app.post(
    '/v1/governance/groups/:groupId/members',
    {
      schema: {
        operationId: 'AddGroupMember',
        summary: 'Add Group Member',
        tags,
        description: 'Add a person to a directory group.',
        params: GroupIdParam,
        body: GroupMember,
        response: { 200: Group, ...errorResponses },
      },
    },
    async request => setGroupMember(ctx, request.caller, request.params.groupId, request.body.personEmail, true)
  )
  app.post(
    '/v1/governance/groups/:groupId/members/remove',
    {
      schema: {
        operationId: 'RemoveGroupMember',
        summary: 'Remove Group Member',
        tags,
        description: 'Remove a person from a directory group.',
        params: GroupIdParam,
        body: GroupMember,
        response: { 200: Group, ...errorResponses },
      },
    },
    async request => setGroupMember(ctx, request.caller, request.params.groupId, request.body.personEmail, false)
  )

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
    async request => ({ items: listPolicies(ctx, request.caller) })
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
        description: "Replace a retention policy's settings.",
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
        description: 'Delete a retention policy.',
        params: PolicyIdParam,
        response: done,
      },
    },
    async (request, reply) => {
      deletePolicy(ctx, request.caller, request.params.policyId)
      return reply.code(204).send(null)
    }
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
        description: 'Let the policies decide for this space again.',
        params: RoomIdParam,
        response: done,
      },
    },
    async (request, reply) => {
      deleteOverride(ctx, request.caller, request.params.roomId)
      return reply.code(204).send(null)
    }
  )
  // Planning and erasing need the messages, which the Webex inventory does not hold.
  if (!inventory) {
    app.post(
      '/v1/governance/retention/plan',
      {
        schema: {
          operationId: 'PlanRetention',
          summary: 'Plan Retention',
          tags,
          description:
            'Dry run: which spaces and how many messages retention would erase now, and why. Changes nothing.',
          body: PlanBody,
          response: { 200: Plan, ...errorResponses },
        },
      },
      async request => plan(ctx, request.caller, request.body.roomId)
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
          response: {
            200: Type.Object({
              spaces: Type.Integer({ 'x-ms-summary': 'Spaces', description: 'Spaces acted on.' }),
              messages: Type.Integer({ 'x-ms-summary': 'Messages', description: 'Messages erased.' }),
              spacesDeleted: Type.Integer({ 'x-ms-summary': 'Spaces deleted', description: 'Spaces deleted.' }),
            }),
            ...errorResponses,
          },
        },
      },
      async request =>
        execute(
          ctx,
          request.caller.orgId,
          request.caller.personId,
          request.body.roomId !== undefined ? orgRoom(ctx, request.caller, request.body.roomId).id : undefined
        )
    )
  }

  app.get(
    '/v1/governance/audit',
    {
      schema: {
        operationId: 'ListAudit',
        summary: 'List Audit Records',
        tags,
        description: 'Governance and retention actions, oldest first, filtered by space, policy and time.',
        querystring: AuditQuery,
        response: { 200: ListOf(AuditRecord, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        listAudit(ctx, request.caller, { ...request.query, max: pageSize(request.query.max, LIMITS.webhooks) })
      )
    }
  )
}
