import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, ListOf, meta } from '../../schemas/common.js'
import { Disposition, DispositionSettings, ExtendBody, ReasonQuery } from '../../schemas/governance.js'
import { RoomIdParam, tags, type GovernanceDeps } from './params.js'

/** Disposition notices: what falls due soon, sending the notices, and per-space extensions and exclusions. */
export const dispositionRoutes: FastifyPluginAsyncTypebox<GovernanceDeps> = async (app, { dispositions }) => {
  app.get(
    '/v1/governance/dispositions',
    {
      schema: {
        operationId: 'ListDispositions',
        summary: 'List Upcoming Dispositions',
        tags,
        description: 'Spaces (or their messages) falling due for deletion within a number of days, soonest first.',
        querystring: Type.Object({
          withinDays: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 3650,
              default: 30,
              ...meta({ summary: 'Within days', description: 'How far ahead to look.', visibility: 'important' }),
            })
          ),
          roomId: Type.Optional(
            Type.String({
              minLength: 1,
              ...meta({ summary: 'Space', description: 'Only this space.', visibility: 'advanced' }),
            })
          ),
        }),
        response: { 200: ListOf(Disposition, 'items'), ...errorResponses },
      },
    },
    async request => ({
      items: await dispositions.list(request.caller, request.query.withinDays ?? 30, request.query.roomId),
    })
  )
  app.post(
    '/v1/governance/dispositions/notify',
    {
      schema: {
        operationId: 'SendDispositionNotices',
        summary: 'Send Disposition Notices',
        tags,
        description:
          'Send the notices due now (the daily retention run does this too): each once per space, policy, tier and ' +
          'due date.',
        response: {
          200: Type.Object({
            notices: Type.Integer(meta({ summary: 'Notices', description: 'Spaces told.' })),
            recipients: Type.Integer(meta({ summary: 'Recipients', description: 'Messages sent.' })),
          }),
          ...errorResponses,
        },
      },
    },
    async request => dispositions.notify(request.caller.orgId)
  )
  app.get(
    '/v1/governance/spaces/:roomId/disposition',
    {
      schema: {
        operationId: 'GetDispositionSettings',
        summary: 'Get Disposition Settings',
        tags,
        description: "A space's deadline extension and whether it is excluded from notices.",
        params: RoomIdParam,
        response: { 200: DispositionSettings, ...errorResponses },
      },
    },
    async request => dispositions.settings(request.caller, request.params.roomId)
  )
  app.post(
    '/v1/governance/spaces/:roomId/disposition/extend',
    {
      schema: {
        operationId: 'ExtendDisposition',
        summary: 'Extend Disposition',
        tags,
        description: "Push the space's deletion deadline back: the days are added to every policy period for it.",
        params: RoomIdParam,
        body: ExtendBody,
        response: { 200: DispositionSettings, ...errorResponses },
      },
    },
    async request =>
      dispositions.extend(request.caller, request.params.roomId, request.body.days, request.body.reason)
  )
  for (const [path, operationId, summary, description, excluded] of [
    ['exclude', 'ExcludeFromNotices', 'Exclude Space from Notices', 'No disposition notices for this space.', true],
    ['include', 'IncludeInNotices', 'Include Space in Notices', 'Disposition notices for this space again.', false],
  ] as const) {
    app.post(
      `/v1/governance/spaces/:roomId/disposition/${path}`,
      {
        schema: {
          operationId,
          summary,
          tags,
          description,
          params: RoomIdParam,
          querystring: ReasonQuery,
          response: { 200: DispositionSettings, ...errorResponses },
        },
      },
      async request => dispositions.exclude(request.caller, request.params.roomId, excluded, request.query.reason)
    )
  }
}
