import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import { CreateMessageBody, ListMessagesQuery, Message } from '../schemas/message.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import type { RouteDeps } from './deps.js'

const MessageIdParam = IdParam('messageId', {
  summary: 'Message ID',
  description: 'The message ID',
  visibility: 'important',
})
const tags = ['Messages']

export const messageRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.get(
    '/v1/messages',
    {
      schema: {
        operationId: 'GetMessages',
        summary: 'Get Messages',
        tags,
        description: 'Get a list of recent messages for a space, newest first.',
        querystring: ListMessagesQuery,
        response: { 200: ListOf(Message, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const limits = request.query.mentionedPeople !== undefined ? LIMITS.mentionedMessages : LIMITS.messages
      return pageReply(
        request,
        reply,
        await backend.listMessages(request.caller, { ...request.query, max: pageSize(request.query.max, limits) })
      )
    }
  )

  app.post(
    '/v1/messages',
    {
      schema: {
        operationId: 'SendMessage',
        summary: 'Send a Message',
        tags,
        description: 'Send a message to a space, or a private 1:1 message to a person by id or email.',
        body: CreateMessageBody,
        response: { 200: Message, ...errorResponses },
      },
      // The connector (and many scripts) send one file URL as a plain string; Webex takes that too.
      preValidation: async request => {
        const body = request.body as { files?: unknown } | undefined
        if (body && typeof body.files === 'string') body.files = [body.files]
      },
    },
    async request => backend.createMessage(request.caller, request.body)
  )

  app.get(
    '/v1/messages/:messageId',
    {
      schema: {
        operationId: 'GetMessageDetails',
        summary: 'Get Message Details',
        tags,
        description: 'Shows details for a message, by message ID.',
        params: MessageIdParam,
        response: { 200: Message, ...errorResponses },
      },
    },
    async request => backend.getMessage(request.caller, request.params.messageId)
  )

  app.delete(
    '/v1/messages/:messageId',
    {
      schema: {
        operationId: 'DeleteMessage',
        summary: 'Delete a Message',
        tags,
        description: 'Delete a message you posted, or any message of a locked space you moderate.',
        params: MessageIdParam,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await backend.deleteMessage(request.caller, request.params.messageId)
      return reply.code(204).send(null)
    }
  )
}
