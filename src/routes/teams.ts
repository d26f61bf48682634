import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import { CreateTeamBody, ListTeamsQuery, Team, TEAM_ECHO, UpdateTeamBody } from '../schemas/team.js'
import { acceptEcho } from '../http/echo.js'
import {
  CreateTeamMembershipBody,
  ListTeamMembershipsQuery,
  TEAM_MEMBERSHIP_ECHO,
  TeamMembership,
  UpdateTeamMembershipBody,
} from '../schemas/membership.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import type { RouteDeps } from './deps.js'

const TeamMembershipIdParam = IdParam('membershipId', {
  summary: 'Team membership',
  description: 'The team membership id.',
  visibility: 'important',
})
const TeamIdParam = IdParam('teamId', { summary: 'Team', description: 'Select a team', visibility: 'important' })
const tags = ['Teams']

export const teamRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.get(
    '/v1/teams',
    {
      schema: {
        operationId: 'ListTeams',
        summary: 'List Teams',
        tags,
        description: 'List the teams the caller belongs to.',
        querystring: ListTeamsQuery,
        response: { 200: ListOf(Team, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        await backend.listTeams(request.caller, { ...request.query, max: pageSize(request.query.max, LIMITS.teams) })
      )
    }
  )

  app.post(
    '/v1/teams',
    {
      schema: {
        operationId: 'CreateTeam',
        summary: 'Create Team',
        tags,
        description: 'Create a team with its general space; the creator becomes its moderator.',
        body: CreateTeamBody,
        response: { 200: Team, ...errorResponses },
      },
    },
    async request => backend.createTeam(request.caller, request.body)
  )

  app.get(
    '/v1/teams/:teamId',
    {
      schema: {
        operationId: 'GetTeamDetails',
        summary: 'Get Team Details',
        tags,
        description: 'Return details of a team you belong to.',
        params: TeamIdParam,
        response: { 200: Team, ...errorResponses },
      },
    },
    async request => backend.getTeam(request.caller, request.params.teamId)
  )

  app.put(
    '/v1/teams/:teamId',
    {
      schema: {
        operationId: 'UpdateTeam',
        summary: 'Update Team',
        tags,
        description: 'Rename a team or change its description (team moderators).',
        params: TeamIdParam,
        body: UpdateTeamBody,
        response: { 200: Team, ...errorResponses },
      },
      preValidation: acceptEcho(TEAM_ECHO),
    },
    async request => backend.updateTeam(request.caller, request.params.teamId, request.body)
  )

  app.delete(
    '/v1/teams/:teamId',
    {
      schema: {
        operationId: 'DeleteTeam',
        summary: 'Delete Team',
        tags,
        description: "Delete a team with its General space; the team's other spaces stay, outside any team.",
        params: TeamIdParam,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await backend.deleteTeam(request.caller, request.params.teamId)
      return reply.code(204).send(null)
    }
  )

  app.get(
    '/v1/team/memberships',
    {
      schema: {
        operationId: 'ListTeamMemberships',
        summary: 'List Team Memberships',
        tags,
        description: 'List the members of a team.',
        querystring: ListTeamMembershipsQuery,
        response: { 200: ListOf(TeamMembership, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        await backend.listTeamMemberships(request.caller, {
          ...request.query,
          max: pageSize(request.query.max, LIMITS.memberships),
        })
      )
    }
  )

  app.post(
    '/v1/team/memberships',
    {
      schema: {
        operationId: 'AddMemberToTeam',
        summary: 'Add Member to Team',
        tags,
        description: 'Add a member to a team, by person id or email address; they join its general space.',
        body: CreateTeamMembershipBody,
        response: { 200: TeamMembership, ...errorResponses },
      },
    },
    async request => backend.createTeamMembership(request.caller, request.body)
  )

  app.get(
    '/v1/team/memberships/:membershipId',
    {
      schema: {
        operationId: 'GetTeamMembership',
        summary: 'Get Team Membership Details',
        tags,
        description: 'Return details of a team membership.',
        params: TeamMembershipIdParam,
        response: { 200: TeamMembership, ...errorResponses },
      },
    },
    async request => backend.getTeamMembership(request.caller, request.params.membershipId)
  )

  app.put(
    '/v1/team/memberships/:membershipId',
    {
      schema: {
        operationId: 'UpdateTeamMembership',
        summary: 'Update Team Membership',
        tags,
        description: 'Make a team member a moderator or not.',
        params: TeamMembershipIdParam,
        body: UpdateTeamMembershipBody,
        response: { 200: TeamMembership, ...errorResponses },
      },
      preValidation: acceptEcho(TEAM_MEMBERSHIP_ECHO),
    },
    async request => backend.updateTeamMembership(request.caller, request.params.membershipId, request.body)
  )

  app.delete(
    '/v1/team/memberships/:membershipId',
    {
      schema: {
        operationId: 'DeleteTeamMembership',
        summary: 'Remove Member from Team',
        tags,
        description: 'Remove a member from a team, or leave it.',
        params: TeamMembershipIdParam,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await backend.deleteTeamMembership(request.caller, request.params.membershipId)
      return reply.code(204).send(null)
    }
  )
}
