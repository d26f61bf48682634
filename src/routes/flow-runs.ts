import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, ListOf } from '../schemas/common.js'
import { BulkResubmitBody, CancelledRuns, FlowRun, ResubmitRunBody } from '../schemas/flow.js'
import { absoluteUrl } from '../http/base-url.js'
import type { FlowRuntime } from '../flows/runtime.js'
import { FlowIdParam, RunParams, times } from './flows.js'

const tags = ['Flows']
const Queued = (description: string) => ({
  ...FlowRun,
  description,
  headers: { location: { type: 'string', description: 'The new run.' } },
})

/** Resubmit and cancel runs: what Logic Apps' run history offers, under the flow routes' permissions. */
export const flowRunRoutes: FastifyPluginAsyncTypebox<{ runtime: FlowRuntime }> = async (app, { runtime }) => {
  app.post(
    '/v1/flows/:flowId/runs/:runId/resubmit',
    {
      schema: {
        operationId: 'ResubmitFlowRun',
        summary: 'Resubmit Flow Run',
        tags,
        description:
          'Run again with the same trigger outputs (owner only: the run acts with the owner\'s rights). With ' +
          'actionsToResubmit, from that top-level action: the actions before it keep the results they had and are ' +
          'not run again. The new run names its origin in resubmittedFrom.',
        params: RunParams,
        body: ResubmitRunBody,
        response: { 201: Queued('Queued.'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { flowId, runId } = request.params
      const names = request.body?.actionsToResubmit?.map(a => a.name)
      const run = await runtime.resubmit(request.caller, flowId, runId, names)
      const location = absoluteUrl(request, `/v1/flows/${encodeURIComponent(run.flowId)}/runs/${run.id}`)
      return reply.code(201).header('location', location).send(run)
    }
  )

  app.post(
    '/v1/flows/:flowId/runs/resubmit',
    {
      schema: {
        operationId: 'ResubmitFlowRuns',
        summary: 'Resubmit Flow Runs',
        tags,
        description:
          'Bulk resubmit (owner only): the finished runs named by runIds, or those with a status triggered in a ' +
          'window (at most 100, oldest first), each again from its trigger.',
        params: FlowIdParam,
        body: BulkResubmitBody,
        response: { 200: ListOf(FlowRun, 'items'), ...errorResponses },
      },
    },
    async request => {
      const { runIds, status, createdAfter, createdBefore } = request.body
      return {
        items: await runtime.resubmitMany(request.caller, request.params.flowId, {
          ...(runIds ? { runIds } : {}),
          ...(status ? { status } : {}),
          ...times(createdAfter, createdBefore),
          max: 100,
        }),
      }
    }
  )

  app.post(
    '/v1/flows/:flowId/runs/:runId/cancel',
    {
      schema: {
        operationId: 'CancelFlowRun',
        summary: 'Cancel Flow Run',
        tags,
        description:
          'Cancel a queued or running run (owner or compliance officer): the action in progress is cancelled and ' +
          'nothing after it starts. 409 when it has finished.',
        params: RunParams,
        response: { 200: FlowRun, ...errorResponses },
      },
    },
    async request => {
      return await runtime.cancel(request.caller, request.params.flowId, request.params.runId)
    }
  )

  app.post(
    '/v1/flows/:flowId/runs/cancel',
    {
      schema: {
        operationId: 'CancelQueuedFlowRuns',
        summary: 'Cancel Queued Flow Runs',
        tags,
        description: 'Cancel every queued run of the flow (owner or compliance officer); running ones go on.',
        params: FlowIdParam,
        response: { 200: CancelledRuns, ...errorResponses },
      },
    },
    async request => ({ cancelled: await runtime.cancelQueued(request.caller, request.params.flowId) })
  )
}
