import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { TooManyRequestsError } from '../errors.js'
import { SlidingWindowLimiter, type Limiter } from './sliding-window.js'

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
    app.addHook('onRequest', async (request, reply) => {
      // Flows calling in-process are bounded by the runtime's concurrency, not the connection limit.
      if (!request.caller || request.caller.internal) return
      const d = await limiter.take(request.caller.token)
      if (d.allowed) {
        reply.header('x-ratelimit-limit', opts.limit).header('x-ratelimit-remaining', d.remaining)
        return
      }
      throw new TooManyRequestsError(
        Math.max(1, Math.ceil(d.retryAfterMs / 1000)),
        opts.limit,
        Math.round(opts.windowMs / 1000)
      )
    })
  },
  { name: 'throttle', dependencies: ['authenticate'] }
)
