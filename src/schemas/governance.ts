import { Type, type Static } from '@sinclair/typebox'
import { Cursor, DateTime, Max, meta } from './common.js'
import { Room } from './room.js'

export const Tag = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The tag id.' })),
  name: Type.String(
    meta({ summary: 'name', description: 'The tag name, unique in the organisation (case-insensitive).' })
  ),
  created: DateTime({ summary: 'created', description: 'When the tag was created.' }),
})
export type Tag = Static<typeof Tag>
export const TagName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9 _.&/-]*$',
  ...meta({
    summary: 'Tag name',
    description: 'Letters, digits, spaces and _ . & / -, starting with a letter or digit.',
    visibility: 'important',
  }),
})
export const TagBody = Type.Object({ name: TagName })

export const Classification = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The classification id.' })),
  rank: Type.Integer(meta({ summary: 'rank', description: '0 (least sensitive) to 4.' })),
  title: Type.String(meta({ summary: 'title', description: 'The classification title.' })),
  description: Type.String(meta({ summary: 'description', description: 'What the level means.' })),
  enabled: Type.Boolean(meta({ summary: 'enabled', description: 'Whether spaces can be given this level.' })),
  lastModified: DateTime({ summary: 'lastModified', description: 'When the level last changed.' }),
  orgId: Type.String(meta({ summary: 'orgId', description: 'The organisation.' })),
})
export type Classification = Static<typeof Classification>

export const GovernedSpace = Type.Object({
  ...Room.properties,
  memberCount: Type.Integer(meta({ summary: 'memberCount', description: 'How many members the space has.' })),
  externalMemberCount: Type.Integer(
    meta({ summary: 'externalMemberCount', description: 'Members from other organisations.' })
  ),
  externalDomains: Type.Array(
    Type.String(),
    meta({ summary: 'externalDomains', description: 'Email domains of the external members.' })
  ),
  tags: Type.Array(Type.String(), meta({ summary: 'tags', description: "Names of the space's tags." })),
  isBlocked: Type.Boolean(
    meta({ summary: 'isBlocked', description: 'Blocked spaces take no new messages or members.' })
  ),
})
export type GovernedSpace = Static<typeof GovernedSpace>

const csv = (summary: string, description: string) =>
  Type.Optional(Type.String({ minLength: 1, ...meta({ summary, description, visibility: 'advanced' }) }))

/** The conditions of advanced search, shared with retention policies. */
export const SpaceConditions = Type.Object({
  title: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      ...meta({
        summary: 'Title contains',
        description: 'Case-insensitive substring of the title.',
        visibility: 'important',
      }),
    })
  ),
  tags: csv('Tags', 'Tag names, comma-separated.'),
  tagsMode: Type.Optional(
    Type.String({
      enum: ['any', 'all'],
      ...meta({
        summary: 'Tags mode',
        description: 'any: at least one of the tags; all: every tag.',
        visibility: 'advanced',
      }),
    })
  ),
  groups: csv('Directory groups', 'Group ids, comma-separated: spaces with members in any of them.'),
  scope: Type.Optional(
    Type.String({
      enum: ['internal', 'external'],
      ...meta({
        summary: 'Scope',
        description: 'internal: no external members; external: at least one.',
        visibility: 'advanced',
      }),
    })
  ),
  domains: csv('External domains', 'Spaces with external members from any of these email domains, comma-separated.'),
  type: Type.Optional(
    Type.String({
      enum: ['group', 'direct'],
      ...meta({ summary: 'Type', description: 'group for spaces, direct for 1:1.', visibility: 'advanced' }),
    })
  ),
  activeAfter: Type.Optional(
    Type.String({
      format: 'date-time',
      ...meta({ summary: 'Active after', description: 'Last activity after this time.', visibility: 'advanced' }),
    })
  ),
  activeBefore: Type.Optional(
    Type.String({
      format: 'date-time',
      ...meta({ summary: 'Active before', description: 'Last activity before this time.', visibility: 'advanced' }),
    })
  ),
  inactiveDays: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 36500,
      ...meta({
        summary: 'Inactive for days',
        description: 'No activity for at least this many days.',
        visibility: 'advanced',
      }),
    })
  ),
  classificationId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Classification', description: 'Spaces with this classification.', visibility: 'advanced' }),
    })
  ),
})
export type SpaceConditions = Static<typeof SpaceConditions>

export const SearchQuery = Type.Object({
  ...SpaceConditions.properties,
  sortBy: Type.Optional(
    Type.String({
      enum: ['created', 'lastactivity'],
      ...meta({ summary: 'Sort by', description: 'created or lastactivity, newest first.', visibility: 'advanced' }),
    })
  ),
  max: Max('Maximum number of spaces to return.'),
  cursor: Cursor,
})
export type SearchQuery = Static<typeof SearchQuery>

export const GovernanceMemberBody = Type.Object({
  personId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Person ID', description: 'The person to add.', visibility: 'advanced' }),
    })
  ),
  personEmail: Type.Optional(
    Type.String({
      minLength: 3,
      maxLength: 320,
      pattern: '^[^@\\s]+@[^@\\s]+$',
      ...meta({ summary: 'Email', description: 'The email of the person to add.', visibility: 'important' }),
    })
  ),
  isModerator: Type.Optional(
    Type.Boolean(meta({ summary: 'Is moderator?', description: 'Add as a moderator.', visibility: 'advanced' }))
  ),
})

export const ClassificationBody = Type.Object({
  classificationId: Type.String({
    minLength: 1,
    ...meta({
      summary: 'Classification',
      description: 'The classification to give the space.',
      visibility: 'important',
    }),
  }),
})

export const Group = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The group id.' })),
  name: Type.String(meta({ summary: 'name', description: 'The group name.' })),
  description: Type.Optional(Type.String(meta({ summary: 'description', description: 'What the group is.' }))),
  memberIds: Type.Array(Type.String(), meta({ summary: 'memberIds', description: 'Person ids of the members.' })),
  created: DateTime({ summary: 'created', description: 'When the group was created.' }),
})
export const GroupBody = Type.Object({
  name: Type.String({
    minLength: 1,
    maxLength: 128,
    ...meta({ summary: 'Name', description: 'The group name.', visibility: 'important' }),
  }),
  description: Type.Optional(
    Type.String({
      maxLength: 1024,
      ...meta({ summary: 'Description', description: 'What the group is.', visibility: 'advanced' }),
    })
  ),
  memberEmails: Type.Optional(
    Type.Array(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }), {
      maxItems: 1000,
      ...meta({ summary: 'Member emails', description: 'Emails of the members.', visibility: 'important' }),
    })
  ),
})

export const PolicyConditions = Type.Object(
  {
    tags: Type.Optional(Type.Array(Type.String(), meta({ summary: 'Tags', description: 'Tag names.' }))),
    tagsMode: Type.Optional(
      Type.String({ enum: ['any', 'all'], ...meta({ summary: 'Tags mode', description: 'any or all.' }) })
    ),
    groups: Type.Optional(
      Type.Array(Type.String(), meta({ summary: 'Groups', description: 'Directory group ids.' }))
    ),
    scope: Type.Optional(
      Type.String({
        enum: ['internal', 'external'],
        ...meta({ summary: 'Scope', description: 'internal or external.' }),
      })
    ),
    inactiveDays: Type.Optional(
      Type.Integer({
        minimum: 0,
        ...meta({ summary: 'Inactive for days', description: 'No activity for this many days.' }),
      })
    ),
    classificationId: Type.Optional(
      Type.String(meta({ summary: 'Classification', description: 'Classification id.' }))
    ),
  },
  meta({ summary: 'Conditions', description: 'All given conditions must hold; none given matches every space.' })
)
export type PolicyConditions = Static<typeof PolicyConditions>

/** A preservation lock, as policies and overrides show it. */
function LockFields (what: string) {
  return {
    locked: Type.Boolean(
      meta({ summary: 'locked', description: `Under a preservation lock: the ${what} can only be extended.` })
    ),
    lockedAt: Type.Optional(DateTime({ summary: 'lockedAt', description: 'When it was locked.' })),
    lockedBy: Type.Optional(Type.String(meta({ summary: 'lockedBy', description: 'Who locked it.' }))),
  }
}

export const Policy = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The policy id.' })),
  name: Type.String(meta({ summary: 'name', description: 'The policy name.' })),
  conditions: PolicyConditions,
  action: Type.String({
    enum: ['deleteMessages', 'deleteSpaces'],
    ...meta({ summary: 'action', description: 'deleteMessages older than days, or deleteSpaces inactive for days.' }),
  }),
  days: Type.Integer(meta({ summary: 'days', description: 'The retention period.' })),
  enabled: Type.Boolean(meta({ summary: 'enabled', description: 'Disabled policies never apply.' })),
  priority: Type.Integer(
    meta({ summary: 'priority', description: 'Breaks ties between equal periods: lower first.' })
  ),
  noticeDays: Type.Array(
    Type.Integer(),
    meta({ summary: 'noticeDays', description: 'Days before a deletion falls due that notices are sent.' })
  ),
  ...LockFields('policy'),
  created: DateTime({ summary: 'created', description: 'When the policy was created.' }),
})
export type Policy = Static<typeof Policy>
export const PolicyBody = Type.Object({
  name: Type.String({
    minLength: 1,
    maxLength: 128,
    ...meta({ summary: 'Name', description: 'The policy name.', visibility: 'important' }),
  }),
  conditions: Type.Optional(PolicyConditions),
  action: Type.String({
    enum: ['deleteMessages', 'deleteSpaces'],
    ...meta({ summary: 'Action', description: 'deleteMessages or deleteSpaces.', visibility: 'important' }),
  }),
  days: Type.Integer({
    minimum: 0,
    maximum: 36500,
    ...meta({ summary: 'Days', description: 'The retention period in days.', visibility: 'important' }),
  }),
  enabled: Type.Optional(
    Type.Boolean({
      default: true,
      ...meta({ summary: 'Enabled', description: 'Whether the policy applies.', visibility: 'advanced' }),
    })
  ),
  priority: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 10000,
      default: 100,
      ...meta({ summary: 'Priority', description: 'Lower wins a tie.', visibility: 'advanced' }),
    })
  ),
  noticeDays: Type.Optional(
    Type.Array(Type.Integer({ minimum: 1, maximum: 36500 }), {
      maxItems: 10,
      ...meta({
        summary: 'Notice days',
        description:
          'Send disposition notices this many days before a space or its messages fall due, e.g. 30, 7, 1.',
        visibility: 'advanced',
      }),
    })
  ),
})
export type PolicyBody = Static<typeof PolicyBody>

export const OverrideBody = Type.Object({
  mode: Type.String({
    enum: ['keep', 'days'],
    ...meta({
      summary: 'Mode',
      description: 'keep: keep indefinitely; days: delete messages older than days.',
      visibility: 'important',
    }),
  }),
  days: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 36500,
      ...meta({ summary: 'Days', description: 'With mode days, the retention period.', visibility: 'important' }),
    })
  ),
})
export const Override = Type.Object({
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space.' })),
  mode: Type.String(meta({ summary: 'mode', description: 'keep or days.' })),
  days: Type.Optional(Type.Integer(meta({ summary: 'days', description: 'The period, with mode days.' }))),
  ...LockFields('manual retention'),
  created: DateTime({ summary: 'created', description: 'When the override was set.' }),
})
export type Override = Static<typeof Override>

export const PlanBody = Type.Object({
  roomId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Space', description: 'Plan for this space only.', visibility: 'important' }),
    })
  ),
})
const HoldRef = Type.Object(
  {
    id: Type.String(meta({ summary: 'id', description: 'The legal hold.' })),
    name: Type.String(meta({ summary: 'name', description: 'Its name.' })),
  },
  meta({ summary: 'hold', description: 'The legal hold that keeps the space.' })
)
export const PlanItem = Type.Object({
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space.' })),
  title: Type.String(meta({ summary: 'title', description: 'The space title.' })),
  action: Type.String(
    meta({ summary: 'action', description: 'deleteMessages, deleteSpace, or hold (a legal hold keeps it).' })
  ),
  messages: Type.Integer(meta({ summary: 'messages', description: 'Messages that would be erased.' })),
  before: Type.Optional(DateTime({ summary: 'before', description: 'Messages created before this are erased.' })),
  decidedBy: Type.String(meta({ summary: 'decidedBy', description: 'The policy id, override, or hold.' })),
  hold: Type.Optional(HoldRef),
  overruled: Type.Optional(
    Type.String(meta({ summary: 'overruled', description: 'With a hold: the policy id (or override) it beats.' }))
  ),
  wouldErase: Type.Optional(
    Type.Integer(meta({ summary: 'wouldErase', description: 'With a hold: messages it keeps from being erased.' }))
  ),
  reason: Type.String(meta({ summary: 'reason', description: 'Why, in words.' })),
})
export type PlanItem = Static<typeof PlanItem>
export const Plan = Type.Object({
  spaces: Type.Integer(meta({ summary: 'spaces', description: 'Spaces with something to erase.' })),
  messages: Type.Integer(meta({ summary: 'messages', description: 'Messages that would be erased in all.' })),
  spacesToDelete: Type.Integer(meta({ summary: 'spacesToDelete', description: 'Spaces that would be deleted.' })),
  held: Type.Integer(
    meta({ summary: 'held', description: 'Spaces a legal hold keeps that a policy or override would erase.' })
  ),
  items: Type.Array(PlanItem, meta({ summary: 'items', description: 'Per space, at most 1000.' })),
})
export type Plan = Static<typeof Plan>

export const ExecuteResult = Type.Object({
  spaces: Type.Integer(meta({ summary: 'Spaces', description: 'Spaces acted on.' })),
  messages: Type.Integer(meta({ summary: 'Messages', description: 'Messages erased.' })),
  spacesDeleted: Type.Integer(meta({ summary: 'Spaces deleted', description: 'Spaces deleted.' })),
})
export type ExecuteResult = Static<typeof ExecuteResult>

export const Hold = Type.Object({
  id: Type.String(meta({ summary: 'id', description: 'The legal hold id.' })),
  name: Type.String(meta({ summary: 'name', description: 'The matter or case the hold is for.' })),
  reason: Type.Optional(Type.String(meta({ summary: 'reason', description: 'Why the content is kept.' }))),
  kind: Type.String(meta({ summary: 'kind', description: 'space, person or tag.' })),
  roomId: Type.Optional(Type.String(meta({ summary: 'roomId', description: 'The space held.' }))),
  personId: Type.Optional(
    Type.String(meta({ summary: 'personId', description: 'The person held: every space they are or were in.' }))
  ),
  tagId: Type.Optional(
    Type.String(meta({ summary: 'tagId', description: 'The tag held: every space carrying it.' }))
  ),
  active: Type.Boolean(meta({ summary: 'active', description: 'false once released.' })),
  created: DateTime({ summary: 'created', description: 'When the hold was placed.' }),
  createdBy: Type.String(meta({ summary: 'createdBy', description: 'Who placed it.' })),
  released: Type.Optional(DateTime({ summary: 'released', description: 'When it was released.' })),
  releasedBy: Type.Optional(Type.String(meta({ summary: 'releasedBy', description: 'Who released it.' }))),
})
export type Hold = Static<typeof Hold>

export const HoldBody = Type.Object({
  name: Type.String({
    minLength: 1,
    maxLength: 128,
    ...meta({
      summary: 'Name',
      description: 'The matter or case, e.g. "Smith v. Example".',
      visibility: 'important',
    }),
  }),
  reason: Type.Optional(
    Type.String({
      maxLength: 1024,
      ...meta({ summary: 'Reason', description: 'Why the content is kept.', visibility: 'advanced' }),
    })
  ),
  roomId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Space', description: 'Hold this space.', visibility: 'important' }),
    })
  ),
  personId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({
        summary: 'Person ID',
        description: 'Hold every space this person is or was in.',
        visibility: 'advanced',
      }),
    })
  ),
  personEmail: Type.Optional(
    Type.String({
      pattern: '^[^@\\s]+@[^@\\s]+$',
      ...meta({
        summary: 'Person email',
        description: 'Hold every space this person is or was in.',
        visibility: 'important',
      }),
    })
  ),
  tagId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Tag', description: 'Hold every space carrying this tag.', visibility: 'advanced' }),
    })
  ),
})
export type HoldBody = Static<typeof HoldBody>

export const AuditRecord = Type.Object({
  id: Type.Integer(meta({ summary: 'id', description: 'The record number.' })),
  at: DateTime({ summary: 'at', description: 'When.' }),
  actorId: Type.Optional(Type.String(meta({ summary: 'actorId', description: 'Who, for manual actions.' }))),
  policyId: Type.Optional(Type.String(meta({ summary: 'policyId', description: 'Which policy, for retention.' }))),
  roomId: Type.Optional(Type.String(meta({ summary: 'roomId', description: 'The space.' }))),
  action: Type.String(meta({ summary: 'action', description: 'What was done.' })),
  detail: Type.Unknown(meta({ summary: 'detail', description: 'What exactly.' })),
  prevHash: Type.String(
    meta({ summary: 'prevHash', description: 'SHA-256 (hex) of the previous record of the organisation.' })
  ),
  hash: Type.String(
    meta({ summary: 'hash', description: 'SHA-256 (hex) of prevHash and this record: the link of the chain.' })
  ),
})
export type AuditRecord = Static<typeof AuditRecord>

export const AuditVerification = Type.Object({
  verified: Type.Boolean(meta({ summary: 'verified', description: 'Every record links to the one before it.' })),
  records: Type.Integer(meta({ summary: 'records', description: 'Records checked.' })),
  head: Type.Optional(
    Type.Object(
      {
        id: Type.Integer(meta({ summary: 'id', description: 'The last record.' })),
        at: DateTime({ summary: 'at', description: 'When it was written.' }),
        hash: Type.String(meta({ summary: 'hash', description: 'Its hash: keep it to detect a later truncation.' })),
      },
      meta({ summary: 'head', description: 'The newest record, when the chain holds.' })
    )
  ),
  firstBroken: Type.Optional(
    Type.Object(
      {
        id: Type.Integer(meta({ summary: 'id', description: 'The first record that breaks the chain.' })),
        at: DateTime({ summary: 'at', description: 'When it says it was written.' }),
        action: Type.String(meta({ summary: 'action', description: 'What it says was done.' })),
        problem: Type.String(meta({ summary: 'problem', description: 'Why the link is broken.' })),
      },
      meta({ summary: 'firstBroken', description: 'The first broken link, when the chain does not hold.' })
    )
  ),
  lastGood: Type.Optional(
    Type.Object(
      {
        id: Type.Integer(meta({ summary: 'id', description: 'The last record before the break.' })),
        hash: Type.String(meta({ summary: 'hash', description: 'Its hash.' })),
      },
      meta({ summary: 'lastGood', description: 'The last record that still links, before the break.' })
    )
  ),
})
export type AuditVerification = Static<typeof AuditVerification>
export const AuditQuery = Type.Object({
  roomId: Type.Optional(
    Type.String(meta({ summary: 'Space', description: 'Only this space.', visibility: 'important' }))
  ),
  policyId: Type.Optional(
    Type.String(meta({ summary: 'Policy', description: 'Only this policy.', visibility: 'advanced' }))
  ),
  from: Type.Optional(
    Type.String({
      format: 'date-time',
      ...meta({ summary: 'From', description: 'At or after this time.', visibility: 'advanced' }),
    })
  ),
  to: Type.Optional(
    Type.String({
      format: 'date-time',
      ...meta({ summary: 'To', description: 'Before this time.', visibility: 'advanced' }),
    })
  ),
  max: Max('Maximum number of records to return.'),
  cursor: Cursor,
})
export type AuditQuery = Static<typeof AuditQuery>

export const Disposition = Type.Object({
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space.' })),
  title: Type.String(meta({ summary: 'title', description: 'The space title.' })),
  action: Type.String(
    meta({ summary: 'action', description: 'deleteSpace, or deleteMessages (its oldest messages fall due).' })
  ),
  due: DateTime({ summary: 'due', description: 'When it falls due, if nothing changes.' }),
  daysLeft: Type.Integer(meta({ summary: 'daysLeft', description: 'Days until then, rounded up.' })),
  decidedBy: Type.String(meta({ summary: 'decidedBy', description: 'The policy id, or override.' })),
  policyName: Type.Optional(Type.String(meta({ summary: 'policyName', description: 'The policy.' }))),
  extraDays: Type.Integer(meta({ summary: 'extraDays', description: "The space's extension, in days." })),
  noticesExcluded: Type.Boolean(meta({ summary: 'noticesExcluded', description: 'No notices for this space.' })),
})
export type Disposition = Static<typeof Disposition>

/** The data of the "When a space is due for deletion" trigger: the disposition and the notice sent. */
export const DispositionEventData = Type.Object({
  ...Disposition.properties,
  tier: Type.Integer(meta({ summary: 'tier', description: 'The notice: this many days (or fewer) before.' })),
  recipients: Type.Integer(meta({ summary: 'recipients', description: 'People the notice went to.' })),
  policyId: Type.String(meta({ summary: 'policyId', description: 'The policy it falls due under.' })),
})

export const DispositionSettings = Type.Object({
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space.' })),
  extraDays: Type.Integer(
    meta({ summary: 'extraDays', description: 'Days added to every policy period for this space.' })
  ),
  noticesExcluded: Type.Boolean(meta({ summary: 'noticesExcluded', description: 'No notices for this space.' })),
  updated: Type.Optional(DateTime({ summary: 'updated', description: 'When this last changed.' })),
})
export type DispositionSettings = Static<typeof DispositionSettings>

const Reason = Type.Optional(
  Type.String({
    maxLength: 1024,
    ...meta({ summary: 'Reason', description: 'Why, for the audit.', visibility: 'advanced' }),
  })
)
export const ExtendBody = Type.Object({
  days: Type.Integer({
    minimum: 1,
    maximum: 36500,
    ...meta({ summary: 'Days', description: 'Days to add to the deadline.', visibility: 'important' }),
  }),
  reason: Reason,
})
/** A reason for the audit, where the call has no body. */
export const ReasonQuery = Type.Object({ reason: Reason })

/** Exports: CSV or JSON. */
const ExportFormat = Type.Optional(
  Type.String({
    enum: ['csv', 'json'],
    default: 'json',
    ...meta({ summary: 'Format', description: 'csv or json.', visibility: 'important' }),
  })
)
export const SpacesExportQuery = Type.Object({
  ...SpaceConditions.properties,
  sortBy: SearchQuery.properties.sortBy,
  format: ExportFormat,
})
export type SpacesExportQuery = Static<typeof SpacesExportQuery>
export const AuditExportQuery = Type.Object({
  roomId: AuditQuery.properties.roomId,
  policyId: AuditQuery.properties.policyId,
  from: AuditQuery.properties.from,
  to: AuditQuery.properties.to,
  format: ExportFormat,
})
export const PlanExportQuery = Type.Object({ roomId: PlanBody.properties.roomId, format: ExportFormat })
