import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * The JSON Schema of a flow file: Logic Apps' workflow definition wrapped with who the flow runs as.
 * Only the shape is checked here; names, references and expressions are checked by load.ts.
 */
export const RUN_AFTER_STATUSES = ['Succeeded', 'Failed', 'Skipped', 'TimedOut'] as const
export const ACTION_TYPES = [
  'ApiConnection',
  'OpenApiConnection',
  'Compose',
  'If',
  'Foreach',
  'Switch',
  'Scope',
  'Terminate',
  'Wait',
  'Delay',
  'Http',
  'InitializeVariable',
  'SetVariable',
  'IncrementVariable',
  'AppendToArrayVariable',
  'Query',
] as const
export const TRIGGER_TYPES = ['ApiConnectionWebhook', 'OpenApiConnectionWebhook', 'Recurrence'] as const
const DURATION = '^P(?!$)(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$'

const Enum = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) })
const when = (type: string, then: Record<string, unknown>) => ({
  if: { properties: { type: { const: type } }, required: ['type'] },
  then,
})
const requires = (type: string, ...props: string[]) => when(type, { required: props })
const requiresInputs = (type: string, ...props: string[]) =>
  when(type, { required: ['inputs'], properties: { inputs: { type: 'object', required: props } } })

const Duration = Type.String({ pattern: DURATION, description: 'An ISO 8601 duration such as PT30S or P1D.' })
const RetryPolicy = Type.Object(
  {
    type: Enum(['none', 'fixed', 'exponential'] as const),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })),
    interval: Type.Optional(Duration),
    minimumInterval: Type.Optional(Duration),
    maximumInterval: Type.Optional(Duration),
  },
  { additionalProperties: false }
)

const Host = Type.Object({
  connection: Type.Optional(Type.Object({ name: Type.String() })),
  apiId: Type.Optional(Type.String()),
  connectionName: Type.Optional(Type.String()),
  operationId: Type.Optional(Type.String({ minLength: 1 })),
})

const actionMap = (self: TSchema) => Type.Record(Type.String({ pattern: '^[^\\[\\]\'"@{}]{1,80}$' }), self)

export const Action = Type.Recursive(
  Self =>
    Type.Object(
      {
        type: Enum(ACTION_TYPES),
        description: Type.Optional(Type.String()),
        runAfter: Type.Optional(
          Type.Record(Type.String(), Type.Array(Enum(RUN_AFTER_STATUSES), { minItems: 1, uniqueItems: true }))
        ),
        inputs: Type.Optional(Type.Unknown()),
        expression: Type.Optional(Type.Unknown()),
        actions: Type.Optional(actionMap(Self)),
        else: Type.Optional(Type.Object({ actions: actionMap(Self) }, { additionalProperties: false })),
        cases: Type.Optional(
          Type.Record(
            Type.String(),
            Type.Object(
              { case: Type.Union([Type.String(), Type.Number(), Type.Boolean()]), actions: actionMap(Self) },
              { additionalProperties: false }
            )
          )
        ),
        default: Type.Optional(Type.Object({ actions: actionMap(Self) }, { additionalProperties: false })),
        foreach: Type.Optional(Type.Unknown()),
        runtimeConfiguration: Type.Optional(
          Type.Object({
            concurrency: Type.Optional(Type.Object({ repetitions: Type.Integer({ minimum: 1, maximum: 50 }) })),
          })
        ),
        limit: Type.Optional(Type.Object({ timeout: Type.Optional(Duration) })),
        retryPolicy: Type.Optional(RetryPolicy),
        metadata: Type.Optional(Type.Unknown()),
      },
      {
        additionalProperties: false,
        allOf: [
          requires('If', 'expression', 'actions'),
          requires('Foreach', 'foreach', 'actions'),
          requires('Switch', 'expression', 'cases'),
          requires('Scope', 'actions'),
          requires('Compose', 'inputs'),
          requiresInputs('ApiConnection', 'host'),
          requiresInputs('OpenApiConnection', 'host'),
          requiresInputs('Terminate', 'runStatus'),
          requiresInputs('Wait', 'interval'),
          requiresInputs('Delay', 'interval'),
          requiresInputs('Http', 'method', 'uri'),
          requiresInputs('InitializeVariable', 'variables'),
          requiresInputs('SetVariable', 'name', 'value'),
          requiresInputs('IncrementVariable', 'name'),
          requiresInputs('AppendToArrayVariable', 'name', 'value'),
          requiresInputs('Query', 'from', 'where'),
        ],
      }
    ),
  { $id: 'FlowAction' }
)
export type Action = Static<typeof Action>

export const Trigger = Type.Object(
  {
    type: Enum(TRIGGER_TYPES),
    description: Type.Optional(Type.String()),
    inputs: Type.Optional(
      Type.Object({
        host: Host,
        parameters: Type.Optional(
          Type.Object(
            {
              roomId: Type.Optional(Type.String({ description: 'Only events in this space.' })),
              filter: Type.Optional(Type.String({ description: 'A Webex webhook filter, e.g. roomType=group.' })),
            },
            { additionalProperties: false }
          )
        ),
        body: Type.Optional(Type.Unknown()),
        path: Type.Optional(Type.String()),
      })
    ),
    recurrence: Type.Optional(
      Type.Object(
        {
          frequency: Enum(['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month'] as const),
          interval: Type.Integer({ minimum: 1 }),
          startTime: Type.Optional(Type.String({ format: 'date-time' })),
          timeZone: Type.Optional(Type.String()),
        },
        { additionalProperties: false }
      )
    ),
    conditions: Type.Optional(
      Type.Array(Type.Object({ expression: Type.String({ pattern: '^@' }) }, { additionalProperties: false }))
    ),
    splitOn: Type.Optional(Type.String()),
    metadata: Type.Optional(Type.Unknown()),
  },
  {
    additionalProperties: false,
    allOf: [
      requires('Recurrence', 'recurrence'),
      requiresInputs('ApiConnectionWebhook', 'host'),
      requiresInputs('OpenApiConnectionWebhook', 'host'),
    ],
  }
)
export type Trigger = Static<typeof Trigger>

export const Definition = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    contentVersion: Type.Optional(Type.String()),
    parameters: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({
          type: Type.String(),
          defaultValue: Type.Optional(Type.Unknown()),
          metadata: Type.Optional(Type.Unknown()),
        })
      )
    ),
    triggers: Type.Record(Type.String(), Trigger, { minProperties: 1, maxProperties: 1 }),
    actions: actionMap(Action),
    outputs: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false }
)

/** A file in flows/: the Logic Apps definition plus who it runs as (the connection's identity there). */
export const FlowFile = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    owner: Type.String({
      minLength: 3,
      description: 'Email of the person the flow runs as; its actions have exactly their rights.',
    }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    definition: Definition,
  },
  { additionalProperties: false }
)
export type FlowFile = Static<typeof FlowFile>
