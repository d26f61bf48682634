import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/**
 * Webex clients update by sending back the whole object they read (`memberships.update(membership)`,
 * `rooms.update(room)`, the documented GET-then-PUT of a message). The read-only fields of that object are
 * accepted and set aside before validation, so the body schema keeps naming only what the call changes and
 * a field that is not part of the object at all is still a 400.
 */
export function acceptEcho (fields: readonly string[]) {
  // The callback form: nothing here waits, so no promise per update.
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const body = request.body
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const f of fields) delete (body as Record<string, unknown>)[f]
    }
    done()
  }
}
