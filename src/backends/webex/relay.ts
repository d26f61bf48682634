import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors.js'
import { decodeId } from '../../ids.js'
import type { Caller } from '../../domain/caller.js'
import type { Person } from '../../schemas/person.js'
import type { Resource, EventName } from '../../store/store.js'
import type { AsyncStore } from '../../store/db.js'
import { verify } from '../../triggers/signature.js'
import { depthRefusal } from '../../http/json-body.js'
import type { WebexHttpBackend } from './index.js'

/**
 * Triggers with the Webex backend. Webex decides what a person may see, so for every local subscriber the
 * service registers one Webex webhook ("firehose": all resources, all events) pointing back at itself,
 * signed with a secret of its own. Each relayed event is verified, then recorded in the local change log
 * with that subscriber as its audience, and fans out through the same registry, outbox and worker as
 * with the embedded backend.
 */
export class WebexRelay {
  constructor (
    private readonly store: AsyncStore,
    private readonly backend: WebexHttpBackend,
    private readonly publicUrl: string | undefined
  ) {}

  /** The local identity rows a subscription needs, then the subscriber's firehose at Webex (once). */
  async ensure (caller: Caller, request: FastifyRequest): Promise<void> {
    await this.ensureAt(caller, this.publicUrl ?? request.baseUrl)
  }

  /** The same, where Webex should call back is known without a request (flows subscribe at start). */
  async ensureAt (caller: Caller, base: string): Promise<void> {
    // The caller was just authenticated with this token: its /people/me answer is still cached.
    const who = await this.backend.identify(caller.token)
    if (!who) throw new UnauthorizedError('The access token is not valid or has expired.')
    await this.remember(caller, who.me)
    if (await this.store.get('SELECT 1 FROM webex_firehoses WHERE owner_id = ?', caller.personId)) return
    const targetUrl = `${base.replace(/\/+$/, '')}/v1/webex/events/${caller.personId}`
    const secret = randomBytes(24).toString('hex')
    const hook = await this.backend.createWebhook(caller, {
      name: 'webex-spaces-connector relay',
      targetUrl,
      resource: 'all',
      event: 'all',
      secret,
    })
    // Webex's firehose leaves card submissions out: they come through a webhook of their own.
    await this.backend.createWebhook(caller, {
      name: 'webex-spaces-connector relay (cards)',
      targetUrl,
      resource: 'attachmentActions',
      event: 'created',
      secret,
    })
    await this.store.tx(async () => {
      await this.store.run(
        'INSERT INTO webex_firehoses (owner_id, webhook_id, secret, target_url, created) VALUES (?,?,?,?,?) ' +
          'ON CONFLICT DO NOTHING',
        caller.personId,
        hook.id,
        secret,
        targetUrl,
        this.store.now()
      )
    })
  }

  /** The local identity rows (organisation, person) that subscriptions of this person refer to. */
  async remember (caller: Caller, me: Person): Promise<void> {
    await this.store.tx(async () => {
      await this.store.run(
        'INSERT INTO orgs (id, name, domain, created) VALUES (?,?,?,?) ON CONFLICT DO NOTHING',
        caller.orgId,
        caller.orgId,
        `org-${caller.orgId}`,
        this.store.now()
      )
      await this.store.run(
        `INSERT INTO people (id, org_id, email, display_name, first_name, last_name, roles, created) VALUES
          (?,?,?,?,?,?,?,?)
        ON CONFLICT (id) DO UPDATE SET roles = excluded.roles, display_name = excluded.display_name`,
        caller.personId,
        caller.orgId,
        me.emails[0] ?? `${caller.personId}@unknown`,
        me.displayName,
        me.firstName,
        me.lastName,
        JSON.stringify(caller.roles),
        this.store.now()
      )
    })
  }

  /** The receiving end: verify against the subscriber's secret, then record the event for them. */
  routes (app: FastifyInstance): void {
    void app.register(async scoped => {
      // The signature covers the raw bytes, so this route keeps the body as text (still within the depth limit).
      scoped.removeContentTypeParser('application/json')
      scoped.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        const tooDeep = depthRefusal(body as string)
        if (tooDeep) done(tooDeep, undefined)
        else done(null, body)
      })
      scoped.post(
        '/v1/webex/events/:ownerId',
        {
          config: { public: true },
          schema: {
            hide: true,
            params: Type.Object({ ownerId: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }),
          } as never,
        },
        async (request, reply) => {
          const { ownerId } = request.params as { ownerId: string }
          const hose = await this.store.get<{ secret: string }>(
            'SELECT secret FROM webex_firehoses WHERE owner_id = ?',
            ownerId
          )
          if (!hose) throw new NotFoundError()
          const raw = request.body as string
          if (!verify(raw, hose.secret, request.headers['x-spark-signature'] as string | undefined)) {
            throw new ForbiddenError('The signature does not match.')
          }
          await this.record(ownerId, JSON.parse(raw) as Record<string, unknown>)
          return reply.code(204).send()
        }
      )
    })
  }

  private async record (ownerId: string, envelope: Record<string, unknown>): Promise<void> {
    const resource = envelope.resource as Resource
    if (!['memberships', 'messages', 'rooms', 'attachmentActions'].includes(resource)) return
    const data = (envelope.data ?? {}) as Record<string, unknown>
    const roomWebexId = (resource === 'rooms' ? data.id : data.roomId) as string | undefined
    const owner = await this.store.get<{ org_id: string }>('SELECT org_id FROM people WHERE id = ?', ownerId)
    await this.store.tx(async () =>
      await this.store.emit({
        resource,
        event: envelope.event as EventName,
        data,
        audience: ownerId,
        actorId: decodeId('PEOPLE', String(envelope.actorId ?? '')) ?? ownerId,
        ...(roomWebexId ? { roomId: decodeId('ROOM', roomWebexId) ?? roomWebexId } : {}),
        orgId: owner?.org_id ?? '',
      })
    )
  }
}
