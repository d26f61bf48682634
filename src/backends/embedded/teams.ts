import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../errors.js'
import { decodeId, newUuid } from '../../ids.js'
import type { CreateTeamBody, ListTeamsQuery, Team, UpdateTeamBody } from '../../schemas/team.js'
import type {
  CreateTeamMembershipBody,
  ListTeamMembershipsQuery,
  TeamMembership,
  UpdateTeamMembershipBody,
} from '../../schemas/membership.js'
import type { Caller, Page, Paged } from '../backend.js'
import type { Ctx } from './context.js'
import { decodeCursor, toPage } from './cursor.js'
import { resolvePerson } from './people.js'
import {
  toTeam,
  toTeamMembership,
  type PersonRow,
  type RoomRow,
  type TeamMembershipRow,
  type TeamRow,
} from './rows.js'
import { addMember, emitRoom, spaceView } from './spaces.js'
import { eraseRoom } from './rooms.js'
import { assertNotBlocked } from '../../auth/rules.js'

export function listTeams (ctx: Ctx, caller: Caller, q: Paged<ListTeamsQuery>): Page<Team> {
  const after = decodeCursor(q.cursor, ['number'])
  const rows = ctx.all<TeamRow>(
    `SELECT t.* FROM teams t JOIN team_memberships tm ON tm.team_id = t.id
    WHERE tm.person_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?`,
    caller.personId,
    after?.[0] ?? 0,
    q.max + 1
  )
  return toPage(rows, q.max, toTeam, r => [r.seq])
}

/** A team starts with its creator as moderator and a general space of the same name. */
export function createTeam (ctx: Ctx, caller: Caller, body: CreateTeamBody): Team {
  return ctx.txGrouped(() => {
    const now = ctx.now()
    const id = newUuid()
    ctx.run(
      'INSERT INTO teams (id, name, description, creator_id, created) VALUES (?,?,?,?,?)',
      id,
      body.name,
      body.description ?? null,
      caller.personId,
      now
    )
    ctx.run(
      'INSERT INTO team_memberships (team_id, person_id, is_moderator, created) VALUES (?,?,1,?)',
      id,
      caller.personId,
      now
    )
    const roomId = newUuid()
    ctx.run(
      `INSERT INTO rooms (id, title, type, is_locked, team_id, creator_id, org_id, created, last_activity)
      VALUES (?,?,'group',0,?,?,?,?,?)`,
      roomId,
      body.name,
      id,
      caller.personId,
      caller.orgId,
      now,
      now
    )
    const room = ctx.room(roomId) as RoomRow
    addMember(ctx, room, ctx.person(caller.personId) as PersonRow, true, caller.personId)
    emitRoom(ctx, 'created', room, caller.personId)
    return toTeam(ctx.team(id) as TeamRow)
  })
}

function visibleTeam (
  ctx: Ctx,
  caller: Caller,
  teamId: string,
  field = 'teamId'
): { team: TeamRow; mine: TeamMembershipRow } {
  const local = decodeId('TEAM', teamId)
  if (!local) throw new BadRequestError(`${field} is not a valid team id.`)
  const team = ctx.team(local)
  const mine = team ? ctx.teamMembership(team.id, caller.personId) : undefined
  if (!team || !mine) throw new NotFoundError()
  return { team, mine }
}

export function getTeam (ctx: Ctx, caller: Caller, teamId: string): Team {
  return toTeam(visibleTeam(ctx, caller, teamId).team)
}

/** The team's general space: its first space. */
function generalRoom (ctx: Ctx, teamId: string): RoomRow | undefined {
  return ctx.get<RoomRow>('SELECT * FROM rooms WHERE team_id = ? ORDER BY seq LIMIT 1', teamId)
}

export function listTeamMemberships (
  ctx: Ctx,
  caller: Caller,
  q: Paged<ListTeamMembershipsQuery>
): Page<TeamMembership> {
  const { team } = visibleTeam(ctx, caller, q.teamId)
  const after = decodeCursor(q.cursor, ['number'])
  const rows = ctx.all<TeamMembershipRow>(
    'SELECT * FROM team_memberships WHERE team_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    team.id,
    after?.[0] ?? 0,
    q.max + 1
  )
  return toPage(
    rows,
    q.max,
    r => toTeamMembership(r, ctx.person(r.person_id) as PersonRow),
    r => [r.seq]
  )
}

/**
 * Any team member adds people; only moderators add moderators. The new member joins the general space, so a
 * blocked general space takes no new team members either (the block would be bypassed otherwise).
 */
export function createTeamMembership (ctx: Ctx, caller: Caller, body: CreateTeamMembershipBody): TeamMembership {
  return ctx.txGrouped(() => {
    const { team, mine } = visibleTeam(ctx, caller, body.teamId)
    if (body.isModerator === true && mine.is_moderator !== 1) {
      throw new ForbiddenError('Only team moderators can add moderators.')
    }
    const person = resolvePerson(ctx, body)
    if (ctx.teamMembership(team.id, person.id)) {
      throw new ConflictError('The person is already a member of this team.')
    }
    const general = generalRoom(ctx, team.id)
    if (general) assertNotBlocked(spaceView(general))
    ctx.run(
      'INSERT INTO team_memberships (team_id, person_id, is_moderator, created) VALUES (?,?,?,?)',
      team.id,
      person.id,
      body.isModerator === true ? 1 : 0,
      ctx.now()
    )
    if (general && !ctx.membership(general.id, person.id)) addMember(ctx, general, person, false, caller.personId)
    return toTeamMembership(ctx.teamMembership(team.id, person.id) as TeamMembershipRow, person)
  })
}

function findTeamMembership (
  ctx: Ctx,
  caller: Caller,
  id: string
): { row: TeamMembershipRow; mine: TeamMembershipRow } {
  const local = decodeId('TEAM_MEMBERSHIP', id)
  if (!local) throw new BadRequestError('membershipId is not a valid team membership id.')
  const [personId, teamId] = local.split(':')
  const row = ctx.teamMembership(teamId, personId)
  const mine = ctx.teamMembership(teamId, caller.personId)
  if (!row || !mine) throw new NotFoundError()
  return { row, mine }
}

export function getTeamMembership (ctx: Ctx, caller: Caller, id: string): TeamMembership {
  const { row } = findTeamMembership(ctx, caller, id)
  return toTeamMembership(row, ctx.person(row.person_id) as PersonRow)
}

export function updateTeamMembership (
  ctx: Ctx,
  caller: Caller,
  id: string,
  body: UpdateTeamMembershipBody
): TeamMembership {
  return ctx.txGrouped(() => {
    const { row, mine } = findTeamMembership(ctx, caller, id)
    if (mine.is_moderator !== 1) throw new ForbiddenError('Only team moderators can change team memberships.')
    ctx.run('UPDATE team_memberships SET is_moderator = ? WHERE seq = ?', body.isModerator ? 1 : 0, row.seq)
    return toTeamMembership(
      ctx.teamMembership(row.team_id, row.person_id) as TeamMembershipRow,
      ctx.person(row.person_id) as PersonRow
    )
  })
}

export function deleteTeamMembership (ctx: Ctx, caller: Caller, id: string): void {
  ctx.txGrouped(() => {
    const { row, mine } = findTeamMembership(ctx, caller, id)
    if (row.person_id !== caller.personId && mine.is_moderator !== 1) {
      throw new ForbiddenError('Only team moderators can remove other members.')
    }
    ctx.run('DELETE FROM team_memberships WHERE seq = ?', row.seq)
  })
}

/** Update a Team: a team moderator renames it or changes its description (Webex requires the name). */
export function updateTeam (ctx: Ctx, caller: Caller, teamId: string, body: UpdateTeamBody): Team {
  return ctx.txGrouped(() => {
    const { team, mine } = visibleTeam(ctx, caller, teamId)
    if (mine.is_moderator !== 1) throw new ForbiddenError('Only team moderators can change the team.')
    ctx.run(
      'UPDATE teams SET name = ?, description = ? WHERE id = ?',
      body.name,
      body.description ?? team.description,
      team.id
    )
    return toTeam(ctx.team(team.id) as TeamRow)
  })
}

/**
 * Delete a Team: a team moderator removes it with its members and its General space (and that space's
 * content); the team's other spaces stay, no longer part of a team, so no one's conversations are lost.
 */
export function deleteTeam (ctx: Ctx, caller: Caller, teamId: string): void {
  ctx.txGrouped(() => {
    const { team, mine } = visibleTeam(ctx, caller, teamId)
    if (mine.is_moderator !== 1) throw new ForbiddenError('Only team moderators can delete the team.')
    const general = generalRoom(ctx, team.id)
    if (general) eraseRoom(ctx, general, caller.personId)
    for (const room of ctx.all<RoomRow>('SELECT * FROM rooms WHERE team_id = ?', team.id)) {
      ctx.run('UPDATE rooms SET team_id = NULL WHERE id = ?', room.id)
      emitRoom(ctx, 'updated', ctx.room(room.id) as RoomRow, caller.personId)
    }
    ctx.run('DELETE FROM team_memberships WHERE team_id = ?', team.id)
    ctx.run('DELETE FROM teams WHERE id = ?', team.id)
  })
}
