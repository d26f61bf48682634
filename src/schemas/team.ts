import { Type, type Static } from '@sinclair/typebox'
import { Body, Cursor, DateTime, Max, meta } from './common.js'

export const Team = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The unique identifier of the team.' })),
  name: Type.String(meta({ summary: 'name', description: 'The team name.' })),
  description: Type.Optional(Type.String(meta({ summary: 'description', description: 'What the team is for.' }))),
  creatorId: Type.String(meta({ summary: 'creatorId', description: 'The person who created the team.' })),
  created: DateTime({ summary: 'created', description: 'When the team was created.' }),
})
export type Team = Static<typeof Team>

/** What a team is made or renamed with (Webex's Create a Team and Update a Team take the same fields). */
const TEAM_FIELDS = {
  name: Type.String({
    minLength: 1,
    maxLength: 256,
    ...meta({ summary: 'Name', description: 'The team name.', visibility: 'important' }),
  }),
  description: Type.Optional(
    Type.String({
      maxLength: 1024,
      ...meta({ summary: 'Description', description: 'What the team is for.', visibility: 'advanced' }),
    })
  ),
}
export const CreateTeamBody = Body(TEAM_FIELDS)
export type CreateTeamBody = Static<typeof CreateTeamBody>

export const ListTeamsQuery = Type.Object({ max: Max('Maximum number of teams to return.'), cursor: Cursor })
export type ListTeamsQuery = Static<typeof ListTeamsQuery>

/** Update a Team: Webex takes the name (required) and the description. */
export const UpdateTeamBody = Body(TEAM_FIELDS)
export type UpdateTeamBody = Static<typeof UpdateTeamBody>

/** Read-only fields of a team that `teams.update(team)` sends back; accepted and ignored. */
export const TEAM_ECHO = ['id', 'creatorId', 'created'] as const
