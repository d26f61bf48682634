import { Type, type Static } from '@sinclair/typebox'
import { Cursor, DateTime, Max, meta } from './common.js'

const RUN_STATUSES = ['Queued', 'Running', 'Succeeded', 'Failed', 'Cancelled', 'Skipped']
const ACTION_STATUSES = ['Succeeded', 'Failed', 'Skipped', 'TimedOut', 'Cancelled']
const ErrorInfo = Type.Object(
  {
    code: Type.String(
      meta({ summary: 'Error code', description: 'e.g. ActionFailed, InvalidTemplate, RunInterrupted.' })
    ),
    message: Type.String(meta({ summary: 'Error message', description: 'What went wrong.' })),
  },
  meta({ summary: 'Error', description: 'Why it failed.' })
)

export const Flow = Type.Object({
  id: Type.String(meta({ summary: 'Flow ID', description: 'The flow file name without .json.' })),
  description: Type.String(meta({ summary: 'Description', description: 'What the flow does.' })),
  ownerEmail: Type.String(
    meta({ summary: 'Runs as', description: "The person whose rights the flow's actions have." })
  ),
  enabled: Type.Boolean(meta({ summary: 'Enabled', description: 'Whether the trigger starts runs.' })),
  trigger: Type.Object(
    {
      name: Type.String(meta({ summary: 'Trigger name', description: "The trigger's name in the definition." })),
      type: Type.String(
        meta({
          summary: 'Trigger type',
          description: 'ApiConnectionWebhook, Recurrence, Request, Http or HttpWebhook.',
        })
      ),
      method: Type.Optional(
        Type.String(meta({ summary: 'Method', description: 'Request trigger: the HTTP method it accepts.' }))
      ),
      relativePath: Type.Optional(
        Type.String(meta({ summary: 'Relative path', description: 'Request trigger: the path after paths/invoke.' }))
      ),
      timeZone: Type.Optional(
        Type.String(meta({ summary: 'Time zone', description: 'Recurrence: the Windows time zone of its schedule.' }))
      ),
      operationId: Type.Optional(
        Type.String(meta({ summary: 'Connector trigger', description: 'The connector trigger it subscribes to.' }))
      ),
      filter: Type.Optional(
        Type.String(meta({ summary: 'Filter', description: 'The Webex filter of the subscription.' }))
      ),
      recurrence: Type.Optional(
        Type.String(meta({ summary: 'Recurrence', description: 'Every interval frequency, e.g. 1 Day.' }))
      ),
      nextRun: Type.Optional(DateTime({ summary: 'Next run', description: 'When the recurrence fires next.' })),
    },
    meta({ summary: 'Trigger', description: 'What starts the flow.' })
  ),
  actions: Type.Array(
    Type.String(),
    meta({ summary: 'Actions', description: 'The top-level actions, in definition order.' })
  ),
  graph: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(meta({ summary: 'Action', description: 'The action name (unique in the flow).' })),
        type: Type.String(meta({ summary: 'Type', description: 'The action type.' })),
        parent: Type.Optional(
          Type.String(meta({ summary: 'Inside', description: 'The Scope, Foreach, If, Switch or Until it is in.' }))
        ),
        runAfter: Type.Record(
          Type.String(),
          Type.Array(Type.String()),
          meta({ summary: 'Runs after', description: 'The actions it runs after, with the statuses it waits for.' })
        ),
      }),
      meta({
        summary: 'Action graph',
        description: 'Get Flow only: every action, nested ones too, with its container and runAfter edges.',
      })
    )
  ),
})
export type Flow = Static<typeof Flow>

export const FlowRunAction = Type.Object({
  name: Type.String(meta({ summary: 'Action', description: 'The action name.' })),
  iteration: Type.Optional(
    Type.String(meta({ summary: 'Iteration', description: 'Inside a Foreach: which repetition, e.g. Loop[2].' }))
  ),
  type: Type.String(meta({ summary: 'Type', description: 'The action type.' })),
  status: Type.Unsafe<string>({
    type: 'string',
    enum: ACTION_STATUSES,
    ...meta({ summary: 'Status', description: 'Succeeded, Failed, Skipped, TimedOut or Cancelled.' }),
  }),
  attempts: Type.Integer(meta({ summary: 'Attempts', description: 'Tries, retries included.' })),
  inputs: Type.Optional(Type.Unknown(meta({ summary: 'Inputs', description: 'The evaluated inputs.' }))),
  outputs: Type.Optional(Type.Unknown(meta({ summary: 'Outputs', description: 'What the action produced.' }))),
  error: Type.Optional(ErrorInfo),
  startTime: DateTime({ summary: 'Start', description: 'When it started.' }),
  endTime: DateTime({ summary: 'End', description: 'When it ended.' }),
  durationMs: Type.Integer(meta({ summary: 'Duration (ms)', description: 'How long it took.' })),
  trackedProperties: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Unknown(),
      meta({ summary: 'Tracked properties', description: "The action's trackedProperties, evaluated." })
    )
  ),
  reusedFrom: Type.Optional(
    Type.String(
      meta({
        summary: 'Reused from',
        description: 'Resubmitted from a later action: the run whose recorded result this is (not run again).',
      })
    )
  ),
})

export const FlowRun = Type.Object({
  id: Type.String(meta({ summary: 'Run ID', description: 'The run.' })),
  flowId: Type.String(meta({ summary: 'Flow ID', description: 'The flow.' })),
  status: Type.Unsafe<string>({
    type: 'string',
    enum: RUN_STATUSES,
    ...meta({
      summary: 'Status',
      description:
        'Queued, Running, Succeeded, Failed, Cancelled or Skipped ' +
        '(not started: more runs were waiting than the trigger allows).',
    }),
  }),
  source: Type.String(
    meta({ summary: 'Started by', description: 'event, recurrence, manual, request, poll, webhook or workflow.' })
  ),
  triggerName: Type.String(meta({ summary: 'Trigger', description: 'The trigger that fired.' })),
  triggerBody: Type.Unknown(meta({ summary: 'Trigger body', description: 'What triggerBody() returned in this run.' })),
  clientTrackingId: Type.Optional(
    Type.String(meta({ summary: 'Client tracking id', description: "The trigger's correlation.clientTrackingId." }))
  ),
  created: DateTime({ summary: 'Triggered', description: 'When the trigger fired.' }),
  started: Type.Optional(DateTime({ summary: 'Started', description: 'When the run started.' })),
  finished: Type.Optional(DateTime({ summary: 'Finished', description: 'When the run ended.' })),
  error: Type.Optional(ErrorInfo),
  outputs: Type.Optional(
    Type.Unknown(meta({ summary: 'Outputs', description: "The definition's outputs, evaluated." }))
  ),
  resubmittedFrom: Type.Optional(
    Type.String(meta({ summary: 'Resubmitted from', description: 'The run this one was resubmitted from.' }))
  ),
  actionsToResubmit: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String(meta({ summary: 'Action', description: 'A top-level action.' })) }),
      meta({
        summary: 'Resubmitted from actions',
        description: 'The actions it ran again from; the ones before them were reused from the origin run.',
      })
    )
  ),
  actions: Type.Optional(
    Type.Array(FlowRunAction, meta({ summary: 'Actions', description: 'Each action run, in the order they finished.' }))
  ),
})
export type FlowRun = Static<typeof FlowRun>

export const UpdateFlowBody = Type.Object(
  {
    enabled: Type.Boolean(
      meta({ summary: 'Enabled', description: "Turn the flow's trigger on or off.", visibility: 'important' })
    ),
  },
  { additionalProperties: false }
)

export const RunFlowBody = Type.Object(
  {
    triggerBody: Type.Optional(
      Type.Unknown(
        meta({
          summary: 'Trigger body',
          description: 'What triggerBody() returns in this run (e.g. a webhook envelope).',
        })
      )
    ),
  },
  { additionalProperties: false }
)

export const ListRunsQuery = Type.Object({
  status: Type.Optional(
    Type.Unsafe<string>({
      type: 'string',
      enum: RUN_STATUSES,
      ...meta({ summary: 'Status', description: 'Only runs with this status.', visibility: 'advanced' }),
    })
  ),
  trackedName: Type.Optional(
    Type.String(
      meta({
        summary: 'Tracked property',
        description: 'Only runs with an action tracking this property.',
        visibility: 'advanced',
      })
    )
  ),
  trackedValue: Type.Optional(
    Type.String(
      meta({
        summary: 'Tracked value',
        description: 'With trackedName: only runs where it has this value.',
        visibility: 'advanced',
      })
    )
  ),
  clientTrackingId: Type.Optional(
    Type.String(
      meta({
        summary: 'Client tracking id',
        description: 'Only runs with this client tracking id.',
        visibility: 'advanced',
      })
    )
  ),
  createdAfter: Type.Optional(
    DateTime({ summary: 'Triggered after', description: 'Only runs triggered at or after this time.' })
  ),
  createdBefore: Type.Optional(
    DateTime({ summary: 'Triggered before', description: 'Only runs triggered before this time.' })
  ),
  max: Max('Runs per page.'),
  cursor: Cursor,
})

const ActionToResubmit = Type.Object(
  {
    name: Type.String(
      meta({ summary: 'Action', description: 'A top-level action of the flow.', visibility: 'important' })
    ),
  },
  { additionalProperties: false }
)

export const ResubmitRunBody = Type.Object(
  {
    actionsToResubmit: Type.Optional(
      Type.Array(ActionToResubmit, {
        minItems: 1,
        maxItems: 1,
        ...meta({
          summary: 'From action',
          description:
            'Run again from this top-level action: the actions before it keep the outputs they had in the origin ' +
            'run and are not run again (a message sent is not sent twice). Absent: the whole run, from its trigger.',
        }),
      })
    ),
  },
  { additionalProperties: false }
)

export const BulkResubmitBody = Type.Object(
  {
    runIds: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        maxItems: 100,
        ...meta({ summary: 'Runs', description: 'These runs (finished ones).' }),
      })
    ),
    status: Type.Optional(
      Type.Unsafe<string>({
        type: 'string',
        enum: ['Failed', 'Cancelled', 'Succeeded', 'Skipped'],
        ...meta({ summary: 'Status', description: 'Only runs with this status (e.g. Failed).' }),
      })
    ),
    createdAfter: Type.Optional(
      DateTime({ summary: 'Triggered after', description: 'Only runs triggered at or after this time.' })
    ),
    createdBefore: Type.Optional(
      DateTime({ summary: 'Triggered before', description: 'Only runs triggered before this time.' })
    ),
  },
  { additionalProperties: false, minProperties: 1 }
)

export const CancelledRuns = Type.Object({
  cancelled: Type.Integer(meta({ summary: 'Cancelled', description: 'How many queued runs were cancelled.' })),
})

export const CallbackUrl = Type.Object({
  value: Type.String(meta({ summary: 'Callback URL', description: 'The signed URL that starts the flow.' })),
  method: Type.String(meta({ summary: 'Method', description: 'The HTTP method the trigger accepts.' })),
  basePath: Type.String(meta({ summary: 'Base path', description: 'The URL without its query.' })),
  queries: Type.Object(
    {
      'api-version': Type.String(meta({ summary: 'API version', description: 'The callback API version.' })),
      sp: Type.String(meta({ summary: 'Permissions', description: 'What the signature allows (the trigger run).' })),
      sv: Type.String(meta({ summary: 'Signature version', description: 'The version of the signing scheme.' })),
      sig: Type.String(meta({ summary: 'Signature', description: 'HMAC of the path with the flow key; secret.' })),
    },
    meta({ summary: 'Queries', description: 'The query parameters of the URL, the signature among them.' })
  ),
  relativePath: Type.Optional(Type.String(meta({ summary: 'Relative path', description: 'The path template.' }))),
  relativePathParameters: Type.Optional(
    Type.Array(Type.String(), meta({ summary: 'Path parameters', description: 'The names in the relative path.' }))
  ),
})
export type CallbackUrl = Static<typeof CallbackUrl>

export const KeyTypeBody = Type.Object(
  {
    keyType: Type.Unsafe<'Primary' | 'Secondary'>({
      type: 'string',
      enum: ['Primary', 'Secondary'],
      ...meta({ summary: 'Key', description: "Which of the flow's two keys.", visibility: 'important' }),
    }),
  },
  { additionalProperties: false }
)
