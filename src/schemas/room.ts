import { Type, type Static } from '@sinclair/typebox'
import { Body, Cursor, DateTime, Max, meta } from './common.js'

export const Room = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the space.' })),
  title: Type.String(
    meta({ summary: 'title', description: "The title of the space; for a 1:1 space, the other person's name." })
  ),
  type: Type.String({
    enum: ['direct', 'group'],
    ...meta({ summary: 'type', description: 'direct for a 1:1 space, group for a group space.' }),
  }),
  isLocked: Type.Boolean(meta({ summary: 'isLocked', description: 'Whether the space is moderated (locked).' })),
  isAnnouncementOnly: Type.Optional(
    Type.Boolean(
      meta({
        summary: 'isAnnouncementOnly',
        description: 'Announcement mode: only moderators post.',
        visibility: 'advanced',
      })
    )
  ),
  teamId: Type.Optional(
    Type.String(meta({ summary: 'teamId', description: 'The team the space belongs to, if any.' }))
  ),
  lastActivity: DateTime({
    summary: 'lastActivity',
    description: 'When the last message or change happened in the space.',
  }),
  creatorId: Type.String(meta({ summary: 'creatorId', description: 'The person who created the space.' })),
  created: DateTime({ summary: 'created', description: 'When the space was created.' }),
  ownerId: Type.String(
    meta({ summary: 'ownerId', description: 'The organisation that owns the space.', visibility: 'advanced' })
  ),
  classificationId: Type.Optional(
    Type.String(
      meta({ summary: 'classificationId', description: "The space's classification.", visibility: 'advanced' })
    )
  ),
  isReadOnly: Type.Optional(
    Type.Boolean(
      meta({
        summary: 'isReadOnly',
        description: 'Read-only: no new messages or members, content stays readable (set by a compliance officer).',
        visibility: 'advanced',
      })
    )
  ),
})
export type Room = Static<typeof Room>

export const RoomSortBy = Type.String({
  enum: ['id', 'lastactivity', 'created'],
  ...meta({
    summary: 'Sort by',
    description: '(id) the space id, (lastactivity) the last activity timestamp, (created) space creation date.',
    visibility: 'advanced',
  }),
})

export const ListRoomsQuery = Type.Object({
  max: Max('Maximum number of spaces to return.'),
  type: Type.Optional(
    Type.String({
      enum: ['direct', 'group'],
      ...meta({
        summary: 'Type of space',
        description:
          '(group) only include group spaces, (direct) only include 1 to 1 spaces, returns all if not specified.',
        visibility: 'advanced',
      }),
    })
  ),
  sortBy: Type.Optional(RoomSortBy),
  teamId: Type.Optional(
    Type.String(meta({ summary: 'Team', description: 'Only include spaces of this team.', visibility: 'advanced' }))
  ),
  cursor: Cursor,
})
export type ListRoomsQuery = Static<typeof ListRoomsQuery>

const AnnouncementOnly = Type.Optional(
  Type.Boolean(
    meta({
      summary: 'Announcement only?',
      description: 'Announcement mode (a locked space only): only moderators post.',
      visibility: 'advanced',
    })
  )
)

export const CreateRoomBody = Body({
  title: Type.String({
    minLength: 1,
    maxLength: 256,
    ...meta({ summary: 'Title', description: 'Space Title', visibility: 'important' }),
  }),
  teamId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Team', description: 'Optionally select a team', visibility: 'advanced' }),
    })
  ),
  isLocked: Type.Optional(
    Type.Boolean(
      meta({
        summary: 'Is locked?',
        description: 'Create the space moderated, with the creator as moderator.',
        visibility: 'advanced',
      })
    )
  ),
  isAnnouncementOnly: AnnouncementOnly,
})
export type CreateRoomBody = Static<typeof CreateRoomBody>

export const UpdateRoomBody = Body({
  title: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      ...meta({ summary: 'Title', description: 'The new title of the space.' }),
    })
  ),
  isLocked: Type.Optional(
    Type.Boolean(meta({ summary: 'Is locked?', description: 'Lock (moderate) or unlock the space.' }))
  ),
  isAnnouncementOnly: AnnouncementOnly,
  classificationId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Classification', description: "One of the organisation's classifications." }),
    })
  ),
  isReadOnly: Type.Optional(
    Type.Boolean(
      meta({ summary: 'Read-only?', description: 'Compliance officers: make a 1:1 space read-only, or not.' })
    )
  ),
})
export type UpdateRoomBody = Static<typeof UpdateRoomBody>

/** Read-only fields of a space that `rooms.update(room)` sends back; accepted and ignored. */
export const ROOM_ECHO = ['id', 'type', 'teamId', 'lastActivity', 'creatorId', 'created', 'ownerId'] as const
