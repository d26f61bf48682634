import { Type, type Static } from '@sinclair/typebox'
import { Body, Cursor, DateTime, Max, meta } from './common.js'

const personFields = {
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the membership.' })),
  personId: Type.String(meta({ summary: 'personId', description: 'The member.' })),
  personEmail: Type.String(meta({ summary: 'personEmail', description: "The member's email address." })),
  personDisplayName: Type.String(meta({ summary: 'personDisplayName', description: "The member's display name." })),
  personOrgId: Type.String(
    meta({
      summary: 'personOrgId',
      description: "The member's organisation; differs from the space's for external members.",
    })
  ),
  isModerator: Type.Boolean(meta({ summary: 'isModerator', description: 'Whether the member is a moderator.' })),
  created: DateTime({ summary: 'created', description: 'When the membership was created.' }),
}

export const Membership = Type.Object({
  ...personFields,
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space.' })),
  roomType: Type.String({
    enum: ['direct', 'group'],
    ...meta({ summary: 'roomType', description: 'The type of the space.' }),
  }),
  isMonitor: Type.Boolean(
    meta({ summary: 'isMonitor', description: 'Deprecated by Webex; always false.', visibility: 'advanced' })
  ),
  isRoomHidden: Type.Boolean(
    meta({
      summary: 'isRoomHidden',
      description: 'Whether the member hid the space from their list.',
      visibility: 'advanced',
    })
  ),
})
export type Membership = Static<typeof Membership>

export const TeamMembership = Type.Object({
  ...personFields,
  teamId: Type.String(meta({ summary: 'teamId', description: 'The team.' })),
})
export type TeamMembership = Static<typeof TeamMembership>

// Required in the seed (and in Microsoft's Webex connector) with default false, so the designer shows it.
const IsModerator = (label: string) =>
  Type.Boolean({ default: false, ...meta({ summary: label, description: label, visibility: 'important' }) })
const PersonEmail = Type.Optional(
  Type.String({
    minLength: 3,
    maxLength: 320,
    pattern: '^[^@\\s]+@[^@\\s]+$',
    ...meta({ summary: 'Email', description: 'Email address', visibility: 'important' }),
  })
)
const PersonId = Type.Optional(
  Type.String({
    minLength: 1,
    ...meta({ summary: 'Person ID', description: 'Person ID of the new member', visibility: 'advanced' }),
  })
)

export const CreateMembershipBody = Body({
  roomId: Type.String({
    minLength: 1,
    ...meta({ summary: 'Space', description: 'Select a space', visibility: 'important' }),
  }),
  personId: PersonId,
  personEmail: PersonEmail,
  isModerator: IsModerator('Is moderator?'),
})
export type CreateMembershipBody = Static<typeof CreateMembershipBody>

export const CreateTeamMembershipBody = Body({
  teamId: Type.String({
    minLength: 1,
    ...meta({ summary: 'Team', description: 'Select a team', visibility: 'important' }),
  }),
  personId: PersonId,
  personEmail: PersonEmail,
  isModerator: IsModerator('Is Moderator?'),
})
export type CreateTeamMembershipBody = Static<typeof CreateTeamMembershipBody>

export const UpdateMembershipBody = Body({
  isModerator: Type.Optional(
    Type.Boolean(meta({ summary: 'Is moderator?', description: 'Make the member a moderator or not.' }))
  ),
  isRoomHidden: Type.Optional(
    Type.Boolean(meta({ summary: 'Is space hidden?', description: 'Hide the space from your own list.' }))
  ),
})
export type UpdateMembershipBody = Static<typeof UpdateMembershipBody>

export const UpdateTeamMembershipBody = Body({
  isModerator: Type.Boolean(
    meta({ summary: 'Is moderator?', description: 'Make the member a team moderator or not.' })
  ),
})
export type UpdateTeamMembershipBody = Static<typeof UpdateTeamMembershipBody>

export const ListMembershipsQuery = Type.Object({
  roomId: Type.Optional(
    Type.String(meta({ summary: 'Space', description: 'List the members of this space.', visibility: 'important' }))
  ),
  personId: Type.Optional(
    Type.String(meta({ summary: 'Person ID', description: "Only this person's membership.", visibility: 'advanced' }))
  ),
  personEmail: Type.Optional(
    Type.String(meta({ summary: 'Email', description: "Only this email's membership.", visibility: 'advanced' }))
  ),
  max: Max('Maximum number of memberships to return.'),
  cursor: Cursor,
})
export type ListMembershipsQuery = Static<typeof ListMembershipsQuery>

export const ListTeamMembershipsQuery = Type.Object({
  teamId: Type.String({
    minLength: 1,
    ...meta({ summary: 'Team', description: 'List the members of this team.', visibility: 'important' }),
  }),
  max: Max('Maximum number of team memberships to return.'),
  cursor: Cursor,
})
export type ListTeamMembershipsQuery = Static<typeof ListTeamMembershipsQuery>

/** Read-only fields of a membership that `memberships.update(membership)` sends back; accepted and ignored. */
export const MEMBERSHIP_ECHO = [
  'id',
  'roomId',
  'roomType',
  'personId',
  'personEmail',
  'personDisplayName',
  'personOrgId',
  'isMonitor',
  'created',
] as const
/** The same for a team membership. */
export const TEAM_MEMBERSHIP_ECHO = [
  'id',
  'teamId',
  'personId',
  'personEmail',
  'personDisplayName',
  'personOrgId',
  'created',
] as const
