import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { TooManyRequestsError } from '../errors.js'
import { SlidingWindowLimiter, type Decision, type Limiter } from './sliding-window.js'

export interface ThrottleOptions {
  limit: number
  windowMs: number
  now?: () => number
  /** Who counts the calls: this process by default; a cluster's limiter (store/cluster/throttle.ts) for several. */
  limiter?: Limiter
}

/** The connector's connection limit: each token gets `limit` calls per sliding `windowMs`, then 429. */
export const throttle = fp(
  async (app: FastifyInstance, opts: ThrottleOptions) => {
    const limiter = opts.limiter ?? new SlidingWindowLimiter(opts.limit, opts.windowMs, opts.now)
    // The callback form: this process's limiter decides at once, without a promise; a cluster's asynchronously.
    app.addHook('onRequest', (request, reply, done) => {
      // Flows calling in-process are bounded by the runtime's concurrency, not the connection limit.
      if (!request.caller || request.caller.internal) {
        done()
        return
      }
      const apply = (d: Decision): void => {
        if (d.allowed) {
          reply.header('x-ratelimit-limit', opts.limit).header('x-ratelimit-remaining', d.remaining)
          done()
          return
        }
        done(new TooManyRequestsError(
          Math.max(1, Math.ceil(d.retryAfterMs / 1000)),
          opts.limit,
          Math.round(opts.windowMs / 1000)
        ))
      }
      const d = limiter.take(request.caller.token)
      if (d instanceof Promise) d.then(apply, done)
      else apply(d)
    })
  },
  { name: 'throttle', dependencies: ['authenticate'] }
)
