import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Cursor, errorResponses, ListOf, Max, meta } from '../../schemas/common.js'
import { Hold, HoldBody, ReasonQuery } from '../../schemas/governance.js'
import { LIMITS, pageReply, pageSize } from '../../http/pagination.js'
import { createHold, getHold, listHolds, releaseHold } from '../../governance/holds.js'
import { HoldIdParam, tags, type GovernanceDeps } from './params.js'

/** Legal holds: placed on a space, a person or a tag; released, never deleted. */
export const holdRoutes: FastifyPluginAsyncTypebox<GovernanceDeps> = async (app, { ctx }) => {
  app.get(
    '/v1/governance/holds',
    {
      schema: {
        operationId: 'ListLegalHolds',
        summary: 'List Legal Holds',
        tags,
        description: "The organisation's legal holds, oldest first; active ones only with active=true.",
        querystring: Type.Object({
          active: Type.Optional(
            Type.Boolean(
              meta({ summary: 'Active', description: 'true: in force; false: released.', visibility: 'advanced' })
            )
          ),
          max: Max('Maximum number of holds to return.'),
          cursor: Cursor,
        }),
        response: { 200: ListOf(Hold, 'items'), ...errorResponses },
      },
    },
    async (request, reply) =>
      pageReply(
        request,
        reply,
        await listHolds(ctx, request.caller, { ...request.query, max: pageSize(request.query.max, LIMITS.webhooks) })
      )
  )
  app.post(
    '/v1/governance/holds',
    {
      schema: {
        operationId: 'PlaceLegalHold',
        summary: 'Place Legal Hold',
        tags,
        description:
          'Keep the content of a space, of every space a person is or was in, or of every space with a tag: a hold ' +
          'beats every retention policy and manual retention until it is released.',
        body: HoldBody,
        response: { 200: Hold, ...errorResponses },
      },
    },
    async request => createHold(ctx, request.caller, request.body)
  )
  app.get(
    '/v1/governance/holds/:holdId',
    {
      schema: {
        operationId: 'GetLegalHold',
        summary: 'Get Legal Hold',
        tags,
        description: 'One legal hold, active or released.',
        params: HoldIdParam,
        response: { 200: Hold, ...errorResponses },
      },
    },
    async request => getHold(ctx, request.caller, request.params.holdId)
  )
  app.post(
    '/v1/governance/holds/:holdId/release',
    {
      schema: {
        operationId: 'ReleaseLegalHold',
        summary: 'Release Legal Hold',
        tags,
        description: 'End a legal hold; it stays on record as released.',
        params: HoldIdParam,
        querystring: ReasonQuery,
        response: { 200: Hold, ...errorResponses },
      },
    },
    async request => releaseHold(ctx, request.caller, request.params.holdId, request.query.reason)
  )
}
