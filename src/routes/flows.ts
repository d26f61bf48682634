import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import { CallbackUrl, Flow, FlowRun, KeyTypeBody, ListRunsQuery, RunFlowBody, UpdateFlowBody } from '../schemas/flow.js'
import { pageReply, pageSize } from '../http/pagination.js'
import { absoluteUrl } from '../http/base-url.js'
import type { FlowRuntime } from '../flows/runtime.js'

const tags = ['Flows']
export const FlowIdParam = IdParam('flowId', {
  summary: 'Flow',
  description: 'The flow id (its file name without .json).',
  visibility: 'important',
})
export const RunParams = Type.Object({
  ...FlowIdParam.properties,
  ...IdParam('runId', { summary: 'Run', description: 'The run id.', visibility: 'important' }).properties,
})
const RUN_LIMITS = { default: 50, limit: 500 }

/** A window of trigger times, as the history filters it (ms since the epoch). */
export const times = (after?: string, before?: string): { createdAfter?: number; createdBefore?: number } => ({
  ...(after ? { createdAfter: Date.parse(after) } : {}),
  ...(before ? { createdBefore: Date.parse(before) } : {}),
})

/** The workflow runtime's flows and their run history: owners see their flows, compliance officers all. */
export const flowRoutes: FastifyPluginAsyncTypebox<{ runtime: FlowRuntime }> = async (app, { runtime }) => {
  app.get(
    '/v1/flows',
    {
      schema: {
        operationId: 'ListFlows',
        summary: 'List Flows',
        tags,
        description: 'The flows loaded from flows/ that you own (all of them for a compliance officer).',
        response: { 200: ListOf(Flow, 'items'), ...errorResponses },
      },
    },
    async request => ({ items: await runtime.list(request.caller) })
  )

  app.get(
    '/v1/flows/:flowId',
    {
      schema: {
        operationId: 'GetFlow',
        summary: 'Get Flow',
        tags,
        description: 'One flow: trigger, actions, enabled.',
        params: FlowIdParam,
        response: { 200: Flow, ...errorResponses },
      },
    },
    async request => runtime.get(request.caller, request.params.flowId)
  )

  app.put(
    '/v1/flows/:flowId',
    {
      schema: {
        operationId: 'UpdateFlow',
        summary: 'Enable or Disable Flow',
        tags,
        description: "Turn a flow's trigger on or off; kept across restarts.",
        params: FlowIdParam,
        body: UpdateFlowBody,
        response: { 200: Flow, ...errorResponses },
      },
    },
    async request => runtime.setEnabled(request.caller, request.params.flowId, request.body.enabled)
  )

  app.post(
    '/v1/flows/:flowId/runs',
    {
      schema: {
        operationId: 'RunFlow',
        summary: 'Run Flow Now',
        tags,
        description:
          "Start a run now with the given trigger body (owner only: the run acts with the owner's rights). Answers " +
            '201 with the queued run; follow Location for the outcome.',
        params: FlowIdParam,
        body: RunFlowBody,
        response: {
          // 201, the run created (queued): Power Platform wants the output schema on 200/201
          // (SchemaDefinitionSetIncorrectly); the run goes on after the answer, as a 202 would say.
          201: {
            ...FlowRun,
            description: 'Queued.',
            headers: { location: { type: 'string', description: 'The run.' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const run = await runtime.runNow(request.caller, request.params.flowId, request.body.triggerBody ?? null)
      const location = absoluteUrl(request, `/v1/flows/${encodeURIComponent(run.flowId)}/runs/${run.id}`)
      return reply.code(201).header('location', location).send(run)
    }
  )

  app.get(
    '/v1/flows/:flowId/runs',
    {
      schema: {
        operationId: 'ListFlowRuns',
        summary: 'List Flow Runs',
        tags,
        description: "A flow's runs, newest first (without their actions).",
        params: FlowIdParam,
        querystring: ListRunsQuery,
        response: { 200: ListOf(FlowRun, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { max, createdAfter, createdBefore, ...q } = request.query
      return pageReply(
        request,
        reply,
        await runtime.runs(request.caller, request.params.flowId, {
          ...q,
          ...times(createdAfter, createdBefore),
          max: pageSize(max, RUN_LIMITS),
        })
      )
    }
  )

  app.post(
    '/v1/flows/:flowId/listCallbackUrl',
    {
      schema: {
        operationId: 'ListFlowCallbackUrl',
        summary: 'Get Flow Callback URL',
        tags,
        description:
          "The signed URL of a flow's Request, HttpWebhook or connector trigger (owner only: a call to it runs with " +
          "the owner's rights; a connector trigger's takes a Webex webhook envelope). keyType picks the key that " +
          'signs it.',
        params: FlowIdParam,
        body: Type.Partial(KeyTypeBody),
        response: { 200: CallbackUrl, ...errorResponses },
      },
    },
    async request => runtime.listCallbackUrl(request.caller, request.params.flowId, request.body?.keyType ?? 'Primary')
  )

  app.post(
    '/v1/flows/:flowId/regenerateAccessKey',
    {
      schema: {
        operationId: 'RegenerateFlowAccessKey',
        summary: 'Regenerate Flow Access Key',
        tags,
        description:
          "Replaces one of the flow's two keys: every callback URL signed with it stops working at once (owner or " +
          'compliance officer).',
        params: FlowIdParam,
        body: KeyTypeBody,
        response: { 204: { type: 'null', description: 'Regenerated.' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await runtime.regenerateKey(request.caller, request.params.flowId, request.body.keyType)
      return reply.code(204).send()
    }
  )

  app.get(
    '/v1/flows/:flowId/runs/:runId',
    {
      schema: {
        operationId: 'GetFlowRun',
        summary: 'Get Flow Run',
        tags,
        description: "One run with each action's status, inputs, outputs, error and timing.",
        params: RunParams,
        response: { 200: FlowRun, ...errorResponses },
      },
    },
    async request => runtime.run(request.caller, request.params.flowId, request.params.runId)
  )
}
