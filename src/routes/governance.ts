import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { assertOfficer } from '../governance/access.js'
import { sealAudit } from '../governance/audit.js'
import type { GovernanceDeps } from './governance/params.js'
import { spaceRoutes } from './governance/spaces.js'
import { retentionRoutes } from './governance/retention.js'
import { holdRoutes } from './governance/holds.js'
import { auditRoutes } from './governance/audit.js'
import { exportRoutes } from './governance/export.js'
import { dispositionRoutes } from './governance/dispositions.js'

export type { GovernanceDeps } from './governance/params.js'

/**
 * Governance actions: for compliance officers of the organisation; everyone else gets 403 (the classification
 * levels are readable by all). The same routes serve both backends: what acts on spaces goes through
 * `actions`, everything else is kept in `ctx`.
 */
export const governanceRoutes: FastifyPluginAsyncTypebox<GovernanceDeps> = async (app, deps) => {
  // Records written before the audit was a hash chain are sealed into it once.
  await sealAudit(deps.ctx)
  app.addHook('preHandler', async request => {
    if (!request.routeOptions.url?.startsWith('/v1/classifications')) assertOfficer(request.caller)
  })
  for (const routes of [spaceRoutes, retentionRoutes, holdRoutes, auditRoutes, exportRoutes, dispositionRoutes]) {
    await app.register(routes, deps)
  }
}
