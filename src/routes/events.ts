import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import { Event, ListEventsQuery } from '../schemas/event.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import type { RouteDeps } from './deps.js'

const tags = ['Events']

/** Webex's Events API: the organisation's activity, for compliance officers. */
export const eventRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.get(
    '/v1/events',
    {
      schema: {
        operationId: 'ListEvents',
        summary: 'List Events',
        tags,
        description:
          "Compliance officers: the organisation's events of the last 90 days (messages and memberships created, " +
          'updated and deleted; spaces updated), newest first, filtered by resource, type, actor and time.',
        querystring: ListEventsQuery,
        response: { 200: ListOf(Event, 'items'), ...errorResponses },
      },
    },
    async (request, reply) =>
      pageReply(
        request,
        reply,
        await backend.listEvents(request.caller, {
          ...request.query,
          max: pageSize(request.query.max, LIMITS.events),
        })
      )
  )
  app.get(
    '/v1/events/:eventId',
    {
      schema: {
        operationId: 'GetEventDetails',
        summary: 'Get Event Details',
        tags,
        description: 'One event, by id.',
        params: IdParam('eventId', { summary: 'Event ID', description: 'The event id.', visibility: 'important' }),
        response: { 200: Event, ...errorResponses },
      },
    },
    async request => backend.getEvent(request.caller, request.params.eventId)
  )
}
