import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js'
import { decodeId, encodeId, newUuid, stableUuid } from '../ids.js'
import type { Caller, Page } from '../backends/backend.js'
import type { Store, StoredEvent } from '../store/store.js'
import type { CreateWebhookBody, DeadLetter, UpdateWebhookBody, Webhook } from '../schemas/webhook.js'
import { decodeCursor, toPage } from '../backends/embedded/cursor.js'
import { matches, parseFilter, type Filter } from './filters.js'
import { checkTargetUrl } from './url-policy.js'

export interface SubscriptionRow {
  seq: number, id: string, owner_id: string, org_id: string, name: string, target_url: string, resource: string, event: string,
  filter: string | null, secret: string | null, status: 'active' | 'inactive', source: string, consecutive_failures: number, created: string
}
interface DeliveryRow {
  seq: number, id: string, subscription_id: string, body: string, attempts: number, last_status: number | null,
  last_error: string | null, created: string, finished: string | null
}

/** Who owns a subscription, as the visibility rule needs it. */
export interface Owner { personId: string, orgId: string, roles: string[] }
/** May this owner see the space an event is about? Supplied by the backend that knows memberships. */
export type CanSee = (owner: Owner, e: StoredEvent) => boolean

export interface RegistryOptions {
  allowPrivateTargets: boolean
  /** Dead letters kept per subscription; the oldest go first. */
  deadLetterCap: number
  canSee: CanSee
}

/** The id of this service as a Webex "application", stamped on webhooks it creates. */
export const APP_ID = encodeId('APPLICATION', stableUuid('app:webex-spaces-connector'))

interface Cached { row: SubscriptionRow, filter: Filter, owner: Owner }

/**
 * The one registry behind /v1/webhooks, the connector's trigger subscriptions and flow triggers. Its sink
 * runs inside the transaction that recorded an event and writes one outbox row per matching subscription.
 */
export class TriggerRegistry {
  private cache: Cached[] | undefined

  constructor (private readonly store: Store, private readonly opts: RegistryOptions) {
    store.onEvent(e => this.fanOut(e))
  }

  toWebhook (r: SubscriptionRow): Webhook {
    return {
      id: encodeId('WEBHOOK', r.id), name: r.name, targetUrl: r.target_url, resource: r.resource, event: r.event,
      ...(r.filter ? { filter: r.filter } : {}), ...(r.secret ? { secret: r.secret } : {}),
      status: r.status, created: r.created, orgId: encodeId('ORGANIZATION', r.org_id), createdBy: encodeId('PEOPLE', r.owner_id),
      appId: APP_ID, ownedBy: 'creator'
    }
  }

  create (caller: Caller, body: CreateWebhookBody, source = 'webhook'): Webhook {
    const targetUrl = checkTargetUrl(body.targetUrl, this.opts.allowPrivateTargets)
    parseFilter(body.resource, body.filter)
    const id = newUuid()
    this.store.tx(() => {
      this.store.run(`INSERT INTO subscriptions (id, owner_id, org_id, name, target_url, resource, event, filter, secret, source, created)
        VALUES (?,?,?,?,?,?,?,?,?,?,?)`, id, caller.personId, caller.orgId, body.name, targetUrl, body.resource, body.event,
      body.filter || null, body.secret ?? null, source, this.store.now())
    })
    this.cache = undefined
    return this.toWebhook(this.row(id) as SubscriptionRow)
  }

  list (caller: Caller, q: { max: number, cursor?: string }): Page<Webhook> {
    const after = decodeCursor(q.cursor, ['number'])
    const rows = this.store.all<SubscriptionRow>('SELECT * FROM subscriptions WHERE owner_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      caller.personId, after?.[0] ?? 0, q.max + 1)
    return toPage(rows, q.max, r => this.toWebhook(r), r => [r.seq])
  }

  /** A subscription the caller owns; anyone else's is a 404. */
  owned (caller: Caller, webhookId: string): SubscriptionRow {
    const local = decodeId('WEBHOOK', webhookId)
    if (!local) throw new BadRequestError('webhookId is not a valid webhook id.')
    const row = this.row(local)
    if (!row || row.owner_id !== caller.personId) throw new NotFoundError()
    return row
  }

  get (caller: Caller, webhookId: string): Webhook { return this.toWebhook(this.owned(caller, webhookId)) }

  /** Webex lets an update change name, targetUrl, secret and status, and status only from inactive to active. */
  update (caller: Caller, webhookId: string, body: UpdateWebhookBody): Webhook {
    const row = this.owned(caller, webhookId)
    const targetUrl = checkTargetUrl(body.targetUrl, this.opts.allowPrivateTargets)
    if (body.status === 'inactive' && row.status === 'active') throw new BadRequestError('status can only be changed from inactive to active.')
    const reactivate = body.status === 'active' && row.status === 'inactive'
    this.store.tx(() => {
      this.store.run(`UPDATE subscriptions SET name = ?, target_url = ?, secret = ?, status = ?, consecutive_failures = ?
        WHERE id = ?`, body.name, targetUrl, body.secret ?? row.secret, reactivate ? 'active' : row.status,
      reactivate ? 0 : row.consecutive_failures, row.id)
    })
    this.cache = undefined
    return this.toWebhook(this.row(row.id) as SubscriptionRow)
  }

  /** Unsubscribing stops deliveries at once: pending and dead rows go with the subscription. */
  delete (caller: Caller, webhookId: string): void {
    const row = this.owned(caller, webhookId)
    this.store.tx(() => {
      this.store.run('DELETE FROM deliveries WHERE subscription_id = ?', row.id)
      this.store.run('DELETE FROM subscriptions WHERE id = ?', row.id)
    })
    this.cache = undefined
  }

  deadLetters (caller: Caller, webhookId: string, q: { max: number, cursor?: string }): Page<DeadLetter> {
    const row = this.owned(caller, webhookId)
    const after = decodeCursor(q.cursor, ['number'])
    const rows = this.store.all<DeliveryRow>(`SELECT * FROM deliveries WHERE subscription_id = ? AND status = 'dead' AND seq > ?
      ORDER BY seq LIMIT ?`, row.id, after?.[0] ?? 0, q.max + 1)
    return toPage(rows, q.max, d => ({
      id: encodeId('DELIVERY', d.id), webhookId: encodeId('WEBHOOK', row.id), attempts: d.attempts,
      ...(d.last_status !== null ? { lastStatus: d.last_status } : {}), lastError: d.last_error ?? '',
      created: d.created, deadAt: d.finished ?? d.created, payload: JSON.parse(d.body) as unknown
    }), d => [d.seq])
  }

  /** Puts every dead letter of an active subscription back in its queue, in their original order. */
  redeliver (caller: Caller, webhookId: string): number {
    const row = this.owned(caller, webhookId)
    if (row.status !== 'active') throw new ForbiddenError('Reactivate the webhook (status: active) before redelivering.')
    return this.store.tx(() => {
      const n = this.store.run(`UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, finished = NULL
        WHERE subscription_id = ? AND status = 'dead'`, this.store.clock(), row.id)
      // Commit listeners wake only for events; a redelivery must wake the worker too.
      if (n > 0) this.store.wakeOnCommit()
      return n
    })
  }

  row (id: string): SubscriptionRow | undefined { return this.store.get('SELECT * FROM subscriptions WHERE id = ?', id) }

  /** Called by the delivery worker when a subscription's deliveries keep failing. */
  deactivate (subscriptionId: string, reason: string): void {
    this.store.tx(() => {
      this.store.run("UPDATE subscriptions SET status = 'inactive' WHERE id = ?", subscriptionId)
      this.store.run(`UPDATE deliveries SET status = 'dead', last_error = ?, finished = ? WHERE subscription_id = ? AND status = 'pending'`,
        reason, this.store.now(), subscriptionId)
      this.trimDead(subscriptionId)
    })
    this.cache = undefined
  }

  private subscriptions (): Cached[] {
    if (!this.cache) {
      this.cache = this.store.all<SubscriptionRow & { roles: string }>(
        'SELECT s.*, p.roles FROM subscriptions s JOIN people p ON p.id = s.owner_id ORDER BY s.seq').map(r => ({
        row: r, filter: parseFilter(r.resource, r.filter), owner: { personId: r.owner_id, orgId: r.org_id, roles: JSON.parse(r.roles) as string[] }
      }))
    }
    return this.cache
  }

  /** The outbox write: one delivery per subscription that matches and may see the space. */
  private fanOut (e: StoredEvent): void {
    // Seed rule: a membership deleted in a 1:1 space is not a trigger.
    if (e.resource === 'memberships' && e.event === 'deleted' && e.data.roomType === 'direct') return
    for (const { row, filter, owner } of this.subscriptions()) {
      if ((row.resource !== e.resource && row.resource !== 'all') || (row.event !== e.event && row.event !== 'all')) continue
      if (!this.opts.canSee(owner, e)) continue
      const data = e.viewData ? e.viewData(owner.personId) : e.data
      if (!matches(filter, e.resource, data, encodeId('PEOPLE', owner.personId))) continue
      const envelope = {
        ...this.toWebhook(row), resource: e.resource, event: e.event, ownerId: encodeId('PEOPLE', row.owner_id),
        actorId: encodeId('PEOPLE', e.actorId), data
      }
      delete (envelope as { secret?: string }).secret
      const inactive = row.status === 'inactive'
      this.store.run(`INSERT INTO deliveries (id, subscription_id, event_seq, status, body, next_attempt_at, last_error, created, finished)
        VALUES (?,?,?,?,?,?,?,?,?)`, newUuid(), row.id, e.seq, inactive ? 'dead' : 'pending', JSON.stringify(envelope),
      this.store.clock(), inactive ? 'The webhook is inactive.' : null, e.created, inactive ? e.created : null)
      if (inactive) this.trimDead(row.id)
    }
  }

  private trimDead (subscriptionId: string): void {
    this.store.run(`DELETE FROM deliveries WHERE subscription_id = ? AND status = 'dead' AND seq <= (
      SELECT seq FROM deliveries WHERE subscription_id = ? AND status = 'dead' ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    subscriptionId, subscriptionId, this.opts.deadLetterCap)
  }
}
