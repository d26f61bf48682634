import { Type, type Static } from '@sinclair/typebox'
import { Cursor, DateTime, meta } from './common.js'

/** Webex's Events API (compliance officers, spark-compliance:events_read): what happened in the organisation. */
const EVENT_RESOURCES = ['messages', 'memberships', 'rooms'] as const
const EVENT_TYPES = ['created', 'updated', 'deleted'] as const

export const Event = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the event.' })),
  resource: Type.String({
    enum: [...EVENT_RESOURCES],
    ...meta({ summary: 'resource', description: 'messages, memberships, or rooms (classification changes).' }),
  }),
  type: Type.String({
    enum: [...EVENT_TYPES],
    ...meta({ summary: 'type', description: 'created, updated or deleted.' }),
  }),
  appId: Type.Optional(Type.String(meta({ summary: 'appId', description: 'The application that acted, if any.' }))),
  actorId: Type.String(meta({ summary: 'actorId', description: 'The person who acted.' })),
  orgId: Type.String(meta({ summary: 'orgId', description: 'The organisation of the space.' })),
  created: DateTime({ summary: 'created', description: 'When it happened.' }),
  data: Type.Unknown(meta({ summary: 'data', description: 'The resource as it was when the event took place.' })),
})
export type Event = Static<typeof Event>

export const ListEventsQuery = Type.Object({
  resource: Type.Optional(
    Type.String({
      enum: [...EVENT_RESOURCES],
      ...meta({ summary: 'Resource', description: 'Only events of this resource.', visibility: 'important' }),
    })
  ),
  type: Type.Optional(
    Type.String({
      enum: [...EVENT_TYPES],
      ...meta({ summary: 'Type', description: 'Only events of this type.', visibility: 'important' }),
    })
  ),
  actorId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Actor', description: 'Only events by this person.', visibility: 'advanced' }),
    })
  ),
  from: Type.Optional(
    Type.String({
      format: 'date-time',
      ...meta({ summary: 'From', description: 'Events after this time.', visibility: 'advanced' }),
    })
  ),
  to: Type.Optional(
    Type.String({
      format: 'date-time',
      ...meta({ summary: 'To', description: 'Events before this time (not in the future).', visibility: 'advanced' }),
    })
  ),
  max: Type.Optional(
    Type.Integer({
      minimum: 1,
      ...meta({ summary: 'Max', description: 'Events per page (up to 1000).', visibility: 'advanced' }),
    })
  ),
  cursor: Cursor,
})
export type ListEventsQuery = Static<typeof ListEventsQuery>
