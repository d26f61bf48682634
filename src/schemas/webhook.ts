import { Type, type Static } from '@sinclair/typebox'
import { Body, Cursor, DateTime, Max, meta } from './common.js'

/**
 * The Webex resources this service produces events for. Webex's others (meetings, recordings, telephony, ...)
 * are refused with a 400 naming these. `all` is Webex's firehose: every resource but attachmentActions.
 */
export const WEBHOOK_RESOURCES = ['memberships', 'messages', 'rooms', 'attachmentActions', 'all'] as const
export const WEBHOOK_EVENTS = ['created', 'updated', 'deleted', 'all'] as const

export const Webhook = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the webhook.' })),
  name: Type.String(meta({ summary: 'name', description: 'A name for the webhook.' })),
  targetUrl: Type.String(meta({ summary: 'targetUrl', description: 'Where events are POSTed.' })),
  // Governance's own trigger (When a space is due for deletion) subscribes to dispositions/due.
  resource: Type.String({
    enum: [...WEBHOOK_RESOURCES, 'dispositions'],
    ...meta({ summary: 'resource', description: 'The resource whose events are sent.' }),
  }),
  event: Type.String({
    enum: [...WEBHOOK_EVENTS, 'due'],
    ...meta({ summary: 'event', description: 'The event type sent.' }),
  }),
  filter: Type.Optional(
    Type.String(meta({ summary: 'filter', description: 'Only events matching this filter, e.g. roomId=...' }))
  ),
  secret: Type.Optional(
    Type.String(meta({ summary: 'secret', description: 'The secret used to sign deliveries (X-Spark-Signature).' }))
  ),
  status: Type.String({
    enum: ['active', 'inactive'],
    ...meta({
      summary: 'status',
      description: 'inactive after repeated failed deliveries; set active again to resume.',
    }),
  }),
  created: DateTime({ summary: 'created', description: 'When the webhook was created.' }),
  orgId: Type.String(meta({ summary: 'orgId', description: "The owner's organisation." })),
  createdBy: Type.String(meta({ summary: 'createdBy', description: 'The person who created the webhook.' })),
  appId: Type.String(meta({ summary: 'appId', description: 'The application that created the webhook.' })),
  ownedBy: Type.String(meta({ summary: 'ownedBy', description: 'creator: the webhook sees what its creator sees.' })),
})
export type Webhook = Static<typeof Webhook>

const TargetUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  ...meta({
    summary: 'Target URL',
    description: 'Where events are POSTed (http or https).',
    visibility: 'important',
  }),
})
const Secret = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 256,
    ...meta({
      summary: 'Secret',
      description: 'Signs each delivery: X-Spark-Signature is the HMAC-SHA1 hex of the raw body.',
      visibility: 'advanced',
    }),
  })
)
const Name = Type.String({
  minLength: 1,
  maxLength: 128,
  ...meta({ summary: 'Name', description: 'A name for the webhook.', visibility: 'important' }),
})

export const CreateWebhookBody = Body({
  name: Name,
  targetUrl: TargetUrl,
  resource: Type.String({
    enum: [...WEBHOOK_RESOURCES],
    ...meta({
      summary: 'Resource',
      description: 'memberships, messages, rooms, attachmentActions or all.',
      visibility: 'important',
    }),
  }),
  event: Type.String({
    enum: [...WEBHOOK_EVENTS],
    ...meta({ summary: 'Event', description: 'created, updated, deleted or all.', visibility: 'important' }),
  }),
  filter: Type.Optional(
    Type.String({
      maxLength: 1024,
      ...meta({
        summary: 'Filter',
        description: 'key=value pairs joined by &, e.g. roomId=...&personEmail=...',
        visibility: 'advanced',
      }),
    })
  ),
  secret: Secret,
})
export type CreateWebhookBody = Static<typeof CreateWebhookBody>

export const UpdateWebhookBody = Body({
  name: Name,
  targetUrl: TargetUrl,
  secret: Secret,
  status: Type.Optional(
    Type.String({
      enum: ['active', 'inactive'],
      ...meta({
        summary: 'Status',
        description: 'Set active to resume an inactive webhook.',
        visibility: 'advanced',
      }),
    })
  ),
})
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>

export const ListWebhooksQuery = Type.Object({ max: Max('Maximum number of webhooks to return.'), cursor: Cursor })
export type ListWebhooksQuery = Static<typeof ListWebhooksQuery>

export const DeadLetter = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The delivery id.' })),
  webhookId: Type.String(meta({ summary: 'webhookId', description: 'The webhook it was for.' })),
  attempts: Type.Integer(meta({ summary: 'attempts', description: 'How many times delivery was tried.' })),
  lastStatus: Type.Optional(
    Type.Integer(meta({ summary: 'lastStatus', description: "The receiver's last HTTP status, if it answered." }))
  ),
  lastError: Type.String(meta({ summary: 'lastError', description: 'Why it was given up.' })),
  created: DateTime({ summary: 'created', description: 'When the event happened.' }),
  deadAt: DateTime({ summary: 'deadAt', description: 'When delivery was given up.' }),
  payload: Type.Unknown(meta({ summary: 'payload', description: 'The webhook envelope that was not delivered.' })),
})
export type DeadLetter = Static<typeof DeadLetter>

/** The trigger subscribe body: the callback the platform fills in, plus optional narrowing. */
export const SubscribeBody = Body({
  callbackUrl: Type.String({
    minLength: 1,
    maxLength: 2048,
    'x-ms-notification-url': true,
    ...meta({
      summary: 'Callback URL',
      description: 'Where the platform wants the events POSTed.',
      visibility: 'internal',
    }),
  }),
  roomId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Space', description: 'Only events of this space.', visibility: 'important' }),
    })
  ),
  secret: Secret,
})
export type SubscribeBody = Static<typeof SubscribeBody>

const dataField = (summary: string, description: string) => Type.String(meta({ summary, description }))
const dataBool = (summary: string, description: string) => Type.Boolean(meta({ summary, description }))

/** `data` of the membership triggers, with the seed's names ("spaceId" is roomId on the wire). */
export const MembershipEventData = Type.Object({
  created: dataField('created', 'When the membership was created.'),
  id: dataField('id', 'The membership id.'),
  isModerator: dataBool('isModerator', 'Whether the member is a moderator.'),
  isMonitor: dataBool('isMonitor', 'Deprecated; always false.'),
  personDisplayName: dataField('personDisplayName', "The member's display name."),
  personEmail: dataField('personEmail', "The member's email address."),
  personId: dataField('personId', "The member's person id."),
  personOrgId: dataField('personOrgId', "The member's organisation."),
  roomId: dataField('spaceId', 'The space.'),
  roomType: Type.Optional(dataField('roomType', 'direct or group.')),
})
export const MessageEventData = Type.Object({
  created: dataField('created', 'When the message was posted.'),
  id: dataField('id', 'The message id; fetch the text with Get Message Details.'),
  personEmail: dataField('personEmail', "The author's email address."),
  personId: dataField('personId', "The author's person id."),
  roomId: dataField('spaceId', 'The space.'),
  roomType: Type.Optional(dataField('roomType', 'direct or group.')),
})
export const RoomEventData = Type.Object({
  created: dataField('created', 'When the space was created.'),
  creatorId: dataField('creatorId', 'Who created the space.'),
  id: dataField('id', 'The space id.'),
  isLocked: dataBool('isLocked', 'Whether the space is locked (moderated).'),
  lastActivity: dataField('lastActivity', "The space's last activity."),
  teamId: Type.Optional(dataField('teamId', 'The team of the space, if any.')),
  title: dataField('title', 'The space title.'),
  type: dataField('type', 'direct or group.'),
})

/** What a subscriber receives: the Webex webhook envelope around the event's data. */
export const Envelope = <T extends ReturnType<typeof Type.Object>>(data: T) =>
  Type.Object({
    id: dataField('webhookId', 'The webhook (subscription) that matched.'),
    name: dataField('name', 'The webhook name.'),
    targetUrl: dataField('targetUrl', 'The callback URL.'),
    resource: dataField('resource', 'memberships, messages or rooms.'),
    event: dataField('event', 'created, updated or deleted.'),
    filter: Type.Optional(dataField('filter', 'The webhook filter.')),
    orgId: dataField('orgId', "The owner's organisation."),
    createdBy: dataField('createdBy', 'Who created the webhook.'),
    appId: dataField('appId', 'The application that created the webhook.'),
    ownedBy: dataField('ownedBy', 'creator.'),
    ownerId: dataField('ownerId', 'The webhook owner.'),
    status: dataField('status', 'The webhook status.'),
    actorId: dataField('actorId', 'Who made the change.'),
    created: dataField('created', 'When the webhook was created.'),
    data,
  })

/**
 * Webex: "The fields that can be updated are name, targetUrl, secret and status. All other fields, if supplied,
 * are ignored" -- the other fields of the webhook object, that is; anything else is still a 400.
 */
export const WEBHOOK_ECHO = [
  'id',
  'resource',
  'event',
  'filter',
  'created',
  'orgId',
  'createdBy',
  'appId',
  'ownedBy',
] as const

/** `data` of the card trigger: the submission, slim as Webex sends it (fetch the inputs by id). */
export const AttachmentActionEventData = Type.Object({
  created: dataField('created', 'When the card was submitted.'),
  id: dataField('id', 'The submission id; fetch the inputs with Get Card Submission.'),
  messageId: dataField('messageId', 'The message whose card was submitted.'),
  personId: dataField('personId', 'Who submitted it.'),
  roomId: dataField('spaceId', 'The space.'),
  type: dataField('type', 'submit.'),
})
