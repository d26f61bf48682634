import type { ActionKind, RefusedKind, TriggerKind } from './types.js'
import { agent } from './actions/agent.js'
import { apiConnection } from './actions/api-connection.js'
import { compose } from './actions/compose.js'
import { expression } from './actions/expression.js'
import { foreach } from './actions/foreach.js'
import { functionAction } from './actions/function.js'
import { http } from './actions/http.js'
import { httpWebhook } from './actions/http-webhook.js'
import { ifAction } from './actions/if.js'
import { join } from './actions/join.js'
import { javascriptCode } from './actions/javascript-code.js'
import { parseJson } from './actions/parse-json.js'
import { query } from './actions/query.js'
import { REFUSED } from './actions/refused.js'
import { response } from './actions/response.js'
import { scope } from './actions/scope.js'
import { select } from './actions/select.js'
import { switchAction } from './actions/switch.js'
import { table } from './actions/table.js'
import { terminate } from './actions/terminate.js'
import { until } from './actions/until.js'
import {
  appendToArrayVariable,
  appendToStringVariable,
  decrementVariable,
  incrementVariable,
  initializeVariable,
  setVariable,
} from './actions/variables.js'
import { wait } from './actions/wait.js'
import { workflow } from './actions/workflow.js'
import { xslt } from './actions/xslt.js'
import { connectorWebhook } from './triggers/connector-webhook.js'
import { httpTrigger } from './triggers/http.js'
import { httpWebhookTrigger } from './triggers/http-webhook.js'
import { recurrence } from './triggers/recurrence.js'
import { request } from './triggers/request.js'

/**
 * The kind table: every action and trigger type this runtime runs, each a module with its schema, its load-time
 * checks and its run. A new type is a new module listed here; nothing else changes.
 */
export const ACTION_KINDS: ActionKind[] = [
  apiConnection,
  compose,
  http,
  httpWebhook,
  ifAction,
  switchAction,
  foreach,
  until,
  scope,
  terminate,
  wait,
  initializeVariable,
  setVariable,
  incrementVariable,
  decrementVariable,
  appendToArrayVariable,
  appendToStringVariable,
  query,
  select,
  join,
  table,
  parseJson,
  response,
  workflow,
  expression,
  javascriptCode,
  agent,
  functionAction,
  xslt,
]

export const TRIGGER_KINDS: TriggerKind[] = [connectorWebhook, recurrence, request, httpTrigger, httpWebhookTrigger]

const byName = <K extends { type: string; aliases?: string[] }>(kinds: K[]): Map<string, { kind: K; name: string }> =>
  new Map(kinds.flatMap(k => [k.type, ...(k.aliases ?? [])].map(name => [name.toLowerCase(), { kind: k, name }])))
const ACTIONS = byName(ACTION_KINDS)
const TRIGGERS = byName(TRIGGER_KINDS)
const REFUSED_BY_NAME = new Map(REFUSED.map(r => [r.type.toLowerCase(), r]))

/** Type names match ignoring case, as Logic Apps matches them; the canonical spelling comes back too. */
export const actionKind = (type: string): { kind: ActionKind; name: string } | undefined =>
  ACTIONS.get(type.toLowerCase())
export const triggerKind = (type: string): { kind: TriggerKind; name: string } | undefined =>
  TRIGGERS.get(type.toLowerCase())
export const refusedKind = (type: string): RefusedKind | undefined => REFUSED_BY_NAME.get(type.toLowerCase())
export const ACTION_TYPE_NAMES = [...ACTIONS.values()].map(v => v.name)
export const TRIGGER_TYPE_NAMES = [...TRIGGERS.values()].map(v => v.name)
