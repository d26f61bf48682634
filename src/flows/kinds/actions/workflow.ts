import { Type } from '@sinclair/typebox'
import { ActionFailure, defineAction } from '../types.js'
import { inputsOf, replyOutcome } from './shared.js'

/** The flow id in host.workflow.id: the last segment of a resource id (…/workflows/NAME) or the name itself. */
export function workflowId (host: unknown): string | undefined {
  // Logic Apps names the workflow by resource id; a Power Automate child flow by workflowReferenceName.
  const h = (host ?? {}) as { workflow?: { id?: unknown }; id?: unknown; workflowReferenceName?: unknown }
  const id = h.workflow?.id ?? h.id ?? h.workflowReferenceName
  if (typeof id !== 'string' || !id) return undefined
  return id.replace(/\/+$/, '').split('/').pop()
}

/**
 * Workflow: calls another flow's Request trigger with body and headers, and waits for its Response (with no
 * time limit, as Logic Apps waits for a nested workflow); a child without a Response answers 202 at once.
 */
export const workflow = defineAction({
  type: 'Workflow',
  inputs: inputsOf(
    { host: Type.Unknown(), body: Type.Unknown(), headers: Type.Unknown(), retryPolicy: Type.Unknown() },
    ['host']
  ),
  inputsRequired: true,
  retries: true,
  operationOptions: ['DisableAsyncPattern'],
  evaluated: ({ retryPolicy: _retry, ...rest }) => rest,
  compile: (a, c, path) => {
    const host = (a.inputs as { host: unknown }).host
    if (!host || typeof host !== 'object' || workflowId(host) === undefined) {
      c.problem(
        `${path}/inputs/host`,
        'must name the flow to call: { workflow: { id }, triggerName } or { workflowReferenceName }'
      )
    }
  },
  run: async ({ step, inputs, run }) => {
    const i = inputs as { host: { triggerName?: unknown }; body?: unknown; headers?: unknown }
    const id = workflowId(i.host)
    if (!id) throw new ActionFailure('WorkflowNotFound', 'The Workflow action does not name a flow.')
    const headers = Object.fromEntries(
      Object.entries((i.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)])
    )
    const reply = await run.callWorkflow(
      id,
      typeof i.host.triggerName === 'string' ? i.host.triggerName : undefined,
      i.body ?? null,
      headers,
      !step.options.has('disableasyncpattern')
    )
    return replyOutcome(reply, run.now())
  },
})
