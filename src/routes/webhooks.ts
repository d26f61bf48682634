import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf, meta } from '../schemas/common.js'
import {
  CreateWebhookBody,
  DeadLetter,
  ListWebhooksQuery,
  SubscribeBody,
  UpdateWebhookBody,
  Webhook,
  WEBHOOK_ECHO,
} from '../schemas/webhook.js'
import { acceptEcho } from '../http/echo.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import { absoluteUrl } from '../http/base-url.js'
import { TRIGGERS } from '../triggers/catalog.js'
import { filterValue } from '../triggers/filters.js'
import { assertOfficer } from '../governance/access.js'
import type { TriggerRegistry } from '../triggers/registry.js'

const WebhookIdParam = IdParam('webhookId', {
  summary: 'Webhook',
  description: 'The webhook id.',
  visibility: 'important',
})
const tags = ['Webhooks']

export interface WebhookDeps {
  registry: TriggerRegistry
  /** Runs before a subscription is made (the Webex backend registers its relay there). */
  beforeSubscribe?: (request: FastifyRequest) => Promise<void>
}

/** The Webex way in: /v1/webhooks, for scripts. */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookDeps> = async (app, { registry, beforeSubscribe }) => {
  app.get(
    '/v1/webhooks',
    {
      schema: {
        operationId: 'ListWebhooks',
        summary: 'List Webhooks',
        tags,
        description: 'List the webhooks the caller created.',
        querystring: ListWebhooksQuery,
        response: { 200: ListOf(Webhook, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        await registry.list(request.caller, {
          max: pageSize(request.query.max, LIMITS.webhooks),
          ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
        })
      )
    }
  )

  app.post(
    '/v1/webhooks',
    {
      schema: {
        operationId: 'CreateWebhook',
        summary: 'Create Webhook',
        tags,
        description: 'Have events of a resource POSTed to a URL, optionally filtered and signed.',
        body: CreateWebhookBody,
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async request => {
      await beforeSubscribe?.(request)
      return registry.create(request.caller, request.body)
    }
  )

  app.get(
    '/v1/webhooks/:webhookId',
    {
      schema: {
        operationId: 'GetWebhook',
        summary: 'Get Webhook Details',
        tags,
        description: 'Return details of a webhook, including whether it is active.',
        params: WebhookIdParam,
        response: { 200: Webhook, ...errorResponses },
      },
    },
    async request => registry.get(request.caller, request.params.webhookId)
  )

  app.put(
    '/v1/webhooks/:webhookId',
    {
      schema: {
        operationId: 'UpdateWebhook',
        summary: 'Update Webhook',
        tags,
        description: 'Change the name, target URL or secret of a webhook, or set an inactive webhook active again.',
        params: WebhookIdParam,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...errorResponses },
      },
      preValidation: acceptEcho(WEBHOOK_ECHO),
    },
    async request => registry.update(request.caller, request.params.webhookId, request.body)
  )

  app.delete(
    '/v1/webhooks/:webhookId',
    {
      schema: {
        operationId: 'DeleteWebhook',
        summary: 'Delete Webhook',
        tags,
        description:
          'Stop a webhook: no further deliveries are made. Trigger subscriptions are removed through this operation.',
        params: WebhookIdParam,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await registry.delete(request.caller, request.params.webhookId)
      return reply.code(204).send(null)
    }
  )

  app.get(
    '/v1/webhooks/:webhookId/deadLetters',
    {
      schema: {
        operationId: 'ListDeadLetters',
        summary: 'List Undelivered Events',
        tags,
        description: 'The events a webhook gave up delivering, oldest first, with the reason.',
        params: WebhookIdParam,
        querystring: ListWebhooksQuery,
        response: { 200: ListOf(DeadLetter, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        await registry.deadLetters(request.caller, request.params.webhookId, {
          max: pageSize(request.query.max, LIMITS.webhooks),
          ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
        })
      )
    }
  )

  app.post(
    '/v1/webhooks/:webhookId/deadLetters/redeliver',
    {
      schema: {
        operationId: 'RedeliverDeadLetters',
        summary: 'Redeliver Undelivered Events',
        tags,
        description: 'Queue every undelivered event of an active webhook again, in order.',
        params: WebhookIdParam,
        response: {
          200: Type.Object({
            redelivered: Type.Integer(
              meta({ summary: 'Redelivered', description: 'How many events were queued again.' })
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async request => ({ redelivered: await registry.redeliver(request.caller, request.params.webhookId) })
  )
}

/**
 * The Power Automate / Logic Apps way in: one subscribe operation per trigger. The platform POSTs its
 * callback URL, keeps the 201's Location, and DELETEs that location (DeleteWebhook) to unsubscribe.
 */
export const triggerRoutes: FastifyPluginAsyncTypebox<WebhookDeps> = async (app, { registry, beforeSubscribe }) => {
  for (const trigger of TRIGGERS) {
    app.post(
      `/v1/triggers/${trigger.path}`,
      {
        schema: {
          operationId: trigger.operationId,
          summary: trigger.summary,
          description: trigger.description,
          tags: ['Triggers'],
          body: SubscribeBody,
          response: {
            201: {
              ...Webhook,
              description: 'Subscribed; DELETE the Location to unsubscribe.',
              headers: { location: { type: 'string', description: 'The subscription, for unsubscribing.' } },
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const body = request.body
        if ('officers' in trigger) assertOfficer(request.caller)
        const filter = body.roomId ? `roomId=${filterValue(body.roomId, 'roomId')}` : undefined
        await beforeSubscribe?.(request)
        const webhook = await registry.create(
          request.caller,
          {
            name: trigger.summary,
            targetUrl: body.callbackUrl,
            resource: trigger.resource,
            event: trigger.event,
            ...(filter ? { filter } : {}),
            ...(body.secret ? { secret: body.secret } : {}),
          },
          'trigger'
        )
        return reply.code(201).header('location', absoluteUrl(request, `/v1/webhooks/${webhook.id}`)).send(webhook)
      }
    )
  }
}
