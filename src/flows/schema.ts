import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { RUN_AFTER_STATUSES } from './kinds/types.js'

/**
 * The JSON Schema of a flow file: Logic Apps' workflow definition wrapped with who the flow runs as. The file's
 * shape is checked here; each trigger and action is checked by load.ts against the common properties below and
 * its kind's own schema (kinds/), then names, references and expressions.
 */
const DURATION = '^P(?!$)(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$'
export const Duration = Type.String({ pattern: DURATION, description: 'An ISO 8601 duration such as PT30S or P1D.' })

/** An object schema of exactly these properties (all optional unless `required`). */
export const objectOf = (props: Record<string, TSchema>, required: string[] = []): TSchema =>
  Type.Unsafe({ type: 'object', properties: props, additionalProperties: false, required })

const Enum = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] })

export const RetryPolicy = objectOf({
  type: Enum(['none', 'fixed', 'exponential'] as const),
  count: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })),
  interval: Type.Optional(Duration),
  minimumInterval: Type.Optional(Duration),
  maximumInterval: Type.Optional(Duration),
})

const SecureData = objectOf({ properties: Type.Array(Enum(['inputs', 'outputs'] as const), { uniqueItems: true }) })

/** Properties every action may have; a kind adds its own (kinds/*: `properties`, `inputs`). */
export const ActionCommon = {
  type: Type.String(),
  description: Type.String(),
  metadata: Type.Unknown(),
  runAfter: Type.Record(Type.String(), Type.Array(Enum(RUN_AFTER_STATUSES), { uniqueItems: true })),
  inputs: Type.Unknown(),
  runtimeConfiguration: objectOf({
    secureData: SecureData,
    staticResult: objectOf({ name: Type.String(), staticResultOptions: Enum(['Enabled', 'Disabled'] as const) }, [
      'name',
    ]),
    concurrency: objectOf({ repetitions: Type.Integer({ minimum: 1, maximum: 50 }) }, ['repetitions']),
    paginationPolicy: objectOf({ minimumItemCount: Type.Integer({ minimum: 1, maximum: 100_000 }) }, [
      'minimumItemCount',
    ]),
    contentTransfer: objectOf({ transferMode: Enum(['Chunked'] as const) }, ['transferMode']),
  }),
  operationOptions: Type.String(),
  trackedProperties: Type.Record(Type.String(), Type.Unknown()),
  limit: objectOf({ timeout: Duration, count: Type.Union([Type.Integer(), Type.String({ pattern: '^\\d+$' })]) }),
}

/** Properties every trigger may have. */
export const TriggerCommon = {
  type: Type.String(),
  description: Type.String(),
  metadata: Type.Unknown(),
  conditions: Type.Array(objectOf({ expression: Type.String({ pattern: '^@' }) })),
  splitOn: Type.String({ pattern: '^@' }),
  correlation: objectOf({ clientTrackingId: Type.String() }),
  runtimeConfiguration: objectOf({
    secureData: SecureData,
    concurrency: objectOf({
      runs: Type.Integer({ minimum: 1, maximum: 100 }),
      maximumWaitingRuns: Type.Integer({ minimum: 1, maximum: 100 }),
    }),
  }),
  operationOptions: Type.String(),
}

export const RecurrenceSchema = objectOf(
  {
    frequency: Type.String(),
    interval: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[1-9]\\d*$' })]),
    startTime: Type.String(),
    endTime: Type.String(),
    timeZone: Type.String(),
    schedule: objectOf({
      hours: Type.Unknown(),
      minutes: Type.Unknown(),
      weekDays: Type.Unknown(),
      monthDays: Type.Unknown(),
    }),
  },
  ['frequency', 'interval']
)

export const Definition = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    contentVersion: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    metadata: Type.Optional(Type.Unknown()),
    parameters: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({
          type: Type.String(),
          defaultValue: Type.Optional(Type.Unknown()),
          allowedValues: Type.Optional(Type.Array(Type.Unknown())),
          metadata: Type.Optional(Type.Unknown()),
        })
      )
    ),
    triggers: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
      minProperties: 1,
      maxProperties: 1,
    }),
    actions: Type.Record(Type.String(), Type.Unknown()),
    outputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    staticResults: Type.Optional(
      Type.Record(
        Type.String(),
        objectOf(
          { status: Type.String(), outputs: Type.Optional(Type.Unknown()), error: Type.Optional(Type.Unknown()) },
          ['status']
        )
      )
    ),
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
