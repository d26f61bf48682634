import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParam } from '../schemas/common.js'
import { ListPeopleQuery, PeopleList, Person } from '../schemas/person.js'
import { LIMITS, linkNext, pageSize } from '../http/pagination.js'
import type { RouteDeps } from './deps.js'

const tags = ['People']

export const peopleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.get(
    '/v1/people',
    {
      schema: {
        operationId: 'GetPeople',
        summary: 'Get People',
        tags,
        description: 'Lookup details and presence information for people in your organization.',
        querystring: ListPeopleQuery,
        response: { 200: PeopleList, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { cursor, ...list } = await backend.listPeople(request.caller, {
        ...request.query,
        max: pageSize(request.query.max, LIMITS.people),
      })
      linkNext(request, reply, cursor)
      return list
    }
  )

  app.get(
    '/v1/people/me',
    {
      schema: {
        operationId: 'GetMyOwnDetails',
        summary: 'Get My Own Details',
        tags,
        description: 'Lookup your own details.',
        response: { 200: Person, ...errorResponses },
      },
    },
    async request => backend.getMe(request.caller)
  )

  app.get(
    '/v1/people/:personId',
    {
      schema: {
        operationId: 'GetPersonDetails',
        summary: 'Get Person Details',
        tags,
        description: 'Lookup one person by id.',
        params: IdParam('personId', { summary: 'Person ID', description: 'The person id.', visibility: 'important' }),
        response: { 200: Person, ...errorResponses },
      },
    },
    async request => backend.getPerson(request.caller, request.params.personId)
  )
}
