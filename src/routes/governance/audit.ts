import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, ListOf } from '../../schemas/common.js'
import { AuditQuery, AuditRecord, AuditVerification } from '../../schemas/governance.js'
import { LIMITS, pageReply, pageSize } from '../../http/pagination.js'
import { listAudit, verifyAudit } from '../../governance/audit.js'
import { tags, type GovernanceDeps } from './params.js'

export const auditRoutes: FastifyPluginAsyncTypebox<GovernanceDeps> = async (app, { ctx }) => {
  app.get(
    '/v1/governance/audit',
    {
      schema: {
        operationId: 'ListAudit',
        summary: 'List Audit Records',
        tags,
        description: 'Governance and retention actions, oldest first, filtered by space, policy and time.',
        querystring: AuditQuery,
        response: { 200: ListOf(AuditRecord, 'items'), ...errorResponses },
      },
    },
    async (request, reply) =>
      pageReply(
        request,
        reply,
        await listAudit(ctx, request.caller, { ...request.query, max: pageSize(request.query.max, LIMITS.webhooks) })
      )
  )
  app.get(
    '/v1/governance/audit/verify',
    {
      schema: {
        operationId: 'VerifyAudit',
        summary: 'Verify Audit Chain',
        tags,
        description:
          "Walk the organisation's audit hash chain (each record carries the SHA-256 of the one before it) and name " +
          'the first broken link, if any.',
        response: { 200: AuditVerification, ...errorResponses },
      },
    },
    async request => verifyAudit(ctx, request.caller)
  )
}
