import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import { FlowLoadError, schemaProblems } from '../load.js'
import { DEMO } from '../../demo.js'

const Person = Type.Unsafe<keyof typeof DEMO.tokens>({
  type: 'string',
  enum: Object.keys(DEMO.tokens),
  description: 'A person of the demo organisation, whose token makes the call.',
})
const Partial = Type.Unknown({ description: 'Matched as a partial object: every property named must match.' })

/** One call of the REST API that adds data to the fresh demo organisation before the trigger fires. */
const DataStep = Type.Object(
  {
    as: Person,
    method: Type.Optional(Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('DELETE')])),
    path: Type.String({ pattern: '^/v1/' }),
    body: Type.Optional(Type.Unknown()),
    /** Later strings can say ${name.field} for a field of this call's answer (e.g. ${card.id}). */
    save: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
  },
  { additionalProperties: false }
)

/** What starts the run; absent, the runs the data's events started are the ones checked. */
const Trigger = Type.Union([
  Type.Object({ body: Type.Unknown() }, { additionalProperties: false }),
  Type.Object({ event: Type.Unknown() }, { additionalProperties: false }),
  Type.Object(
    {
      request: Type.Object(
        {
          method: Type.Optional(Type.String()),
          relativePath: Type.Optional(Type.String()),
          headers: Type.Optional(Type.Record(Type.String(), Type.String())),
          queries: Type.Optional(Type.Record(Type.String(), Type.String())),
          body: Type.Optional(Type.Unknown()),
        },
        { additionalProperties: false }
      ),
    },
    { additionalProperties: false }
  ),
  Type.Object({ recurrence: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
])

/** Logic Apps' staticResults entry: the same mock works in a Logic Apps definition. */
const StaticResult = Type.Object(
  {
    status: Type.Union(['Succeeded', 'Failed', 'TimedOut', 'Skipped'].map(s => Type.Literal(s))),
    outputs: Type.Optional(Type.Unknown()),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  },
  { additionalProperties: false }
)

const Receiver = Type.Object(
  {
    statusCode: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    body: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false }
)

const ActionExpectation = Type.Object(
  {
    status: Type.Optional(Type.String()),
    inputs: Type.Optional(Partial),
    outputs: Type.Optional(Partial),
    error: Type.Optional(Partial),
    /** How many records of this name (a Foreach repeats them); the others are matched against the last. */
    count: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false }
)

const Expect = Type.Object(
  {
    runs: Type.Optional(Type.Integer({ minimum: 0 })),
    status: Type.Optional(Type.String()),
    error: Type.Optional(Partial),
    actions: Type.Optional(Type.Record(Type.String(), ActionExpectation)),
    /** The connector calls the run made, in order, each matched partially: { operationId, query, body, status }. */
    calls: Type.Optional(Type.Array(Partial)),
    /** What each receiver got, in order (method, path, headers, body), matched partially. */
    received: Type.Optional(Type.Record(Type.String(), Type.Array(Partial))),
    /** A Request trigger's answer: statusCode, headers, body. */
    response: Type.Optional(Partial),
  },
  { additionalProperties: false }
)

const TestCase = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** The fake clock's start; delays (Wait, retries) move it on instead of waiting. */
    clock: Type.Optional(Type.String({ format: 'date-time' })),
    data: Type.Optional(Type.Array(DataStep)),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    staticResults: Type.Optional(Type.Record(Type.String(), StaticResult)),
    receivers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Receiver)),
    trigger: Type.Optional(Trigger),
    expect: Expect,
  },
  { additionalProperties: false }
)

export const FlowTestFile = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    /** The flow under test, relative to this file. */
    flow: Type.String({ minLength: 1 }),
    tests: Type.Array(TestCase, { minItems: 1 }),
  },
  { additionalProperties: false }
)
export type FlowTestFile = Static<typeof FlowTestFile>
export type FlowTestCase = Static<typeof TestCase>
export type ActionExpectation = Static<typeof ActionExpectation>

const ajv = new Ajv({ allErrors: true, strict: false })
;(addFormatsPlugin as unknown as (a: Ajv) => void)(ajv)
const validate = ajv.compile<FlowTestFile>(FlowTestFile)

/** A test file, checked; a malformed one is a FlowLoadError naming each problem's JSON path, as a flow's are. */
export function loadTestFile (file: string): FlowTestFile & { flowPath: string } {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new FlowLoadError(file, [{ path: '', message: `not valid JSON: ${(err as Error).message}` }])
  }
  if (!validate(json)) throw new FlowLoadError(file, schemaProblems(validate.errors ?? []))
  const names = new Set<string>()
  json.tests.forEach((c, i) => {
    if (names.has(c.name)) throw new FlowLoadError(file, [{ path: `/tests/${i}/name`, message: 'is not unique' }])
    names.add(c.name)
  })
  return { ...json, flowPath: resolve(dirname(file), json.flow) }
}
