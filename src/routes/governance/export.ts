import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../schemas/common.js'
import { AuditExportQuery, PlanExportQuery, SpacesExportQuery } from '../../schemas/governance.js'
import { orgRoom } from '../../governance/access.js'
import { exportAudit, exportPlan, exportSpaces, type Export, type Format } from '../../governance/export.js'
import { tags, type GovernanceDeps } from './params.js'

const Streamed = Type.String({
  format: 'binary',
  description:
    'The export: a header (what, the filter, when, which officer) then every record; JSON {export, items, count} ' +
    'or CSV (# header lines, a column row, the records, # end: N records).',
})
const response = { 200: Streamed, ...errorResponses }
const produces = ['application/json', 'text/csv']

function stream (reply: FastifyReply, e: Export, format: Format): FastifyReply {
  const stamp = e.header.generated.replace(/[:.]/g, '-')
  return reply
    .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
    .header('content-disposition', `attachment; filename="${e.header.kind}-${stamp}.${format}"`)
    .send(Readable.from(e.chunks))
}

/** Evidence exports (search results, the plan, audit ranges), streamed, as CSV or JSON. */
export const exportRoutes: FastifyPluginAsyncTypebox<GovernanceDeps> = async (app, { ctx, actions }) => {
  app.get(
    '/v1/governance/export/spaces',
    {
      schema: {
        operationId: 'ExportSpaces',
        summary: 'Export Search Results',
        tags,
        description: 'Every space matching the search conditions (no paging), streamed as evidence.',
        querystring: SpacesExportQuery,
        produces,
        response,
      },
    },
    async (request, reply) => {
      const format = (request.query.format ?? 'json') as Format
      return stream(reply, await exportSpaces(ctx, request.caller, request.query, format), format)
    }
  )
  app.get(
    '/v1/governance/export/plan',
    {
      schema: {
        operationId: 'ExportRetentionPlan',
        summary: 'Export Retention Plan',
        tags,
        description: 'Every item of the retention plan as of now (holds included), streamed as evidence.',
        querystring: PlanExportQuery,
        produces,
        response,
      },
    },
    async (request, reply) => {
      const format = (request.query.format ?? 'json') as Format
      const roomId = request.query.roomId
      if (roomId !== undefined) await orgRoom(ctx, request.caller, roomId)
      const items = await actions.planItems(request.caller, roomId)
      return stream(reply, await exportPlan(ctx, request.caller, roomId ? { roomId } : {}, items, format), format)
    }
  )
  app.get(
    '/v1/governance/export/audit',
    {
      schema: {
        operationId: 'ExportAudit',
        summary: 'Export Audit Records',
        tags,
        description: 'An audit range, oldest first, each record with its hashes (the chain), streamed as evidence.',
        querystring: AuditExportQuery,
        produces,
        response,
      },
    },
    async (request, reply) => {
      const { format = 'json', ...filter } = request.query
      return stream(reply, await exportAudit(ctx, request.caller, filter, format as Format), format as Format)
    }
  )
}
