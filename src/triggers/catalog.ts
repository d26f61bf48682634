import { AttachmentActionEventData, MembershipEventData, MessageEventData, RoomEventData } from '../schemas/webhook.js'
import { DispositionEventData } from '../schemas/governance.js'

/**
 * The connector triggers: the seed's seven (what each subscribes to, with its names and descriptions), card
 * submissions, and the governance layer's own, for compliance officers only (`officers`).
 */
export const TRIGGERS = [
  {
    operationId: 'WhenMembershipCreated',
    path: 'memberships/created',
    resource: 'memberships',
    event: 'created',
    data: MembershipEventData,
    summary: 'When a membership is created',
    description: "Someone joined a room that you're in or you've been added to a new room.",
  },
  {
    operationId: 'WhenMembershipDeleted',
    path: 'memberships/deleted',
    resource: 'memberships',
    event: 'deleted',
    data: MembershipEventData,
    summary: 'When a membership is deleted',
    description:
      "Someone left or was kicked out of a room that you're in, or you left or were removed from a room; only " +
        'triggers for group rooms, not 1-to-1 rooms.',
  },
  {
    operationId: 'WhenMembershipUpdated',
    path: 'memberships/updated',
    resource: 'memberships',
    event: 'updated',
    data: MembershipEventData,
    summary: 'When a membership is updated',
    description:
      "Someone's membership was updated in a room that you're in; primarily used to detect moderator changes.",
  },
  {
    operationId: 'WhenMessageCreated',
    path: 'messages/created',
    resource: 'messages',
    event: 'created',
    data: MessageEventData,
    summary: 'When a message is created',
    description: "New message posted into a room that you're in.",
  },
  {
    operationId: 'WhenMessageDeleted',
    path: 'messages/deleted',
    resource: 'messages',
    event: 'deleted',
    data: MessageEventData,
    summary: 'When a message is deleted',
    description: "A message was deleted from a room that you're in.",
  },
  {
    operationId: 'WhenSpaceCreated',
    path: 'rooms/created',
    resource: 'rooms',
    event: 'created',
    data: RoomEventData,
    summary: 'When a space is created',
    description: 'A new space was created by you or one of your integrations.',
  },
  {
    operationId: 'WhenSpaceUpdated',
    path: 'rooms/updated',
    resource: 'rooms',
    event: 'updated',
    data: RoomEventData,
    summary: 'When a space is updated',
    description:
      "A space that you're in was updated; primarily used to detect when a space becomes Locked or Unlocked.",
  },
  {
    operationId: 'WhenCardSubmitted',
    path: 'attachmentActions/created',
    resource: 'attachmentActions',
    event: 'created',
    data: AttachmentActionEventData,
    summary: 'When a card is submitted',
    description:
      "Someone submitted an Adaptive Card in a space that you're in; get the inputs with Get Card Submission.",
  },
  {
    operationId: 'WhenSpaceDueForDeletion',
    path: 'governance/dispositions/due',
    resource: 'dispositions',
    event: 'due',
    data: DispositionEventData,
    summary: 'When a space is due for deletion',
    description:
      'A disposition notice went out: a space of your organisation, or its oldest messages, fall due for deletion ' +
        "under a retention policy within the policy's notice days (compliance officers only).",
    officers: true,
    hint: 'To see it work, give a retention policy notice days and run Send Disposition Notices.',
  },
] as const
export type Trigger = (typeof TRIGGERS)[number]
