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
import type { Message, CreateMessageBody, EditMessageBody, ListMessagesQuery } from '../schemas/message.js'
import type { AttachmentAction, CreateAttachmentActionBody } from '../schemas/attachment-action.js'
import type { Upload } from '../files/content-store.js'
import type { Person, ListPeopleQuery, PeopleList } from '../schemas/person.js'
import type { Team, CreateTeamBody, ListTeamsQuery, UpdateTeamBody } from '../schemas/team.js'
import type { Event, ListEventsQuery } from '../schemas/event.js'
import type { Caller, Content, Page, Paged } from '../domain/caller.js'

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
  /** `upload`: a local file sent as multipart/form-data, already streamed to disk by the route. */
  createMessage(caller: Caller, body: CreateMessageBody, upload?: Upload): Promise<Message>
  getMessage(caller: Caller, messageId: string): Promise<Message>
  updateMessage(caller: Caller, messageId: string, body: EditMessageBody): Promise<Message>
  deleteMessage(caller: Caller, messageId: string): Promise<void>

  createAttachmentAction(caller: Caller, body: CreateAttachmentActionBody): Promise<AttachmentAction>
  getAttachmentAction(caller: Caller, id: string): Promise<AttachmentAction>

  /** A message's file, for members of its space only (404 for anyone else). */
  getContent(caller: Caller, contentId: string): Promise<Content>

  listTeams(caller: Caller, query: Paged<ListTeamsQuery>): Promise<Page<Team>>
  createTeam(caller: Caller, body: CreateTeamBody): Promise<Team>
  getTeam(caller: Caller, teamId: string): Promise<Team>
  updateTeam(caller: Caller, teamId: string, body: UpdateTeamBody): Promise<Team>
  deleteTeam(caller: Caller, teamId: string): Promise<void>

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
