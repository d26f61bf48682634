/*
 * Adding people to a space, and the membership events every change of members records.
 * Shared by the embedded backend and governance, so both keep the same rules and record the same events.
 */
import { ConflictError } from '../errors.js'
import type { Ctx } from '../store/ctx.js'
import { toMembership, type MembershipRow, type PersonRow, type RoomRow } from '../domain/rows.js'
import { resolvePerson } from './people.js'

/** The person a request adds to a space (by personId or personEmail); 409 when they are a member already. */
export async function newMember (
  ctx: Ctx,
  room: RoomRow,
  body: { personId?: string; personEmail?: string }
): Promise<PersonRow> {
  const person = await resolvePerson(ctx, body)
  if (await ctx.membership(room.id, person.id)) {
    throw new ConflictError('The person is already a member of this space.')
  }
  return person
}

/** Adds a member and records the event; the caller has already checked the rules. */
export async function addMember (
  ctx: Ctx,
  room: RoomRow,
  person: PersonRow,
  isModerator: boolean,
  actorId: string
): Promise<MembershipRow> {
  const now = ctx.now()
  // room_created given as the space has it: the schema's trigger that fills it in when it is missing or wrong
  // (SQLite's runs after the INSERT, as an UPDATE of the row and its index entry) then has nothing to do.
  const m = await ctx.get<MembershipRow>(
    'INSERT INTO memberships (room_id, person_id, is_moderator, created, room_created) VALUES (?,?,?,?,?) RETURNING *',
    room.id,
    person.id,
    isModerator ? 1 : 0,
    now,
    room.created
  ) as MembershipRow
  await emitMembership(ctx, 'created', room, m, person, actorId)
  return m
}

export async function emitMembership (
  ctx: Ctx,
  event: 'created' | 'updated' | 'deleted',
  room: RoomRow,
  m: MembershipRow,
  person: PersonRow,
  actorId: string
): Promise<void> {
  await ctx.emit({
    resource: 'memberships',
    event,
    actorId,
    roomId: room.id,
    orgId: room.org_id,
    data: toMembership(m, person, room.type),
  })
}
