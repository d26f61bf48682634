import { Type } from '@sinclair/typebox'
import { countTokens } from 'gpt-tokenizer'
import { parseDuration } from '../../datetime.js'
import { compileUserSchema, type UserSchema } from '../../json-schema.js'
import { objectOf } from '../../schema.js'
import { ActionFailure, defineAction, type ActionRun, type Step } from '../types.js'
import { inputsOf, replyOutcome } from './shared.js'

interface Tool {
  name: string
  description: string
  /** The parameters as the model is told them (JSON schema), and as its arguments are checked. */
  parameters: Record<string, unknown>
  check?: UserSchema
  actions: Step[]
}

interface AgentData {
  tools: Tool[]
  /** modelConfigurations.*.referenceName: the agentConnections entry of connections.json. */
  connection: string
  count: number
  timeoutMs: number
}

interface Message {
  role: string
  content: string | null
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>
  tool_call_id?: string
}

// Azure OpenAI's generally available data-plane version of chat completions with tools.
const API_VERSION = '2024-10-21'
// What the designer writes for a new agent: 100 iterations within an hour.
const DEFAULT_COUNT = 100
const DEFAULT_TIMEOUT = 'PT1H'
const ROLES = ['system', 'user', 'assistant']

// chat completion settings as the designer names them -> the chat completions API's names.
const COMPLETION: Record<string, string> = {
  maxTokens: 'max_tokens',
  temperature: 'temperature',
  topP: 'top_p',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
}
const completionSettings = objectOf(Object.fromEntries(Object.keys(COMPLETION).map(k => [k, Type.Unknown()])))

const HISTORY = objectOf(
  {
    agentHistoryReductionType: Type.Unsafe({ enum: ['messageCountReduction', 'maximumTokenCountReduction'] }),
    messageCountLimit: Type.Unknown(),
    maximumTokenCount: Type.Unknown(),
  },
  ['agentHistoryReductionType']
)

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

/**
 * The tool's parameter schema as the model takes it: properties marked `"required": true` (the designer's
 * draft-3 form) become the object's `required` list.
 */
function toolSchema (raw: unknown): Record<string, unknown> {
  if (!isObject(raw)) return { type: 'object', properties: {} }
  const props = isObject(raw.properties) ? raw.properties : {}
  const required = new Set(Array.isArray(raw.required) ? raw.required.map(String) : [])
  const properties: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(props)) {
    if (isObject(v) && typeof v.required === 'boolean') {
      const { required: r, ...rest } = v
      if (r) required.add(k)
      properties[k] = rest
    } else properties[k] = v
  }
  return { ...raw, type: 'object', properties, ...(required.size ? { required: [...required] } : {}) }
}

/**
 * History reduction (agentHistoryReductionSettings): the system messages always stay; of the rest, the most
 * recent ones that fit the message count or the token count (counted with the model family's tokenizer). A tool
 * answer never stays without the assistant message that asked for it.
 */
function reduce (messages: Message[], settings: Record<string, unknown> | undefined): Message[] {
  if (!settings) return messages
  const system = messages.filter(m => m.role === 'system')
  const rest = messages.filter(m => m.role !== 'system')
  let keep: Message[]
  if (settings.agentHistoryReductionType === 'messageCountReduction') {
    keep = rest.slice(-Math.max(1, Number(settings.messageCountLimit)))
  } else {
    let budget = Number(settings.maximumTokenCount) - system.reduce((n, m) => n + tokens(m), 0)
    let from = rest.length
    while (from > 0 && budget - tokens(rest[from - 1]) >= 0) budget -= tokens(rest[--from])
    keep = rest.slice(Math.min(from, rest.length - 1))
  }
  while (keep.length > 1 && keep[0].role === 'tool') keep = keep.slice(1)
  return [...system, ...keep]
}

const tokens = (m: Message): number =>
  countTokens(`${m.role}\n${m.content ?? ''}${m.tool_calls ? JSON.stringify(m.tool_calls) : ''}`)

/** The model's answer: the first choice's message, in the chat completions shape. */
function answer (body: unknown): Message {
  const msg = (body as { choices?: Array<{ message?: unknown }> } | null)?.choices?.[0]?.message
  if (!isObject(msg)) {
    throw new ActionFailure('InvalidModelResponse', 'The model answered without a message (choices[0].message).')
  }
  return {
    role: 'assistant',
    content: typeof msg.content === 'string' ? msg.content : null,
    ...(Array.isArray(msg.tool_calls) && msg.tool_calls.length
      ? { tool_calls: msg.tool_calls as Message['tool_calls'] }
      : {}),
  }
}

/** One model call, with the Agent's retry policy applied to it alone (a retry never reruns the tools). */
async function complete (
  x: ActionRun<AgentData>,
  url: string,
  key: string,
  body: Record<string, unknown>
): Promise<{ message: Message; usage?: Record<string, number> }> {
  for (let attempts = 1; ; attempts++) {
    try {
      const reply = await x.run.http(
        { method: 'POST', uri: url, headers: { 'api-key': key, 'content-type': 'application/json' }, body },
        x.step
      )
      const { body: b } = replyOutcome(reply, x.run.now())
      const usage = (b as { usage?: Record<string, number> } | null)?.usage
      return { message: answer(b), ...(usage ? { usage } : {}) }
    } catch (err) {
      if (!(err instanceof ActionFailure)) throw err
      const delay = x.run.retryDelay(x.step, attempts, err)
      // Out of attempts: the Agent fails with the model's answer, and is not rerun as a whole.
      if (delay === undefined || x.run.stopped) throw new ActionFailure(err.code, err.message, err.outputs, err.body)
      await x.run.sleep(delay)
    }
  }
}

/** What a tool's run gives back to the model: its actions' outputs by name, or the failure. */
async function runTool (
  x: ActionRun<AgentData>,
  tool: Tool,
  args: Record<string, unknown>,
  n: number
): Promise<string> {
  const inner = x.run.toolScope(x.scope, args, `${tool.name}[${n}]`)
  const failed = await x.run.runSteps(tool.actions, inner)
  const ctx = x.run.context(inner)
  const results = Object.fromEntries(tool.actions.map(s => [s.name, ctx.action(s.name)?.outputs ?? null]))
  if (failed) {
    const e = ctx.action(failed)?.error
    return JSON.stringify({ error: `The action '${failed}' failed${e ? `: ${e.code}: ${e.message}` : ''}.` })
  }
  return JSON.stringify(results)
}

/**
 * Agent (Logic Apps Standard agent workflows): an agent loop against an Azure OpenAI chat completions
 * deployment. The model gets the messages and the tools; each tool call runs that tool's actions (with
 * agentParameters() the call's arguments) and the result goes back to the model, until it answers without a tool
 * call (its text is lastAssistantMessage) or limit.count model calls or limit.timeout are used up.
 */
export const agent = defineAction<AgentData>({
  type: 'Agent',
  properties: self => ({
    tools: Type.Record(
      Type.String(),
      objectOf(
        {
          type: Type.Unknown(),
          kind: Type.Unknown(),
          description: Type.String(),
          agentParameterSchema: Type.Unknown(),
          actions: Type.Record(Type.String(), self),
          inputs: Type.Unknown(),
        },
        []
      )
    ),
    channels: Type.Unknown(),
  }),
  inputs: inputsOf(
    {
      parameters: inputsOf(
        {
          deploymentId: Type.Unknown(),
          agentModelType: Type.Unknown(),
          messages: Type.Unknown(),
          agentModelSettings: inputsOf({
            agentChatCompletionSettings: completionSettings,
            agentHistoryReductionSettings: HISTORY,
            // The deployment's model name, format and version, as the designer records them: a description.
            deploymentModelProperties: Type.Unknown(),
          }),
        },
        ['deploymentId', 'messages']
      ),
      modelConfigurations: Type.Record(Type.String(), objectOf({ referenceName: Type.String() }, ['referenceName'])),
      retryPolicy: Type.Unknown(),
    },
    ['parameters']
  ),
  inputsRequired: true,
  retries: true,
  limit: ['count'],
  // The model connection is resolved when the agent runs; the retry policy applies to each model call.
  evaluated: ({ modelConfigurations: _m, retryPolicy: _r, ...rest }) => rest,
  children: d => d.tools.flatMap(t => t.actions),
  compile: (a, c, path) => {
    const inputs = (a.inputs ?? {}) as Record<string, unknown>
    const params = (isObject(inputs.parameters) ? inputs.parameters : {}) as Record<string, unknown>
    if (params.agentModelType !== undefined && params.agentModelType !== 'AzureOpenAI') {
      c.problem(
        `${path}/inputs/parameters/agentModelType`,
        `'${String(params.agentModelType)}' models are not available here: an Agent calls an Azure OpenAI ` +
          'chat completions deployment (AzureOpenAI)'
      )
    }
    if (a.channels !== undefined) {
      c.problem(
        `${path}/channels`,
        'agent channels (A2A and chat surfaces) are not available here: an Agent runs inside its workflow only'
      )
    }
    const configs = Object.values((inputs.modelConfigurations ?? {}) as Record<string, { referenceName?: string }>)
    const connection = configs[0]?.referenceName ?? ''
    if (configs.length !== 1 || !connection) {
      c.problem(
        `${path}/inputs/modelConfigurations`,
        'name the model connection: one entry whose referenceName is an agentConnections entry of connections.json'
      )
    }
    const limit = (a.limit ?? {}) as { count?: unknown; timeout?: unknown }
    const count = limit.count === undefined ? DEFAULT_COUNT : Number(limit.count)
    if (!Number.isInteger(count) || count < 1) c.problem(`${path}/limit/count`, 'must be a positive integer')
    const timeoutMs = parseDuration(typeof limit.timeout === 'string' ? limit.timeout : DEFAULT_TIMEOUT)
    if (timeoutMs === undefined) c.problem(`${path}/limit/timeout`, 'must be an ISO 8601 duration such as PT1H')
    const tools: Tool[] = []
    for (const [tool, raw] of Object.entries(isObject(a.tools) ? a.tools : {})) {
      const at = `${path}/tools/${tool.replace(/~/g, '~0').replace(/\//g, '~1')}`
      const t = raw as Record<string, unknown>
      if (t.type !== undefined && String(t.type).toLowerCase() !== 'tool') {
        c.problem(
          `${at}/type`,
          String(t.type) === 'McpClientTool'
            ? 'MCP server tools are not available here: a tool is a set of actions of this workflow'
            : `'${String(t.type)}' is not a kind of tool (a tool is a set of actions: type Tool)`
        )
        continue
      }
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(tool)) {
        c.problem(at, 'a tool name has 1 to 64 letters, digits, _ or - (the model calls it by that name)')
      }
      const parameters = toolSchema(t.agentParameterSchema)
      let check: UserSchema | undefined
      try {
        check = compileUserSchema(parameters)
      } catch (err) {
        c.problem(`${at}/agentParameterSchema`, (err as Error).message)
      }
      tools.push({
        name: tool,
        description: typeof t.description === 'string' ? t.description : '',
        parameters,
        ...(check ? { check } : {}),
        // A tool is no loop: a Response or Terminate in it answers or ends the run, as it would in a Scope.
        actions: c.steps(`${at}/actions`, t.actions ?? {}),
      })
    }
    return { tools, connection, count, timeoutMs: timeoutMs ?? 3_600_000 }
  },
  run: async x => {
    const { data, run } = x
    const params = ((x.inputs as Record<string, unknown>).parameters ?? {}) as Record<string, unknown>
    if (!Array.isArray(params.messages)) {
      throw new ActionFailure('InvalidAgentInput', 'The messages must be an array of { role, content }.')
    }
    const messages: Message[] = params.messages.map((m: unknown, i) => {
      const role = String((m as { role?: unknown })?.role ?? '').toLowerCase()
      if (!ROLES.includes(role)) {
        throw new ActionFailure('InvalidAgentInput', `Message ${i} has the role '${role}': System, User or Assistant.`)
      }
      const content = (m as { content?: unknown }).content
      return { role, content: typeof content === 'string' ? content : JSON.stringify(content ?? '') }
    })
    const model = run.connections.agent(data.connection)
    const url =
      `${model.endpoint.replace(/\/+$/, '')}/openai/deployments/${encodeURIComponent(String(params.deploymentId))}` +
      `/chat/completions?api-version=${API_VERSION}`
    const settings = (params.agentModelSettings ?? {}) as Record<string, Record<string, unknown> | undefined>
    const completion = Object.fromEntries(
      Object.entries(settings.agentChatCompletionSettings ?? {}).map(([k, v]) => [COMPLETION[k], v])
    )
    const tools = data.tools.map(t => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }))
    const started = run.now()
    const usage: Record<string, number> = {}
    const calls = new Map<string, number>()
    let iterations = 0
    const outputs = (last: string | null): Record<string, unknown> => ({
      lastAssistantMessage: last,
      messages,
      iterations,
      usage,
    })
    for (;;) {
      if (iterations >= data.count) {
        throw new ActionFailure(
          'AgentLoopLimitExceeded',
          `The agent did not finish within limit.count (${data.count} model calls).`,
          outputs(null)
        )
      }
      if (run.now() - started >= data.timeoutMs) {
        return {
          status: 'TimedOut',
          outputs: outputs(null),
          error: { code: 'AgentLoopTimedOut', message: 'The agent did not finish within limit.timeout.' },
        }
      }
      iterations++
      const { message, usage: u } = await complete(x, url, model.key, {
        messages: reduce(messages, settings.agentHistoryReductionSettings),
        ...(tools.length ? { tools } : {}),
        ...completion,
      })
      for (const [k, v] of Object.entries(u ?? {})) if (typeof v === 'number') usage[k] = (usage[k] ?? 0) + v
      messages.push(message)
      if (!message.tool_calls) return { outputs: outputs(message.content) }
      for (const call of message.tool_calls) {
        const tool = data.tools.find(t => t.name === call.function?.name)
        let content: string
        if (!tool) content = JSON.stringify({ error: `There is no tool named '${String(call.function?.name)}'.` })
        else {
          let args: unknown
          try {
            args = JSON.parse(call.function.arguments || '{}')
          } catch {
            args = undefined
          }
          const problems = isObject(args) ? tool.check?.check(args) : ['the arguments are not a JSON object']
          const n = calls.get(tool.name) ?? 0
          calls.set(tool.name, n + 1)
          content = problems
            ? JSON.stringify({ error: `The arguments do not match the tool's parameters: ${problems.join('; ')}` })
            : await runTool(x, tool, args as Record<string, unknown>, n)
        }
        messages.push({ role: 'tool', tool_call_id: call.id, content })
      }
      if (run.stopped) return { outputs: outputs(null) }
    }
  },
})
