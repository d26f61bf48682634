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
    const invalid = (): UnauthorizedError => new UnauthorizedError('The access token is not valid or has expired.')
    // The callback form: an in-process caller is settled without a promise, a backend's answer with one only.
    app.addHook('onRequest', (request, _reply, done) => {
      // routeOptions is a getter building a fresh object: read once.
      const route = request.routeOptions
      const url = route.url
      if (route.config?.public === true || url === undefined) {
        done()
        return
      }
      // Routes of other plugins (the documentation UI) cannot carry our config flag.
      if (opts.publicPrefixes?.some(prefix => url.startsWith(prefix))) {
        done()
        return
      }
      const header = request.headers.authorization
      const token = header ? BEARER.exec(header)?.[1] : undefined
      if (!token) throw new UnauthorizedError()
      const internal = opts.internal?.(token)
      if (internal) {
        request.caller = internal
        done()
        return
      }
      opts.backend.authenticate(token).then(caller => {
        if (!caller) {
          done(invalid())
          return
        }
        request.caller = caller
        done()
      }, done)
    })
  },
  { name: 'authenticate' }
)
