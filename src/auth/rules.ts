import { ForbiddenError, NotFoundError } from '../errors.js'

/**
 * Who may do what in a space. Pure functions over what the backend already loaded, so both backends and the
 * governance layer apply the same rules. Not being able to see a space answers 404, as Webex does, so a
 * caller cannot probe which spaces exist.
 */
export const COMPLIANCE_OFFICER = 'compliance_officer'

export interface SpaceView {
  isLocked: boolean
  /** Announcement mode (in a locked space): only moderators post. */
  isAnnouncementOnly?: boolean
  isBlocked?: boolean
  type: 'direct' | 'group'
  orgId: string
}
export interface MemberView {
  isModerator: boolean
}
export interface CallerView {
  orgId: string
  roles: string[]
}

export function isComplianceOfficer (caller: CallerView, orgId?: string): boolean {
  return caller.roles.includes(COMPLIANCE_OFFICER) && (orgId === undefined || caller.orgId === orgId)
}

/** Members read a space; a compliance officer reads every space of their organisation. */
export function assertCanRead (
  caller: CallerView,
  space: SpaceView | undefined,
  member: MemberView | undefined
): asserts space is SpaceView {
  if (!space) throw new NotFoundError()
  if (!member && !isComplianceOfficer(caller, space.orgId)) throw new NotFoundError()
}

export function assertMember (
  space: SpaceView | undefined,
  member: MemberView | undefined
): asserts member is MemberView {
  if (!space || !member) throw new NotFoundError()
}

/**
 * Every member posts, also in a locked (moderated) space, as at Webex; a locked space in announcement mode
 * takes messages from its moderators only.
 */
export function assertCanPost (space: SpaceView, member: MemberView): void {
  assertNotBlocked(space)
  if (space.isAnnouncementOnly && !member.isModerator) {
    throw new ForbiddenError('This space is locked in announcement mode: only moderators can post messages.')
  }
  if (space.isAnnouncementOnly && !member.isModerator) {
    throw new ForbiddenError('This space is in announcement mode: only moderators can post messages.')
  }
}

/** In a locked space only moderators add, remove or change members. A 1:1 space keeps exactly two members. */
export function assertCanManageMembers (space: SpaceView, member: MemberView): void {
  assertNotBlocked(space)
  if (space.type === 'direct') throw new ForbiddenError('Members of a 1:1 space cannot be changed.')
  if (space.isLocked && !member.isModerator) {
    throw new ForbiddenError('This space is locked: only moderators can manage its members.')
  }
}

export function assertCanEditSpace (space: SpaceView, member: MemberView): void {
  if (space.isLocked && !member.isModerator) {
    throw new ForbiddenError('This space is locked: only moderators can change it.')
  }
}

/** A space blocked by a compliance officer takes no new messages or members, whoever asks. */
export function assertNotBlocked (space: SpaceView): void {
  if (space.isBlocked) {
    throw new ForbiddenError(
      'This space is blocked by your organisation: its content stays readable, but nothing can be added.'
    )
  }
}
