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
  classificationId: Type.Optional(
    Type.String(meta({ summary: 'classificationId', description: "The space's classification." }))
  ),
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
  created: DateTime({ summary: 'created', description: 'When the override was set.' }),
})

export const PlanBody = Type.Object({
  roomId: Type.Optional(
    Type.String({
      minLength: 1,
      ...meta({ summary: 'Space', description: 'Plan for this space only.', visibility: 'important' }),
    })
  ),
})
export const PlanItem = Type.Object({
  roomId: Type.String(meta({ summary: 'roomId', description: 'The space.' })),
  title: Type.String(meta({ summary: 'title', description: 'The space title.' })),
  action: Type.String(meta({ summary: 'action', description: 'deleteMessages or deleteSpace.' })),
  messages: Type.Integer(meta({ summary: 'messages', description: 'Messages that would be erased.' })),
  before: Type.Optional(DateTime({ summary: 'before', description: 'Messages created before this are erased.' })),
  decidedBy: Type.String(meta({ summary: 'decidedBy', description: 'The policy id, or override.' })),
  reason: Type.String(meta({ summary: 'reason', description: 'Why, in words.' })),
})
export type PlanItem = Static<typeof PlanItem>
export const Plan = Type.Object({
  spaces: Type.Integer(meta({ summary: 'spaces', description: 'Spaces with something to erase.' })),
  messages: Type.Integer(meta({ summary: 'messages', description: 'Messages that would be erased in all.' })),
  spacesToDelete: Type.Integer(meta({ summary: 'spacesToDelete', description: 'Spaces that would be deleted.' })),
  items: Type.Array(PlanItem, meta({ summary: 'items', description: 'Per space, at most 1000.' })),
})
export type Plan = Static<typeof Plan>

export const AuditRecord = Type.Object({
  id: Type.Integer(meta({ summary: 'id', description: 'The record number.' })),
  at: DateTime({ summary: 'at', description: 'When.' }),
  actorId: Type.Optional(Type.String(meta({ summary: 'actorId', description: 'Who, for manual actions.' }))),
  policyId: Type.Optional(Type.String(meta({ summary: 'policyId', description: 'Which policy, for retention.' }))),
  roomId: Type.Optional(Type.String(meta({ summary: 'roomId', description: 'The space.' }))),
  action: Type.String(meta({ summary: 'action', description: 'What was done.' })),
  detail: Type.Unknown(meta({ summary: 'detail', description: 'What exactly.' })),
})
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
