import { readFileSync } from 'node:fs'
import { AppSettings } from './app-settings.js'
import { ActionFailure } from './kinds/types.js'

/** An Agent's model: an Azure OpenAI-compatible endpoint and its key (connections.json agentConnections). */
export interface AgentConnection {
  endpoint: string
  key: string
}

/** A Function action's target: the function's trigger URL and how to authenticate to it (functionConnections). */
export interface FunctionConnection {
  triggerUrl: string
  /** The function's ARM id (function.id): how a Consumption workflow's Function action names it. */
  functionId?: string
  /** QueryString: the key goes in the query as `name` (Logic Apps writes `Code`); Header: as an x-functions-key. */
  authentication?: { type: 'QueryString' | 'Header'; name: string; value: string }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
const APPSETTING = /^@appsetting\('([^']+)'\)$/i

/**
 * The connections a Logic Apps Standard workflow reads from its project's connections.json: `agentConnections`
 * (the models Agent actions call, by `modelConfigurations.*.referenceName`) and `functionConnections` (the
 * functions Function actions call, by `function.connectionName`). The operator names the file
 * (FLOWS_CONNECTIONS_JSON); values may be `@appsetting('name')`, read from the app settings as Logic Apps reads
 * them. Like an ApiConnection's connection reference, a name is resolved when the action runs: a flow is checked
 * without the deployment's connections, and a name absent then fails the action, saying which.
 */
export class WorkflowConnections {
  constructor (
    private readonly agents: Map<string, AgentConnection> = new Map(),
    private readonly functions: Map<string, FunctionConnection> = new Map(),
    readonly source = ''
  ) {}

  agent (name: string): AgentConnection {
    const c = this.agents.get(name)
    if (!c) throw new ActionFailure('ConnectionNotFound', this.missing('agentConnections', name))
    return c
  }

  function (name: string): FunctionConnection {
    const c = this.functions.get(name)
    if (!c) throw new ActionFailure('ConnectionNotFound', this.missing('functionConnections', name))
    return c
  }

  /** A Consumption workflow names the function by its ARM id; the entry with that function.id stands for it. */
  functionById (id: string): FunctionConnection {
    const lower = id.toLowerCase()
    for (const c of this.functions.values()) if (c.functionId?.toLowerCase() === lower) return c
    throw new ActionFailure(
      'ConnectionNotFound',
      `No entry of functionConnections${this.source ? ` in ${this.source}` : ''} has the function.id '${id}' ` +
        '(FLOWS_CONNECTIONS_JSON names the connections.json whose entries give each function its trigger URL).'
    )
  }

  private missing (section: string, name: string): string {
    return this.source
      ? `The connection '${name}' is not in ${section} of ${this.source} (FLOWS_CONNECTIONS_JSON).`
      : `The connection '${name}' cannot be found: FLOWS_CONNECTIONS_JSON names no connections.json.`
  }

  /** Reads and checks the file at start: every entry complete, every app setting it names present. */
  static load (file: string, settings: AppSettings = new AppSettings()): WorkflowConnections {
    if (!file) return new WorkflowConnections()
    const bad = (what: string): Error => new Error(`FLOWS_CONNECTIONS_JSON: ${file}: ${what}`)
    let json: unknown
    try {
      json = JSON.parse(readFileSync(file, 'utf8'))
    } catch (err) {
      throw bad(`not a readable JSON file (${(err as Error).message}).`)
    }
    if (!isObject(json)) throw bad('must hold a JSON object (a connections.json).')
    const value = (where: string, v: unknown): string => {
      if (typeof v !== 'string' || !v) throw bad(`${where} must be a non-empty string.`)
      const m = APPSETTING.exec(v)
      if (!m) return v
      const s = settings.get(m[1])
      if (s === undefined) throw bad(`${where} names the app setting '${m[1]}', which FLOWS_APP_SETTINGS lacks.`)
      return s
    }
    const section = (name: string): Record<string, unknown> => {
      const s = json[name] ?? {}
      if (!isObject(s)) throw bad(`${name} must be an object of connections.`)
      return s
    }
    const agents = new Map<string, AgentConnection>()
    for (const [name, c] of Object.entries(section('agentConnections'))) {
      const at = `agentConnections.${name}`
      if (!isObject(c)) throw bad(`${at} must be an object.`)
      const auth = isObject(c.authentication) ? c.authentication : {}
      // Key is the authentication Logic Apps offers for a model connection besides managed identity.
      if (String(auth.type).toLowerCase() !== 'key') {
        throw bad(`${at}.authentication.type must be Key (managed identity is not available here).`)
      }
      agents.set(name, {
        endpoint: value(`${at}.endpoint`, c.endpoint),
        key: value(`${at}.authentication.key`, auth.key),
      })
    }
    const functions = new Map<string, FunctionConnection>()
    for (const [name, c] of Object.entries(section('functionConnections'))) {
      const at = `functionConnections.${name}`
      if (!isObject(c)) throw bad(`${at} must be an object.`)
      const conn: FunctionConnection = { triggerUrl: value(`${at}.triggerUrl`, c.triggerUrl) }
      const fid = isObject(c.function) ? c.function.id : undefined
      if (fid !== undefined) conn.functionId = value(`${at}.function.id`, fid)
      if (c.authentication !== undefined) {
        const a = isObject(c.authentication) ? c.authentication : {}
        const type = ['QueryString', 'Header'].find(t => t.toLowerCase() === String(a.type).toLowerCase())
        if (!type) throw bad(`${at}.authentication.type must be QueryString or Header.`)
        conn.authentication = {
          type: type as 'QueryString' | 'Header',
          name:
            a.name === undefined
              ? type === 'Header'
                ? 'x-functions-key'
                : 'code'
              : value(`${at}.authentication.name`, a.name),
          value: value(`${at}.authentication.value`, a.value),
        }
      }
      functions.set(name, conn)
    }
    return new WorkflowConnections(agents, functions, file)
  }
}
