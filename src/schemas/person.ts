import { Type, type Static } from '@sinclair/typebox'
import { Cursor, DateTime, Max, meta } from './common.js'

export const PhoneNumber = Type.Object({
  type: Type.String(meta({ summary: 'type', description: 'work, mobile or fax.' })),
  value: Type.String(meta({ summary: 'value', description: 'The phone number.' })),
})

export const Person = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the person.' })),
  emails: Type.Array(Type.String(), meta({ summary: 'emails', description: "The person's email addresses." })),
  phoneNumbers: Type.Array(
    PhoneNumber,
    meta({ summary: 'phoneNumbers', description: "The person's phone numbers." })
  ),
  displayName: Type.String(meta({ summary: 'displayName', description: 'The full name.' })),
  nickName: Type.Optional(Type.String(meta({ summary: 'nickName', description: 'The nickname.' }))),
  firstName: Type.String(meta({ summary: 'firstName', description: 'The first name.' })),
  lastName: Type.String(meta({ summary: 'lastName', description: 'The last name.' })),
  avatar: Type.Optional(Type.String(meta({ summary: 'avatar', description: 'URL of the avatar image.' }))),
  orgId: Type.String(meta({ summary: 'orgId', description: "The person's organisation." })),
  roles: Type.Array(
    Type.String(),
    meta({
      summary: 'roles',
      description: 'Administrative roles, such as compliance officer.',
      visibility: 'advanced',
    })
  ),
  created: DateTime({ summary: 'created', description: 'When the person was created.' }),
  lastActivity: Type.Optional(DateTime({ summary: 'lastActivity', description: "The person's last activity." })),
  status: Type.String(
    meta({ summary: 'status', description: 'Presence: active, inactive, DoNotDisturb, meeting, OutOfOffice, ...' })
  ),
  type: Type.String({
    enum: ['person', 'bot', 'appuser'],
    ...meta({ summary: 'type', description: 'person, bot or appuser.' }),
  }),
})
export type Person = Static<typeof Person>

/** Webex accepts at most this many ids in one Get People call. */
export const MAX_PEOPLE_IDS = 85

export const ListPeopleQuery = Type.Object({
  id: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({
        summary: 'ID',
        description: 'List people by ID. Accepts up to 85 person IDs separated by commas.',
        visibility: 'advanced',
      }),
    })
  ),
  email: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Email', description: 'List people with this email address', visibility: 'important' }),
    })
  ),
  displayName: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({
        summary: 'Display name',
        description: 'List people whose name starts with this.',
        visibility: 'advanced',
      }),
    })
  ),
  showAllTypes: Type.Optional(
    Type.Boolean(
      meta({
        summary: 'Show all types',
        description:
          'Include additional user data such as meeting-site attendee roles (this service has none, so the ' +
          'answer is the same either way).',
        visibility: 'internal',
      })
    )
  ),
  max: Max('Maximum number of people to return.'),
  cursor: Cursor,
})
export type ListPeopleQuery = Static<typeof ListPeopleQuery>

export const PeopleList = Type.Object({
  items: Type.Array(Person, meta({ summary: 'items', description: 'The people found.' })),
  notFoundIds: Type.Optional(
    Type.Array(Type.String(), meta({ summary: 'notFoundIds', description: 'Requested ids that match nobody.' }))
  ),
})
export type PeopleList = Static<typeof PeopleList>
