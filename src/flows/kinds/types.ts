import type { Trigger } from '../../triggers/catalog.js'
import type { TSchema } from '@sinclair/typebox'
import type { Template } from '../expression.js'
import type { EvalContext } from '../functions.js'
import type { OperationCatalog, OperationReply } from '../operations.js'
import type { Condition } from '../conditions.js'
import type { SandboxResult } from '../sandbox/sandbox.js'
import type { WorkflowConnections } from '../workflow-connections.js'
import type { Maps } from '../maps.js'

export type RunStatus = 'Succeeded' | 'Failed' | 'Skipped' | 'TimedOut' | 'Cancelled'
export const RUN_AFTER_STATUSES = ['Succeeded', 'Failed', 'Skipped', 'TimedOut'] as const

/** One action of a definition as written (after its type name and runAfter statuses are put in canonical case). */
export type ActionJson = Record<string, unknown> & {
  type: string
  inputs?: unknown
  runAfter?: Record<string, string[]>
}

export interface Retry {
  type: 'none' | 'fixed' | 'exponential'
  count: number
  intervalMs: number
  minMs: number
  maxMs: number
}

/** An action compiled for running: the generic parts every kind has, and the kind's own compiled `data`. */
export interface Step<D = unknown> {
  name: string
  kind: ActionKind<D>
  runAfter: Record<string, RunStatus[]>
  /** The part of `inputs` evaluated before the action runs (what the history shows as its inputs). */
  inputs?: Template
  data: D
  retry: Retry
  timeoutMs?: number
  secure: { inputs: boolean; outputs: boolean }
  /** trackedProperties: evaluated when the action has finished, kept with its record. */
  tracked?: Template
  /** runtimeConfiguration.staticResult: the mocked result that stands in for running the action. */
  staticResult?: { status: RunStatus; outputs?: unknown; error?: { code: string; message: string } }
  /** operationOptions, lower case. */
  options: Set<string>
  /** runtimeConfiguration.paginationPolicy.minimumItemCount */
  minimumItemCount?: number
  /** runtimeConfiguration.contentTransfer.transferMode Chunked */
  chunked: boolean
  path: string
}

/** What load-time checks of a kind can ask of the compiler. */
export interface Compiler {
  readonly catalog: OperationCatalog
  problem(path: string, message: string): void
  /** Compiles a JSON value with expressions; `perItem` marks templates evaluated once per element (item()). */
  template(path: string, value: unknown): Template | undefined
  condition(path: string, value: unknown): Condition | undefined
  /** Compiles nested actions (a new runAfter scope); `loop` names the Foreach/Until they repeat in. */
  steps(path: string, actions: unknown, loop?: { name: string; foreach: boolean }): Step[]
  declareVariable(name: string): void
  /** Inside a Foreach or Until (Response, Terminate and InitializeVariable are refused there). */
  readonly inLoop: boolean
  readonly topLevel: boolean
  /** The flow's trigger kind (Response needs a Request trigger). */
  readonly triggerType: string
  /** The flow starts one run per element (splitOn): a Response cannot answer synchronously. */
  readonly splitOn: boolean
  /** Whether inline code (JavaScriptCode) can run here: the sandbox's availability. */
  inlineCode(): { ok: true } | { ok: false; reason: string }
}

export interface ActionOutcome {
  status?: RunStatus
  outputs?: unknown
  body?: unknown
  error?: { code: string; message: string }
  /** What the history shows as the inputs when it differs from the evaluated inputs (e.g. a request sent). */
  inputs?: unknown
}

/** A failure of an action: its code and message as the run history shows them; retryable ones follow the policy. */
export class ActionFailure extends Error {
  constructor (
    readonly code: string,
    message: string,
    readonly outputs?: unknown,
    readonly body?: unknown,
    readonly retryable = false,
    readonly retryAfterMs?: number
  ) {
    super(message)
  }
}

/** An outbound HTTP request of a flow (Http action and trigger, HttpWebhook, Workflow token calls). */
export interface HttpRequest {
  method: string
  uri: string
  headers?: Record<string, unknown>
  queries?: Record<string, unknown>
  body?: unknown
  authentication?: unknown
  cookie?: unknown
}

/** The services of the run an action kind may use. The run executor implements them. */
export interface RunServices {
  readonly flowId: string
  readonly runId: string
  now(): number
  sleep(ms: number): Promise<void>
  render(t: Template, scope: unknown): unknown
  /** The evaluation context of a scope; `item` makes a child scope whose item() is that element. */
  context(scope: unknown, item?: { name: string; item: unknown; index: number }): EvalContext
  /** Runs nested actions in runAfter order; returns the name of an unhandled failure. */
  runSteps(steps: Step[], scope: unknown): Promise<string | undefined>
  /** A new scope for one repetition of a loop. */
  childScope(scope: unknown, loop: { name: string; item: unknown; index: number }, label: string): unknown
  skip(steps: Step[], scope: unknown): void
  condition(c: Condition, scope: unknown): boolean
  readonly stopped: boolean
  variables: VariableStore
  catalog: OperationCatalog
  call(method: string, url: string, query: Record<string, string>, body: unknown): Promise<OperationReply>
  http(req: HttpRequest, step: Step): Promise<OperationReply>
  /** Response action: answers the caller of the Request trigger. */
  respond(reply: OperationReply, step: Step): void
  /** Workflow action: calls another flow's callable trigger and waits for its Response. */
  callWorkflow(
    flowId: string,
    triggerName: string | undefined,
    body: unknown,
    headers: Record<string, string>,
    asyncPattern: boolean
  ): Promise<OperationReply>
  /** HttpWebhook action: a callback URL for this action, and the request that comes to it. */
  webhook(step: Step): Promise<{ headers: Record<string, string>; body: unknown }>
  /** JavaScriptCode: runs the code in the sandbox, outside the service's process. */
  inlineCode(code: string, contextJson: string): Promise<SandboxResult>
  /** Agent and Function: the workflow's connections (connections.json). */
  readonly connections: WorkflowConnections
  /** Xslt: the maps folder (FLOWS_MAPS_DIR). */
  readonly maps: Maps
  /** An Agent's tool: a scope whose agentParameters() are the arguments the model called it with. */
  toolScope(scope: unknown, parameters: Record<string, unknown>, label: string): unknown
  /** The delay before the next attempt of a call by the step's retry policy; undefined: no more attempts. */
  retryDelay(step: Step, attempts: number, failure: ActionFailure): number | undefined
}

/** Thrown by Terminate: the run stops with this status; the runner turns it into the run's outcome. */
export class TerminateSignal extends Error {
  constructor (
    readonly status: RunStatus,
    readonly runError?: { code: string; message: string }
  ) {
    super('Terminated')
  }
}

export interface VariableStore {
  get(name: string): { type: string; value: unknown } | undefined
  init(name: string, type: string, value: unknown): void
  set(name: string, value: unknown): void
}

export interface ActionRun<D> {
  step: Step<D>
  data: D
  inputs: unknown
  scope: unknown
  ctx: EvalContext
  run: RunServices
}

/** One action type: its schema, its load-time checks and how it runs. Registered in kinds/index.ts. */
export interface ActionKind<D = unknown> {
  type: string
  /** Other names of the same type (Delay for Wait, OpenApiConnection for ApiConnection). */
  aliases?: string[]
  /** Top-level properties this kind takes besides the common ones; `self` is the schema of a nested action. */
  properties?(self: TSchema): Record<string, TSchema>
  required?: string[]
  /** The shape of `inputs` (a value with expressions; `undefined`: no inputs). */
  inputs?: TSchema
  /** Whether inputs are required. */
  inputsRequired?: boolean
  /** What may be set in runtimeConfiguration besides secureData and staticResult. */
  runtime?: Array<'concurrency' | 'paginationPolicy' | 'contentTransfer'>
  /** The operationOptions this kind takes. */
  operationOptions?: string[]
  /** The action has a callback URL of its own (HttpWebhook): listCallbackUrl() in its inputs returns it. */
  callback?: boolean
  /** Calls out (operations, Http): Logic Apps' default retry policy applies and inputs.retryPolicy is allowed. */
  retries?: boolean
  /** limit properties this kind takes (every kind takes timeout). */
  limit?: Array<'count'>
  /** The part of the inputs evaluated before the action runs (default: the inputs without retryPolicy). */
  evaluated?(inputs: Record<string, unknown>): unknown
  /**
   * Whether running it (with these evaluated inputs) changes nothing outside the run and waits for nothing: a
   * run that has done only such actions can run again from its start after a crash as if it never had, so the
   * runtime may keep it in memory until its end or its first other action (runtime.ts, "claims"). Unset: it may
   * change something (a new kind is held to the durable path until someone says otherwise).
   */
  pure?(data: D, inputs: unknown): boolean
  compile?(a: ActionJson, c: Compiler, path: string, name: string): D
  /** The actions nested in this one, every branch and case (result() finds a scope's actions through it). */
  children?(data: D): Step[]
  run(x: ActionRun<D>): Promise<ActionOutcome>
}

/** An action type that is recognised and refused at load, with the reason. */
export interface RefusedKind {
  type: string
  reason: string
}

/** The compiled trigger data, one shape per way a trigger starts runs. */
export type TriggerData =
  | { source: 'event'; trigger: Trigger; filter?: string }
  | { source: 'schedule'; recurrence: Recurrence }
  | {
    source: 'request'
    kind: string
    method?: string
    relativePath?: string
    schema?: import('../json-schema.js').UserSchema
    headersSchema?: import('../json-schema.js').UserSchema
    /** Tenant / User: the caller must be a person of the owner's organisation (User: one of `allowed`). */
    authentication?: { type: 'Tenant' | 'User'; allowed: string[] }
  }
  | { source: 'poll'; recurrence: Recurrence; request: Template }
  | { source: 'webhook'; subscribe: Template; unsubscribe?: Template }

export interface Recurrence {
  frequency: 'Second' | 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month'
  interval: number
  startTime?: string
  endTime?: string
  /** IANA zone the start time and schedule are read in (from the Windows name). */
  zone?: string
  timeZone?: string
  schedule?: { hours?: number[]; minutes?: number[]; weekDays?: number[]; monthDays?: number[] }
}

export interface TriggerCompiler {
  readonly catalog: OperationCatalog
  problem(path: string, message: string): void
  template(path: string, value: unknown): Template | undefined
  recurrence(path: string, value: unknown): Recurrence | undefined
}

/** One trigger type: its schema, its load-time checks; the runtime starts runs by its `source`. */
export interface TriggerKind {
  type: string
  aliases?: string[]
  /** The trigger has a signed callback URL (listCallbackUrl(), the door): Request, HttpWebhook, connector webhooks. */
  callback?: boolean
  properties?(): Record<string, TSchema>
  required?: string[]
  operationOptions?: string[]
  compile(t: ActionJson, c: TriggerCompiler, path: string): TriggerData | undefined
}

export const defineAction = <D>(k: ActionKind<D>): ActionKind => k as unknown as ActionKind
