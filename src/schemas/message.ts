import { Type, type Static } from '@sinclair/typebox'
import { Body, Cursor, DateTime, Max, meta } from './common.js'

/** Webex's limit for text and markdown, in bytes. */
export const MESSAGE_TEXT_MAX_BYTES = 7439

/** The one kind of content attachment Webex takes: an Adaptive Card. */
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive'

export const AdaptiveCard = Type.Object(
  {
    type: Type.Literal('AdaptiveCard', meta({ summary: 'Type', description: 'Must be AdaptiveCard.' })),
    version: Type.String({
      minLength: 1,
      ...meta({ summary: 'Version', description: 'Adaptive Card schema version.' }),
    }),
    body: Type.Optional(Type.Array(Type.Unknown(), meta({ summary: 'Body', description: "The card's elements." }))),
    actions: Type.Optional(
      Type.Array(Type.Unknown(), meta({ summary: 'Actions', description: "The card's actions." }))
    ),
  },
  { additionalProperties: true, ...meta({ summary: 'Card', description: 'The Adaptive Card (JSON).' }) }
)

export const Attachment = Type.Object(
  {
    contentType: Type.Literal(CARD_CONTENT_TYPE, {
      ...meta({ summary: 'Content type', description: `The content type of the attachment: ${CARD_CONTENT_TYPE}.` }),
    }),
    content: AdaptiveCard,
  },
  { additionalProperties: false }
)
export type Attachment = Static<typeof Attachment>

const Attachments = (m: { summary: string; description: string; visibility?: 'advanced' }) =>
  Type.Array(Attachment, { maxItems: 1, ...meta(m) })

export const Message = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the message.' })),
  parentId: Type.Optional(
    Type.String(
      meta({ summary: 'parentId', description: 'The message this one replies to.', visibility: 'advanced' })
    )
  ),
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space the message was posted in.' })),
  roomType: Type.String({
    enum: ['direct', 'group'],
    ...meta({ summary: 'roomType', description: 'The type of the space.' }),
  }),
  toPersonId: Type.Optional(
    Type.String(meta({ summary: 'toPersonId', description: 'The recipient of a 1:1 message sent by person id.' }))
  ),
  toPersonEmail: Type.Optional(
    Type.String(meta({ summary: 'toPersonEmail', description: 'The recipient of a 1:1 message sent by email.' }))
  ),
  text: Type.Optional(Type.String(meta({ summary: 'text', description: 'The message in plain text.' }))),
  markdown: Type.Optional(Type.String(meta({ summary: 'markdown', description: 'The message in markdown.' }))),
  files: Type.Optional(
    Type.Array(Type.String(), meta({ summary: 'files', description: 'URLs of the attached files.' }))
  ),
  attachments: Type.Optional(
    Attachments({ summary: 'attachments', description: 'The card attached to the message (Adaptive Card).' })
  ),
  personId: Type.String(meta({ summary: 'personId', description: 'The author.' })),
  personEmail: Type.String(meta({ summary: 'personEmail', description: "The author's email address." })),
  mentionedPeople: Type.Optional(
    Type.Array(Type.String(), meta({ summary: 'mentionedPeople', description: 'People mentioned in the message.' }))
  ),
  mentionedGroups: Type.Optional(
    Type.Array(
      Type.String(),
      meta({ summary: 'mentionedGroups', description: 'Groups mentioned in the message, such as all.' })
    )
  ),
  created: DateTime({ summary: 'created', description: 'When the message was posted.' }),
  updated: Type.Optional(
    DateTime({ summary: 'updated', description: 'When the author last edited the message (absent if never).' })
  ),
})
export type Message = Static<typeof Message>

export const CreateMessageBody = Body({
  roomId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Space', description: 'Select a recipient space', visibility: 'important' }),
    })
  ),
  toPersonId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({
        summary: 'Person ID',
        description: 'The ID of the recipient when sending a 1:1 message',
        visibility: 'advanced',
      }),
    })
  ),
  toPersonEmail: Type.Optional(
    Type.String({
      minLength: 3,
      maxLength: 320,
      pattern: '^[^@\\s]+@[^@\\s]+$',
      ...meta({
        summary: 'Email',
        description: 'The email address of the recipient when sending a private 1:1 message',
        visibility: 'advanced',
      }),
    })
  ),
  text: Type.Optional(
    Type.String(
      meta({
        summary: 'text',
        description: 'Message Text, in plain text, used for clients that do not support markdown',
        visibility: 'important',
      })
    )
  ),
  markdown: Type.Optional(
    Type.String(meta({ summary: 'Text', description: 'Message, in markdown format', visibility: 'important' }))
  ),
  // Webex takes one file URL per message; the route also accepts it as a bare string.
  files: Type.Optional(
    Type.Array(Type.String({ format: 'uri', pattern: '^https?://' }), {
      maxItems: 1,
      ...meta({ summary: 'Files', description: 'Attach files to this message', visibility: 'advanced' }),
    })
  ),
  parentId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({
        summary: 'Parent message',
        description: 'Reply in the thread of this message.',
        visibility: 'advanced',
      }),
    })
  ),
  attachments: Type.Optional(
    Attachments({
      summary: 'Card',
      description: `One Adaptive Card: [{"contentType": "${CARD_CONTENT_TYPE}", "content": {...}}].`,
      visibility: 'advanced',
    })
  ),
})
export type CreateMessageBody = Static<typeof CreateMessageBody>

export const ListMessagesQuery = Type.Object({
  roomId: Type.String({
    minLength: 1,
    ...meta({
      summary: 'Space',
      description: 'List messages in a space for a given space ID',
      visibility: 'important',
    }),
  }),
  mentionedPeople: Type.Optional(
    Type.String(
      meta({
        summary: 'Mentioned People',
        description: "List messages where the caller is mentioned by specifying 'me' or the caller personId.",
        visibility: 'advanced',
      })
    )
  ),
  parentId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({
        summary: 'Parent message',
        description: 'List only the replies in the thread of this message.',
        visibility: 'advanced',
      }),
    })
  ),
  beforeMessage: Type.Optional(
    Type.String(
      meta({
        summary: 'Before Message',
        description: 'List messages sent before a message, by ID.',
        visibility: 'advanced',
      })
    )
  ),
  before: Type.Optional(
    Type.String({
      format: 'date-time',
      ...meta({
        summary: 'Before',
        description: 'List messages sent before a date and time, in ISO8601 format.',
        visibility: 'advanced',
      }),
    })
  ),
  max: Max('Limit the maximum number of messages in the response.'),
  cursor: Cursor,
})
export type ListMessagesQuery = Static<typeof ListMessagesQuery>

/** Edit a Message: the new text or markdown. The rest of the message object may come along and is ignored. */
export const EditMessageBody = Body({
  roomId: Type.String({
    minLength: 1,
    ...meta({ summary: 'Space', description: 'The space of the message.', visibility: 'important' }),
  }),
  text: Type.Optional(
    Type.String(meta({ summary: 'Message Text', description: 'The new text, in plain text.', visibility: 'important' }))
  ),
  markdown: Type.Optional(
    Type.String(meta({ summary: 'Text', description: 'The new text, in markdown.', visibility: 'important' }))
  ),
})
export type EditMessageBody = Static<typeof EditMessageBody>

/** Fields of the message object a GET-then-PUT edit sends back unchanged (Webex's documented pattern). */
export const MESSAGE_ECHO = [
  'id',
  'parentId',
  'roomType',
  'toPersonId',
  'toPersonEmail',
  'files',
  'attachments',
  'personId',
  'personEmail',
  'mentionedPeople',
  'mentionedGroups',
  'created',
  'updated',
  'isVoiceClip',
] as const

/** Webex allows this many edits of one message. */
export const MAX_EDITS = 10

/**
 * Send an Adaptive Card (the connector's card action): a message whose card is given as the card itself (an
 * object, or its JSON as text, as a designer user pastes it) with the text shown where cards are not rendered.
 */
export const SendCardBody = Body({
  roomId: CreateMessageBody.properties.roomId,
  toPersonId: CreateMessageBody.properties.toPersonId,
  toPersonEmail: CreateMessageBody.properties.toPersonEmail,
  parentId: CreateMessageBody.properties.parentId,
  text: Type.String({
    minLength: 1,
    ...meta({
      summary: 'Fallback text',
      description: 'Shown in notifications and by clients that cannot render the card.',
      visibility: 'important',
    }),
  }),
  card: Type.Unsafe<Static<typeof AdaptiveCard>>({
    ...AdaptiveCard,
    ...meta({
      summary: 'Card',
      description: 'The Adaptive Card JSON: {"type": "AdaptiveCard", "version": "1.2", "body": [...], ...}.',
      visibility: 'important',
    }),
  }),
})
export type SendCardBody = Static<typeof SendCardBody>
