import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../errors.js'
import { decodeId, newOrderedUuid, newUuid } from '../../ids.js'
import type { CreateTeamBody, ListTeamsQuery, Team, UpdateTeamBody } from '../../schemas/team.js'
import type {
  CreateTeamMembershipBody,
  ListTeamMembershipsQuery,
  TeamMembership,
  UpdateTeamMembershipBody,
} from '../../schemas/membership.js'
import type { Caller, Page, Paged } from '../../domain/caller.js'
import type { Ctx } from '../../store/ctx.js'
import { decodeCursor, toPage } from '../../store/cursor.js'
import { resolvePerson } from '../../spaces/people.js'
import {
  toTeam,
  toTeamMembership,
  type PersonRow,
  type RoomRow,
  type TeamMembershipRow,
  type TeamRow,
} from '../../domain/rows.js'
import { spaceView } from '../../spaces/space.js'
import { addMember } from '../../spaces/memberships.js'
import { emitRoom, eraseRoom } from '../../spaces/rooms.js'
import { assertNotBlocked } from '../../auth/rules.js'

export async function listTeams (ctx: Ctx, caller: Caller, q: Paged<ListTeamsQuery>): Promise<Page<Team>> {
  const after = decodeCursor(q.cursor, ['number'])
  const rows = await ctx.all<TeamRow>(
    `SELECT t.* FROM teams t JOIN team_memberships tm ON tm.team_id = t.id
    WHERE tm.person_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?`,
    caller.personId,
    after?.[0] ?? 0,
    q.max + 1
  )
  return toPage(rows, q.max, toTeam, r => [r.seq])
}

/** A team starts with its creator as moderator and a general space of the same name. */
export async function createTeam (ctx: Ctx, caller: Caller, body: CreateTeamBody): Promise<Team> {
  return await ctx.txGrouped(async () => {
    const now = ctx.now()
    const id = newUuid()
    await ctx.run(
      'INSERT INTO teams (id, name, description, creator_id, created) VALUES (?,?,?,?,?)',
      id,
      body.name,
      body.description ?? null,
      caller.personId,
      now
    )
    await ctx.run(
      'INSERT INTO team_memberships (team_id, person_id, is_moderator, created) VALUES (?,?,1,?)',
      id,
      caller.personId,
      now
    )
    const roomId = newOrderedUuid()
    await ctx.run(
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
    const room = await ctx.room(roomId) as RoomRow
    await addMember(ctx, room, await ctx.person(caller.personId) as PersonRow, true, caller.personId)
    await emitRoom(ctx, 'created', room, caller.personId)
    return toTeam(await ctx.team(id) as TeamRow)
  })
}

async function visibleTeam (
  ctx: Ctx,
  caller: Caller,
  teamId: string,
  field = 'teamId'
): Promise<{ team: TeamRow; mine: TeamMembershipRow }> {
  const local = decodeId('TEAM', teamId)
  if (!local) throw new BadRequestError(`${field} is not a valid team id.`)
  const team = await ctx.team(local)
  const mine = team ? await ctx.teamMembership(team.id, caller.personId) : undefined
  if (!team || !mine) throw new NotFoundError()
  return { team, mine }
}

export async function getTeam (ctx: Ctx, caller: Caller, teamId: string): Promise<Team> {
  return toTeam((await visibleTeam(ctx, caller, teamId)).team)
}

/** The team's general space: its first space. */
async function generalRoom (ctx: Ctx, teamId: string): Promise<RoomRow | undefined> {
  return await ctx.get<RoomRow>('SELECT * FROM rooms WHERE team_id = ? ORDER BY seq LIMIT 1', teamId)
}

export async function listTeamMemberships (
  ctx: Ctx,
  caller: Caller,
  q: Paged<ListTeamMembershipsQuery>
): Promise<Page<TeamMembership>> {
  const { team } = await visibleTeam(ctx, caller, q.teamId)
  const after = decodeCursor(q.cursor, ['number'])
  const rows = await ctx.all<TeamMembershipRow>(
    'SELECT * FROM team_memberships WHERE team_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    team.id,
    after?.[0] ?? 0,
    q.max + 1
  )
  return toPage(
    rows,
    q.max,
    async r => toTeamMembership(r, await ctx.person(r.person_id) as PersonRow),
    r => [r.seq]
  )
}

/**
 * Any team member adds people; only moderators add moderators. The new member joins the general space, so a
 * blocked general space takes no new team members either (the block would be bypassed otherwise).
 */
export async function createTeamMembership (
  ctx: Ctx,
  caller: Caller,
  body: CreateTeamMembershipBody
): Promise<TeamMembership> {
  return await ctx.txGrouped(async () => {
    const { team, mine } = await visibleTeam(ctx, caller, body.teamId)
    if (body.isModerator === true && mine.is_moderator !== 1) {
      throw new ForbiddenError('Only team moderators can add moderators.')
    }
    const person = await resolvePerson(ctx, body)
    if (await ctx.teamMembership(team.id, person.id)) {
      throw new ConflictError('The person is already a member of this team.')
    }
    const general = await generalRoom(ctx, team.id)
    if (general) assertNotBlocked(spaceView(general))
    await ctx.run(
      'INSERT INTO team_memberships (team_id, person_id, is_moderator, created) VALUES (?,?,?,?)',
      team.id,
      person.id,
      body.isModerator === true ? 1 : 0,
      ctx.now()
    )
    if (general && !await ctx.membership(general.id, person.id)) {
      await addMember(
        ctx,
        general,
        person,
        false,
        caller.personId
      )
    }
    return toTeamMembership(await ctx.teamMembership(team.id, person.id) as TeamMembershipRow, person)
  })
}

async function findTeamMembership (
  ctx: Ctx,
  caller: Caller,
  id: string
): Promise<{ row: TeamMembershipRow; mine: TeamMembershipRow }> {
  const local = decodeId('TEAM_MEMBERSHIP', id)
  if (!local) throw new BadRequestError('membershipId is not a valid team membership id.')
  const [personId, teamId] = local.split(':')
  const row = await ctx.teamMembership(teamId, personId)
  const mine = await ctx.teamMembership(teamId, caller.personId)
  if (!row || !mine) throw new NotFoundError()
  return { row, mine }
}

export async function getTeamMembership (ctx: Ctx, caller: Caller, id: string): Promise<TeamMembership> {
  const { row } = await findTeamMembership(ctx, caller, id)
  return toTeamMembership(row, await ctx.person(row.person_id) as PersonRow)
}

export async function updateTeamMembership (
  ctx: Ctx,
  caller: Caller,
  id: string,
  body: UpdateTeamMembershipBody
): Promise<TeamMembership> {
  return await ctx.txGrouped(async () => {
    const { row, mine } = await findTeamMembership(ctx, caller, id)
    if (mine.is_moderator !== 1) throw new ForbiddenError('Only team moderators can change team memberships.')
    await ctx.run('UPDATE team_memberships SET is_moderator = ? WHERE seq = ?', body.isModerator ? 1 : 0, row.seq)
    return toTeamMembership(
      await ctx.teamMembership(row.team_id, row.person_id) as TeamMembershipRow,
      await ctx.person(row.person_id) as PersonRow
    )
  })
}

export async function deleteTeamMembership (ctx: Ctx, caller: Caller, id: string): Promise<void> {
  await ctx.txGrouped(async () => {
    const { row, mine } = await findTeamMembership(ctx, caller, id)
    if (row.person_id !== caller.personId && mine.is_moderator !== 1) {
      throw new ForbiddenError('Only team moderators can remove other members.')
    }
    await ctx.run('DELETE FROM team_memberships WHERE seq = ?', row.seq)
  })
}

/** Update a Team: a team moderator renames it or changes its description (Webex requires the name). */
export async function updateTeam (ctx: Ctx, caller: Caller, teamId: string, body: UpdateTeamBody): Promise<Team> {
  return await ctx.txGrouped(async () => {
    const { team, mine } = await visibleTeam(ctx, caller, teamId)
    if (mine.is_moderator !== 1) throw new ForbiddenError('Only team moderators can change the team.')
    await ctx.run(
      'UPDATE teams SET name = ?, description = ? WHERE id = ?',
      body.name,
      body.description ?? team.description,
      team.id
    )
    return toTeam(await ctx.team(team.id) as TeamRow)
  })
}

/**
 * Delete a Team: a team moderator removes it with its members and its General space (and that space's
 * content); the team's other spaces stay, no longer part of a team, so no one's conversations are lost.
 */
export async function deleteTeam (ctx: Ctx, caller: Caller, teamId: string): Promise<void> {
  await ctx.txGrouped(async () => {
    const { team, mine } = await visibleTeam(ctx, caller, teamId)
    if (mine.is_moderator !== 1) throw new ForbiddenError('Only team moderators can delete the team.')
    const general = await generalRoom(ctx, team.id)
    if (general) await eraseRoom(ctx, general, caller.personId)
    for (const room of await ctx.all<RoomRow>('SELECT * FROM rooms WHERE team_id = ?', team.id)) {
      await ctx.run('UPDATE rooms SET team_id = NULL WHERE id = ?', room.id)
      await emitRoom(ctx, 'updated', await ctx.room(room.id) as RoomRow, caller.personId)
    }
    await ctx.run('DELETE FROM team_memberships WHERE team_id = ?', team.id)
    await ctx.run('DELETE FROM teams WHERE id = ?', team.id)
  })
}
