import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, IdParam } from '../schemas/common.js'
import { AttachmentAction, CreateAttachmentActionBody } from '../schemas/attachment-action.js'
import type { RouteDeps } from './deps.js'

const tags = ['Messages']

/** Card submissions (Webex's Attachment Actions): what a member's click on a card's submit button creates. */
export const attachmentActionRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.post(
    '/v1/attachment/actions',
    {
      schema: {
        operationId: 'SubmitCard',
        summary: 'Submit a Card',
        tags,
        description: "Submit a message's card with input values, as a member clicking its submit button does.",
        body: CreateAttachmentActionBody,
        response: { 200: AttachmentAction, ...errorResponses },
      },
    },
    async request => backend.createAttachmentAction(request.caller, request.body)
  )

  app.get(
    '/v1/attachment/actions/:id',
    {
      schema: {
        operationId: 'GetCardSubmission',
        summary: 'Get Card Submission',
        tags,
        description: 'The inputs a member submitted with a card, by the id the card trigger gives.',
        params: IdParam('id', {
          summary: 'Submission ID',
          description: 'The card submission (attachment action) id.',
          visibility: 'important',
        }),
        response: { 200: AttachmentAction, ...errorResponses },
      },
    },
    async request => backend.getAttachmentAction(request.caller, request.params.id)
  )
}
