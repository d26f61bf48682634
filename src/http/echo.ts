import type { FastifyRequest } from 'fastify'

/**
 * Webex clients update by sending back the whole object they read (`memberships.update(membership)`,
 * `rooms.update(room)`, the documented GET-then-PUT of a message). The read-only fields of that object are
 * accepted and set aside before validation, so the body schema keeps naming only what the call changes and
 * a field that is not part of the object at all is still a 400.
 */
export function acceptEcho (fields: readonly string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body
    if (!body || typeof body !== 'object' || Array.isArray(body)) return
    for (const f of fields) delete (body as Record<string, unknown>)[f]
  }
}
