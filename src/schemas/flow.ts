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
      type: Type.String(meta({ summary: 'Trigger type', description: 'ApiConnectionWebhook or Recurrence.' })),
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
})

export const FlowRun = Type.Object({
  id: Type.String(meta({ summary: 'Run ID', description: 'The run.' })),
  flowId: Type.String(meta({ summary: 'Flow ID', description: 'The flow.' })),
  status: Type.Unsafe<string>({
    type: 'string',
    enum: RUN_STATUSES,
    ...meta({
      summary: 'Status',
      description: 'Queued, Running, Succeeded, Failed, Cancelled or Skipped (trigger conditions false).',
    }),
  }),
  source: Type.String(meta({ summary: 'Started by', description: 'event, recurrence or manual.' })),
  triggerName: Type.String(meta({ summary: 'Trigger', description: 'The trigger that fired.' })),
  triggerBody: Type.Unknown(
    meta({ summary: 'Trigger body', description: 'What triggerBody() returned in this run.' })
  ),
  created: DateTime({ summary: 'Triggered', description: 'When the trigger fired.' }),
  started: Type.Optional(DateTime({ summary: 'Started', description: 'When the run started.' })),
  finished: Type.Optional(DateTime({ summary: 'Finished', description: 'When the run ended.' })),
  error: Type.Optional(ErrorInfo),
  actions: Type.Optional(
    Type.Array(
      FlowRunAction,
      meta({ summary: 'Actions', description: 'Each action run, in the order they finished.' })
    )
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
  max: Max('Runs per page.'),
  cursor: Cursor,
})
