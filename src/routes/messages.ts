import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import { rm } from 'node:fs/promises'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import {
  CreateMessageBody,
  EditMessageBody,
  ListMessagesQuery,
  Message,
  MESSAGE_ECHO,
  MESSAGE_TEXT_MAX_BYTES,
  SendCardBody,
  CARD_CONTENT_TYPE,
} from '../schemas/message.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import { acceptEcho } from '../http/echo.js'
import { BadRequestError, PayloadTooLargeError } from '../errors.js'
import type { ContentStore, Upload } from '../files/content-store.js'
import type { RouteDeps } from './deps.js'

const MessageIdParam = IdParam('messageId', {
  summary: 'Message ID',
  description: 'The message ID',
  visibility: 'important',
})
const tags = ['Messages']

declare module 'fastify' {
  interface FastifyRequest {
    /** A local file sent with Send a Message as multipart/form-data, already on disk. */
    upload?: Upload
  }
}

/** The text fields a multipart Send a Message may carry besides its one file (Webex's form fields). */
const FORM_FIELDS = new Set(['roomId', 'toPersonId', 'toPersonEmail', 'text', 'markdown', 'parentId', 'attachments'])

/**
 * A multipart/form-data Send a Message, as Webex takes a local file: the form fields become the body, the one
 * file is streamed to the content store as it arrives (never held in memory whole), within Webex's size limit.
 */
async function readForm (request: FastifyRequest, contents: ContentStore, cardMaxBytes: number): Promise<void> {
  try {
    request.body = await formFields(request, contents, cardMaxBytes)
  } catch (err) {
    // Before the answer goes out: a refused upload leaves nothing on disk by the time the client hears of it.
    if (request.upload) await rm(request.upload.path, { force: true })
    request.upload = undefined
    throw err
  }
}

async function formFields (
  request: FastifyRequest,
  contents: ContentStore,
  cardMaxBytes: number
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {}
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'files') {
        part.file.resume()
        throw new BadRequestError(`The form field '${part.fieldname}' is not a file field; send the file as 'files'.`)
      }
      if (request.upload) {
        part.file.resume()
        throw new BadRequestError('A message takes one file.')
      }
      request.upload = await contents.receive(part.file, part.filename, part.mimetype)
      if (part.file.truncated) throw new PayloadTooLargeError(`A file may be at most ${contents.maxBytes} bytes.`)
      continue
    }
    if (!FORM_FIELDS.has(part.fieldname)) {
      throw new BadRequestError(
        `The request body has the field '${part.fieldname}', which this operation does not take.`
      )
    }
    const value = String(part.value)
    if (part.fieldname === 'attachments') {
      try {
        body.attachments = JSON.parse(value)
      } catch {
        throw new BadRequestError("'attachments' must be JSON: [{contentType, content}].")
      }
      if (value.length > cardMaxBytes) throw new BadRequestError(`The card is larger than ${cardMaxBytes} bytes.`)
    } else {
      body[part.fieldname] = value
    }
  }
  return body
}

export interface MessageRouteDeps extends RouteDeps {
  contents: ContentStore
  cardMaxBytes: number
}

export const messageRoutes: FastifyPluginAsyncTypebox<MessageRouteDeps> = async (
  app,
  { backend, contents, cardMaxBytes }
) => {
  await app.register(multipart, {
    limits: {
      files: 1,
      fileSize: contents.maxBytes,
      fields: FORM_FIELDS.size,
      fieldSize: Math.max(cardMaxBytes, MESSAGE_TEXT_MAX_BYTES) + 1024,
    },
  })
  // An upload whose message was refused (or failed) leaves nothing behind.
  app.addHook('onResponse', async request => {
    if (request.upload) await rm(request.upload.path, { force: true })
  })

  app.get(
    '/v1/messages',
    {
      schema: {
        operationId: 'GetMessages',
        summary: 'Get Messages',
        tags,
        description: 'Get a list of recent messages for a space, newest first; with parentId, the replies of a thread.',
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
        description:
          'Send a message to a space, or a private 1:1 message to a person by id or email; optionally with one ' +
          'file, a card, or as a reply in a thread.',
        body: CreateMessageBody,
        response: { 200: Message, ...errorResponses },
      },
      preValidation: async request => {
        if (request.isMultipart()) {
          await readForm(request, contents, cardMaxBytes)
          return
        }
        // The connector (and many scripts) send one file URL as a plain string; Webex takes that too.
        const body = request.body as { files?: unknown } | undefined
        if (body && typeof body.files === 'string') body.files = [body.files]
      },
    },
    async request => backend.createMessage(request.caller, request.body, request.upload)
  )

  app.post(
    '/v1/cards',
    {
      schema: {
        operationId: 'SendAdaptiveCard',
        summary: 'Send an Adaptive Card',
        tags,
        description:
          'Post an Adaptive Card (buttons, inputs) to a space or a person; submissions arrive through the trigger ' +
          'When a card is submitted.',
        body: SendCardBody,
        response: { 200: Message, ...errorResponses },
      },
      preValidation: async request => {
        // Designers hand over JSON typed into a text box: the card may come as its JSON text.
        const body = request.body as { card?: unknown } | undefined
        if (body && typeof body.card === 'string') {
          try {
            body.card = JSON.parse(body.card)
          } catch {
            throw new BadRequestError("'card' is not valid JSON.")
          }
        }
      },
    },
    async request => {
      const { card, ...rest } = request.body
      return backend.createMessage(request.caller, {
        ...rest,
        attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }],
      })
    }
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

  app.put(
    '/v1/messages/:messageId',
    {
      schema: {
        operationId: 'EditMessage',
        summary: 'Edit a Message',
        tags,
        description:
          'Change the text or markdown of a message you posted (up to 10 times; not a message with a file or a card).',
        params: MessageIdParam,
        body: EditMessageBody,
        response: { 200: Message, ...errorResponses },
      },
      preValidation: acceptEcho(MESSAGE_ECHO),
    },
    async request => backend.updateMessage(request.caller, request.params.messageId, request.body)
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
