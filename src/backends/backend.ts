import type { Room, ListRoomsQuery, CreateRoomBody, UpdateRoomBody } from '../schemas/room.js'
import type {
  Membership,
  TeamMembership,
  ListMembershipsQuery,
  CreateMembershipBody,
  UpdateMembershipBody,
  CreateTeamMembershipBody,
  ListTeamMembershipsQuery,
  UpdateTeamMembershipBody,
} from '../schemas/membership.js'
import type { Message, CreateMessageBody, ListMessagesQuery } from '../schemas/message.js'
import type { Person, ListPeopleQuery, PeopleList } from '../schemas/person.js'
import type { Team, CreateTeamBody, ListTeamsQuery } from '../schemas/team.js'
import type { Event, ListEventsQuery } from '../schemas/event.js'

/** Who is calling: resolved from the bearer token by the backend that owns the identities. */
export interface Caller {
  token: string
  personId: string
  orgId: string
  roles: string[]
  /** A flow acting as its owner, in-process: not subject to the connection throttle. */
  internal?: boolean
}

/** A page of a list; `cursor` continues it and is absent on the last page. */
export interface Page<T> {
  items: T[]
  cursor?: string
}

/** List queries reach the backend with `max` already clamped to the endpoint's limit. */
export type Paged<Q> = Omit<Q, 'max'> & { max: number }

/**
 * What the routes call. The embedded backend implements it over local storage; the Webex backend over the
 * Webex REST API. Every method enforces who may see and change what, so routes hold no permission rules.
 */
export interface WebexBackend {
  authenticate(token: string): Promise<Caller | undefined>

  getMe(caller: Caller): Promise<Person>
  getPerson(caller: Caller, personId: string): Promise<Person>
  listPeople(caller: Caller, query: Paged<ListPeopleQuery>): Promise<PeopleList & { cursor?: string }>

  listRooms(caller: Caller, query: Paged<ListRoomsQuery>): Promise<Page<Room>>
  createRoom(caller: Caller, body: CreateRoomBody): Promise<Room>
  getRoom(caller: Caller, roomId: string): Promise<Room>
  updateRoom(caller: Caller, roomId: string, body: UpdateRoomBody): Promise<Room>
  deleteRoom(caller: Caller, roomId: string): Promise<void>

  listMemberships(caller: Caller, query: Paged<ListMembershipsQuery>): Promise<Page<Membership>>
  createMembership(caller: Caller, body: CreateMembershipBody): Promise<Membership>
  getMembership(caller: Caller, membershipId: string): Promise<Membership>
  updateMembership(caller: Caller, membershipId: string, body: UpdateMembershipBody): Promise<Membership>
  deleteMembership(caller: Caller, membershipId: string): Promise<void>

  listMessages(caller: Caller, query: Paged<ListMessagesQuery>): Promise<Page<Message>>
  createMessage(caller: Caller, body: CreateMessageBody): Promise<Message>
  getMessage(caller: Caller, messageId: string): Promise<Message>
  deleteMessage(caller: Caller, messageId: string): Promise<void>

  listTeams(caller: Caller, query: Paged<ListTeamsQuery>): Promise<Page<Team>>
  createTeam(caller: Caller, body: CreateTeamBody): Promise<Team>
  getTeam(caller: Caller, teamId: string): Promise<Team>

  listTeamMemberships(caller: Caller, query: Paged<ListTeamMembershipsQuery>): Promise<Page<TeamMembership>>
  createTeamMembership(caller: Caller, body: CreateTeamMembershipBody): Promise<TeamMembership>
  getTeamMembership(caller: Caller, id: string): Promise<TeamMembership>
  updateTeamMembership(caller: Caller, id: string, body: UpdateTeamMembershipBody): Promise<TeamMembership>
  deleteTeamMembership(caller: Caller, id: string): Promise<void>

  /** Webex's Events API: compliance officers only. */
  listEvents(caller: Caller, query: Paged<ListEventsQuery>): Promise<Page<Event>>
  getEvent(caller: Caller, id: string): Promise<Event>

  close(): Promise<void>
}
