import { encodeId } from '../ids.js'
import type { Person } from '../schemas/person.js'
import type { Room } from '../schemas/room.js'
import type { Membership, TeamMembership } from '../schemas/membership.js'
import type { Message } from '../schemas/message.js'
import type { Team } from '../schemas/team.js'
import type { Caller } from './caller.js'

/** Row shapes as SQLite returns them; ids are bare uuids, the API's Webex ids are built on the way out. */
export interface PersonRow {
  seq: number
  id: string
  org_id: string
  email: string
  display_name: string
  first_name: string
  last_name: string
  nick_name: string | null
  avatar: string | null
  phone_numbers: string
  roles: string
  status: string
  type: string
  created: string
  last_activity: string | null
}
export interface RoomRow {
  seq: number
  id: string
  title: string | null
  type: 'direct' | 'group'
  is_locked: number
  team_id: string | null
  creator_id: string
  org_id: string
  direct_key: string | null
  created: string
  last_activity: string
  member_count: number
  external_count: number
  classification_id: string | null
  is_blocked: number
  is_announcement_only: number
}
export interface MembershipRow {
  seq: number
  room_id: string
  person_id: string
  is_moderator: number
  is_room_hidden: number
  created: string
}
export interface MessageRow {
  seq: number
  id: string
  room_id: string
  person_id: string
  parent_id: string | null
  text: string | null
  markdown: string | null
  files: string | null
  mentioned_people: string | null
  mentioned_groups: string | null
  to_person_id: string | null
  to_person_email: string | null
  created: string
  attachments: string | null
  updated: string | null
  edits: number
}
export interface TeamRow {
  seq: number
  id: string
  name: string
  description: string | null
  creator_id: string
  created: string
}
export interface TeamMembershipRow {
  seq: number
  team_id: string
  person_id: string
  is_moderator: number
  created: string
}

/** The identity a person acts with: `token` is the credential the caller presented ('' for a flow's owner). */
export function toCaller (p: PersonRow, token: string): Caller {
  return { token, personId: p.id, orgId: p.org_id, roles: JSON.parse(p.roles) as string[] }
}

export function toPerson (p: PersonRow): Person {
  return {
    id: encodeId('PEOPLE', p.id),
    emails: [p.email],
    phoneNumbers: JSON.parse(p.phone_numbers),
    displayName: p.display_name,
    ...(p.nick_name ? { nickName: p.nick_name } : {}),
    firstName: p.first_name,
    lastName: p.last_name,
    ...(p.avatar ? { avatar: p.avatar } : {}),
    orgId: encodeId('ORGANIZATION', p.org_id),
    roles: JSON.parse(p.roles),
    created: p.created,
    ...(p.last_activity ? { lastActivity: p.last_activity } : {}),
    status: p.status,
    type: p.type,
  }
}

/** A 1:1 space has no title of its own: each side sees the other person's name. */
export function toRoom (r: RoomRow, title: string): Room {
  return {
    id: encodeId('ROOM', r.id),
    title,
    type: r.type,
    isLocked: r.is_locked === 1,
    ...(r.team_id ? { teamId: encodeId('TEAM', r.team_id) } : {}),
    lastActivity: r.last_activity,
    creatorId: encodeId('PEOPLE', r.creator_id),
    created: r.created,
    ownerId: encodeId('ORGANIZATION', r.org_id),
    ...(r.classification_id ? { classificationId: encodeId('CLASSIFICATION', r.classification_id) } : {}),
    isAnnouncementOnly: r.is_announcement_only === 1 && r.is_locked === 1,
    isReadOnly: r.is_blocked === 1,
  }
}

export function membershipId (personId: string, roomId: string): string {
  return encodeId('MEMBERSHIP', `${personId}:${roomId}`)
}

export function toMembership (m: MembershipRow, p: PersonRow, roomType: 'direct' | 'group'): Membership {
  return {
    id: membershipId(m.person_id, m.room_id),
    roomId: encodeId('ROOM', m.room_id),
    roomType,
    personId: encodeId('PEOPLE', p.id),
    personEmail: p.email,
    personDisplayName: p.display_name,
    personOrgId: encodeId('ORGANIZATION', p.org_id),
    isModerator: m.is_moderator === 1,
    isMonitor: false,
    isRoomHidden: m.is_room_hidden === 1,
    created: m.created,
  }
}

export function toTeamMembership (m: TeamMembershipRow, p: PersonRow): TeamMembership {
  return {
    id: encodeId('TEAM_MEMBERSHIP', `${m.person_id}:${m.team_id}`),
    teamId: encodeId('TEAM', m.team_id),
    personId: encodeId('PEOPLE', p.id),
    personEmail: p.email,
    personDisplayName: p.display_name,
    personOrgId: encodeId('ORGANIZATION', p.org_id),
    isModerator: m.is_moderator === 1,
    created: m.created,
  }
}

/** The author is shown by id and email only. */
type MessageAuthor = Pick<PersonRow, 'id' | 'email'>

export function toMessage (m: MessageRow, author: MessageAuthor, roomType: 'direct' | 'group'): Message {
  const list = (json: string | null): string[] | undefined => {
    const v = json ? (JSON.parse(json) as string[]) : []
    return v.length > 0 ? v : undefined
  }
  const files = list(m.files)
  const attachments = m.attachments ? (JSON.parse(m.attachments) as Message['attachments']) : undefined
  const mentionedPeople = list(m.mentioned_people)
  const mentionedGroups = list(m.mentioned_groups)
  return {
    id: encodeId('MESSAGE', m.id),
    ...(m.parent_id ? { parentId: encodeId('MESSAGE', m.parent_id) } : {}),
    roomId: encodeId('ROOM', m.room_id),
    roomType,
    ...(m.to_person_id ? { toPersonId: encodeId('PEOPLE', m.to_person_id) } : {}),
    ...(m.to_person_email ? { toPersonEmail: m.to_person_email } : {}),
    ...(m.text !== null ? { text: m.text } : {}),
    ...(m.markdown !== null ? { markdown: m.markdown } : {}),
    ...(files ? { files } : {}),
    ...(attachments && attachments.length > 0 ? { attachments } : {}),
    personId: encodeId('PEOPLE', author.id),
    personEmail: author.email,
    ...(mentionedPeople ? { mentionedPeople: mentionedPeople.map(id => encodeId('PEOPLE', id)) } : {}),
    ...(mentionedGroups ? { mentionedGroups } : {}),
    created: m.created,
    ...(m.updated ? { updated: m.updated } : {}),
  }
}

export function toTeam (t: TeamRow): Team {
  return {
    id: encodeId('TEAM', t.id),
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    creatorId: encodeId('PEOPLE', t.creator_id),
    created: t.created,
  }
}
