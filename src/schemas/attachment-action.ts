import { Type, type Static } from '@sinclair/typebox'
import { Body, DateTime, meta } from './common.js'

export const AttachmentAction = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the card submission.' })),
  type: Type.String({ enum: ['submit'], ...meta({ summary: 'type', description: 'The type of action: submit.' }) }),
  messageId: Type.String(meta({ summary: 'messageId', description: 'The message whose card was submitted.' })),
  inputs: Type.Record(
    Type.String(),
    Type.Unknown(),
    meta({ summary: 'inputs', description: "The card's input values (and the submit action's data), by input id." })
  ),
  personId: Type.String(meta({ summary: 'personId', description: 'Who submitted the card.' })),
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space of the message.' })),
  created: DateTime({ summary: 'created', description: 'When the card was submitted.' }),
})
export type AttachmentAction = Static<typeof AttachmentAction>

export const CreateAttachmentActionBody = Body({
  type: Type.String({
    enum: ['submit'],
    default: 'submit',
    ...meta({ summary: 'Type', description: 'The type of action: submit.', visibility: 'internal' }),
  }),
  messageId: Type.String({
    minLength: 1,
    ...meta({ summary: 'Message ID', description: 'The message that carries the card.', visibility: 'important' }),
  }),
  inputs: Type.Record(
    Type.String(),
    Type.Unknown(),
    meta({ summary: 'Inputs', description: "The card's input values, by input id.", visibility: 'important' })
  ),
})
export type CreateAttachmentActionBody = Static<typeof CreateAttachmentActionBody>
