import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import {
  CreateMembershipBody,
  ListMembershipsQuery,
  Membership,
  MEMBERSHIP_ECHO,
  UpdateMembershipBody,
} from '../schemas/membership.js'
import { acceptEcho } from '../http/echo.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import type { RouteDeps } from './deps.js'

const MembershipIdParam = IdParam('membershipId', {
  summary: 'Membership',
  description: 'The membership id.',
  visibility: 'important',
})
const tags = ['Memberships']

export const membershipRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.get(
    '/v1/memberships',
    {
      schema: {
        operationId: 'ListMemberships',
        summary: 'List Memberships',
        tags,
        description: "List the members of a space, or the caller's own memberships when no space is given.",
        querystring: ListMembershipsQuery,
        response: { 200: ListOf(Membership, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        await backend.listMemberships(request.caller, {
          ...request.query,
          max: pageSize(request.query.max, LIMITS.memberships),
        })
      )
    }
  )

  app.post(
    '/v1/memberships',
    {
      schema: {
        operationId: 'AddMemberToSpace',
        summary: 'Add Member to Space',
        tags,
        description: 'Add a member to an existing space, by person id or email address.',
        body: CreateMembershipBody,
        response: { 200: Membership, ...errorResponses },
      },
    },
    async request => backend.createMembership(request.caller, request.body)
  )

  app.get(
    '/v1/memberships/:membershipId',
    {
      schema: {
        operationId: 'GetMembership',
        summary: 'Get Membership Details',
        tags,
        description: 'Return details of a membership.',
        params: MembershipIdParam,
        response: { 200: Membership, ...errorResponses },
      },
    },
    async request => backend.getMembership(request.caller, request.params.membershipId)
  )

  app.put(
    '/v1/memberships/:membershipId',
    {
      schema: {
        operationId: 'UpdateMembership',
        summary: 'Update Membership',
        tags,
        description: 'Make a member a moderator or not, or hide the space from your own list.',
        params: MembershipIdParam,
        body: UpdateMembershipBody,
        response: { 200: Membership, ...errorResponses },
      },
      preValidation: acceptEcho(MEMBERSHIP_ECHO),
    },
    async request => backend.updateMembership(request.caller, request.params.membershipId, request.body)
  )

  app.delete(
    '/v1/memberships/:membershipId',
    {
      schema: {
        operationId: 'DeleteMembership',
        summary: 'Remove Member from Space',
        tags,
        description: 'Remove a member from a space, or leave it by deleting your own membership.',
        params: MembershipIdParam,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await backend.deleteMembership(request.caller, request.params.membershipId)
      return reply.code(204).send(null)
    }
  )
}
