import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { UnauthorizedError } from '../errors.js'
import type { Caller, WebexBackend } from '../backends/backend.js'

declare module 'fastify' {
  interface FastifyRequest { caller: Caller }
  interface FastifyContextConfig { public?: boolean }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** Resolves `Authorization: Bearer <token>` to the caller for every route not marked public. */
export const authenticate = fp(async (app: FastifyInstance, opts: { backend: WebexBackend }) => {
  app.decorateRequest('caller', null as unknown as Caller)
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true || request.routeOptions.url === undefined) return
    const header = request.headers.authorization
    const token = header ? BEARER.exec(header)?.[1] : undefined
    if (!token) throw new UnauthorizedError()
    const caller = await opts.backend.authenticate(token)
    if (!caller) throw new UnauthorizedError('The access token is not valid or has expired.')
    request.caller = caller
  })
}, { name: 'authenticate' })
