import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { UnauthorizedError } from '../errors.js'
import type { WebexBackend } from '../backends/backend.js'
import type { Caller } from '../domain/caller.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller
  }
  interface FastifyContextConfig {
    public?: boolean
  }
}

export const BEARER = /^Bearer\s+(\S+)\s*$/i

/** Resolves `Authorization: Bearer <token>` to the caller for every route not marked public. */
export const authenticate = fp(
  async (
    app: FastifyInstance,
    opts: { backend: WebexBackend; publicPrefixes?: string[]; internal?: (token: string) => Caller | undefined }
  ) => {
    app.decorateRequest('caller', null as unknown as Caller)
    app.addHook('onRequest', async request => {
      const url = request.routeOptions.url
      if (request.routeOptions.config?.public === true || url === undefined) return
      // Routes of other plugins (the documentation UI) cannot carry our config flag.
      if (opts.publicPrefixes?.some(prefix => url.startsWith(prefix))) return
      const header = request.headers.authorization
      const token = header ? BEARER.exec(header)?.[1] : undefined
      if (!token) throw new UnauthorizedError()
      const caller = opts.internal?.(token) ?? (await opts.backend.authenticate(token))
      if (!caller) throw new UnauthorizedError('The access token is not valid or has expired.')
      request.caller = caller
    })
  },
  { name: 'authenticate' }
)
