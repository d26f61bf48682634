import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../../schemas/common.js'
import { Membership } from '../../schemas/membership.js'
import {
  Classification,
  ClassificationBody,
  GovernanceMemberBody,
  GovernedSpace,
  Group,
  GroupBody,
  SearchQuery,
  Tag,
  TagBody,
} from '../../schemas/governance.js'
import { LIMITS, pageReply, pageSize } from '../../http/pagination.js'
import { searchSpaces } from '../../governance/search.js'
import { createTag, deleteTag, listTags, renameTag, tagSpace, validTagId } from '../../governance/tags.js'
import { createGroup, listGroups, setGroupMember } from '../../governance/groups.js'
import { done, GroupIdParam, RoomIdParam, TagIdParam, tags, type GovernanceDeps } from './params.js'

/** Search, tags, directory groups, and acting on a space's members, state and content. */
export const spaceRoutes: FastifyPluginAsyncTypebox<GovernanceDeps> = async (app, { ctx, actions }) => {
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
    async request => ({ items: await actions.classifications(request.caller) })
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
    async (request, reply) =>
      pageReply(
        request,
        reply,
        await searchSpaces(ctx, request.caller, { ...request.query, max: pageSize(request.query.max, LIMITS.rooms) })
      )
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
    async request => ({ items: await listTags(ctx, request.caller) })
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
      await deleteTag(ctx, request.caller, validTagId(request.params.tagId))
      return reply.code(204).send(null)
    }
  )
  for (const [method, operationId, summary, description, on] of [
    ['PUT', 'TagSpace', 'Tag a Space', 'Add a tag to a space.', true],
    ['DELETE', 'UntagSpace', 'Untag a Space', 'Remove a tag from a space.', false],
  ] as const) {
    app.route({
      method,
      url: '/v1/governance/spaces/:roomId/tags/:tagId',
      schema: {
        operationId,
        summary,
        tags,
        description,
        params: Type.Object({ ...RoomIdParam.properties, ...TagIdParam.properties }),
        response: done,
      },
      handler: async (request, reply) => {
        await tagSpace(ctx, request.caller, request.params.roomId, validTagId(request.params.tagId), on)
        return reply.code(204).send(null)
      },
    })
  }

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
    async request => actions.addUser(request.caller, request.params.roomId, request.body)
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
      await actions.removeUser(request.caller, request.params.roomId, request.params.personId)
      return reply.code(204).send(null)
    }
  )
  for (const [path, operationId, summary, description, blocked] of [
    ['block', 'BlockSpace', 'Block Space', 'Stop new messages and members; existing content stays readable.', true],
    ['unblock', 'UnblockSpace', 'Unblock Space', 'Let a blocked space take messages and members again.', false],
  ] as const) {
    app.post(
      `/v1/governance/spaces/:roomId/${path}`,
      {
        schema: {
          operationId,
          summary,
          tags,
          description,
          params: RoomIdParam,
          response: { 200: GovernedSpace, ...errorResponses },
        },
      },
      async request => actions.setBlocked(request.caller, request.params.roomId, blocked)
    )
  }
  app.delete(
    '/v1/governance/spaces/:roomId',
    {
      schema: {
        operationId: 'DeleteSpaceWithContent',
        summary: 'Delete Space with All Content',
        tags,
        description:
          'Delete a space of the organisation with its messages and memberships (409 while a legal hold keeps it).',
        params: RoomIdParam,
        response: done,
      },
    },
    async (request, reply) => {
      await actions.deleteSpace(request.caller, request.params.roomId)
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
    async request => actions.classify(request.caller, request.params.roomId, request.body.classificationId)
  )

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
    async request => ({ items: await listGroups(ctx, request.caller) })
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
  for (const [path, operationId, summary, description, add] of [
    ['members', 'AddGroupMember', 'Add Group Member', 'Add a person to a directory group.', true],
    ['members/remove', 'RemoveGroupMember', 'Remove Group Member', 'Remove a person from a directory group.', false],
  ] as const) {
    app.post(
      `/v1/governance/groups/:groupId/${path}`,
      {
        schema: {
          operationId,
          summary,
          tags,
          description,
          params: GroupIdParam,
          body: GroupMember,
          response: { 200: Group, ...errorResponses },
        },
      },
      async request => setGroupMember(ctx, request.caller, request.params.groupId, request.body.personEmail, add)
    )
  }
}
