import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js'
import { decodeId, encodeId, newUuid, stableUuid } from '../ids.js'
import type { Caller, Page } from '../domain/caller.js'
import type { StoredEvent } from '../store/store.js'
import type { AsyncStore } from '../store/db.js'
import type { CreateWebhookBody, DeadLetter, UpdateWebhookBody, Webhook } from '../schemas/webhook.js'
import { decodeCursor, toPage } from '../store/cursor.js'
import { matches, parseFilter, type Filter } from './filters.js'
import { checkTargetUrl } from '../http/target-policy.js'

export interface SubscriptionRow {
  seq: number
  id: string
  owner_id: string
  org_id: string
  name: string
  target_url: string
  resource: string
  event: string
  filter: string | null
  secret: string | null
  status: 'active' | 'inactive'
  source: string
  consecutive_failures: number
  created: string
  delivered_through: number
}
/** An outbox row joined with its event: everything needed to build the envelope. */
export interface DeliveryRow {
  seq: number
  subscription_id: string
  data: string | null
  attempts: number
  next_attempt_at: number
  last_status: number | null
  last_error: string | null
  created: string
  finished: string | null
  resource: string
  event: string
  actor_id: string
  event_data: string
}
export const DELIVERY_SELECT = `SELECT d.*, e.resource, e.event, e.actor_id, e.data AS event_data
  FROM deliveries d JOIN events e ON e.seq = d.event_seq`

/** Who owns a subscription, as the visibility rule needs it. */
export interface Owner {
  personId: string
  orgId: string
  roles: string[]
}
/** May this owner see the space an event is about? Supplied by the backend that knows memberships. */
export type CanSee = (owner: Owner, e: StoredEvent) => boolean | Promise<boolean>

export interface RegistryOptions {
  allowPrivateTargets: boolean
  /** Dead letters kept per subscription; the oldest go first. */
  deadLetterCap: number
  canSee: CanSee
  /** Told whenever subscription rows change here, so another thread holding a cache can drop it. */
  onChanged?: () => void
}

/** A delivery's public id, derived from its outbox seq (stable for as long as the row exists). */
export const deliveryId = (seq: number): string => encodeId('DELIVERY', stableUuid(`delivery:${seq}`))

/** The id of this service as a Webex "application", stamped on webhooks it creates. */
export const APP_ID = encodeId('APPLICATION', stableUuid('app:webex-spaces-connector'))

interface Cached {
  row: SubscriptionRow
  filter: Filter
  owner: Owner
}

/** Runs in the event's transaction for a local subscription: `envelope` is the webhook body it would have got. */
export type LocalSink = (row: SubscriptionRow, e: StoredEvent, envelope: string) => void | Promise<void>

/** A subscription a local consumer wants: keyed by `target` (e.g. flow:welcome-new-member). */
export interface LocalSubscription {
  target: string
  name: string
  ownerId: string
  orgId: string
  resource: string
  event: string
  filter?: string
}

/** The class of the transaction locks that keep each subscription's outbox in commit order (PostgreSQL). */
const OUTBOX_ORDER_LOCK = 16_001

/**
 * The one registry behind /v1/webhooks, the connector's trigger subscriptions and flow triggers. Its sink
 * runs inside the transaction that recorded an event and writes one outbox row per matching subscription.
 */
export class TriggerRegistry {
  private cache: Cached[] | undefined
  private byId: Map<string, SubscriptionRow> | undefined
  /** Subscriptions that got deliveries since the worker last asked: it wakes just those lanes. */
  private queued = new Set<string>()
  private readonly refreshListeners: Array<() => void> = []
  /** Subscriptions served inside this process (flows) instead of by an HTTP delivery, by source. */
  private readonly localSinks = new Map<string, LocalSink>()
  private readonly envelopePrefixes = new WeakMap<SubscriptionRow, Map<string, string>>()

  constructor (
    private readonly store: AsyncStore,
    private readonly opts: RegistryOptions
  ) {
    store.onEvent(e => this.fanOut(e))
  }

  toWebhook (r: SubscriptionRow): Webhook {
    return {
      id: encodeId('WEBHOOK', r.id),
      name: r.name,
      targetUrl: r.target_url,
      resource: r.resource,
      event: r.event,
      ...(r.filter ? { filter: r.filter } : {}),
      ...(r.secret ? { secret: r.secret } : {}),
      status: r.status,
      created: r.created,
      orgId: encodeId('ORGANIZATION', r.org_id),
      createdBy: encodeId('PEOPLE', r.owner_id),
      appId: APP_ID,
      ownedBy: 'creator',
    }
  }

  async create (caller: Caller, body: CreateWebhookBody, source = 'webhook'): Promise<Webhook> {
    const targetUrl = checkTargetUrl(body.targetUrl, { allowPrivate: this.opts.allowPrivateTargets })
    parseFilter(body.resource, body.filter)
    const id = newUuid()
    await this.store.tx(async () => {
      await this.store.run(
        `INSERT INTO subscriptions (id, owner_id, org_id, name, target_url, resource, event, filter, secret, source,
          created)
        VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
        id,
        caller.personId,
        caller.orgId,
        body.name,
        targetUrl,
        body.resource,
        body.event,
        body.filter || null,
        body.secret ?? null,
        source,
        this.store.now()
      )
    })
    this.invalidate()
    return this.toWebhook(await this.row(id) as SubscriptionRow)
  }

  async list (caller: Caller, q: { max: number; cursor?: string }): Promise<Page<Webhook>> {
    const after = decodeCursor(q.cursor, ['number'])
    // Local subscriptions (flow triggers) are not webhooks: neither listed nor reachable by id.
    const local = [...this.localSinks.keys()]
    const rows = await this.store.all<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE owner_id = ? AND source NOT IN (${local.map(() => '?').join(',')}) AND seq >
        ? ORDER BY seq LIMIT ?`,
      caller.personId,
      ...local,
      after?.[0] ?? 0,
      q.max + 1
    )
    return toPage(
      rows,
      q.max,
      r => this.toWebhook(r),
      r => [r.seq]
    )
  }

  /** A subscription the caller owns; anyone else's is a 404. */
  async owned (caller: Caller, webhookId: string): Promise<SubscriptionRow> {
    const local = decodeId('WEBHOOK', webhookId)
    if (!local) throw new BadRequestError('webhookId is not a valid webhook id.')
    const row = await this.row(local)
    if (!row || row.owner_id !== caller.personId || this.localSinks.has(row.source)) throw new NotFoundError()
    return row
  }

  async get (caller: Caller, webhookId: string): Promise<Webhook> {
    return this.toWebhook(await this.owned(caller, webhookId))
  }

  /** Webex lets an update change name, targetUrl, secret and status, and status only from inactive to active. */
  async update (caller: Caller, webhookId: string, body: UpdateWebhookBody): Promise<Webhook> {
    const row = await this.owned(caller, webhookId)
    const targetUrl = checkTargetUrl(body.targetUrl, { allowPrivate: this.opts.allowPrivateTargets })
    if (body.status === 'inactive' && row.status === 'active') {
      throw new BadRequestError('status can only be changed from inactive to active.')
    }
    const reactivate = body.status === 'active' && row.status === 'inactive'
    await this.store.tx(async () => {
      await this.store.run(
        `UPDATE subscriptions SET name = ?, target_url = ?, secret = ?, status = ?, consecutive_failures = ?
        WHERE id = ?`,
        body.name,
        targetUrl,
        body.secret ?? row.secret,
        reactivate ? 'active' : row.status,
        reactivate ? 0 : row.consecutive_failures,
        row.id
      )
    })
    this.invalidate()
    return this.toWebhook(await this.row(row.id) as SubscriptionRow)
  }

  /** Unsubscribing stops deliveries at once: pending and dead rows go with the subscription. */
  async delete (caller: Caller, webhookId: string): Promise<void> {
    const row = await this.owned(caller, webhookId)
    await this.store.tx(async () => {
      await this.store.run('DELETE FROM deliveries WHERE subscription_id = ?', row.id)
      await this.store.run('DELETE FROM subscriptions WHERE id = ?', row.id)
    })
    this.invalidate()
  }

  async deadLetters (
    caller: Caller,
    webhookId: string,
    q: { max: number; cursor?: string }
  ): Promise<Page<DeadLetter>> {
    const row = await this.owned(caller, webhookId)
    const after = decodeCursor(q.cursor, ['number'])
    const rows = await this.store.all<DeliveryRow>(
      `${DELIVERY_SELECT} WHERE d.subscription_id = ? AND d.status = 'dead' AND d.seq > ?
      ORDER BY d.seq LIMIT ?`,
      row.id,
      after?.[0] ?? 0,
      q.max + 1
    )
    return toPage(
      rows,
      q.max,
      d => ({
        id: deliveryId(d.seq),
        webhookId: encodeId('WEBHOOK', row.id),
        attempts: d.attempts,
        ...(d.last_status !== null ? { lastStatus: d.last_status } : {}),
        lastError: d.last_error ?? '',
        created: d.created,
        deadAt: d.finished ?? d.created,
        payload: JSON.parse(this.envelope(row, d)) as unknown,
      }),
      d => [d.seq]
    )
  }

  /**
   * Queues every dead letter of an active subscription again, in their original order, behind whatever is
   * pending: as new outbox rows (fresh seqs), since the worker reads each queue forward from where it is.
   */
  async redeliver (caller: Caller, webhookId: string): Promise<number> {
    const row = await this.owned(caller, webhookId)
    if (row.status !== 'active') {
      throw new ForbiddenError('Reactivate the webhook (status: active) before redelivering.')
    }
    return await this.store.tx(async () => {
      const dead = await this.store.all<{ seq: number; event_seq: number; data: string | null; created: string }>(
        "SELECT seq, event_seq, data, created FROM deliveries WHERE subscription_id = ? AND status = 'dead' ORDER BY " +
          'seq',
        row.id
      )
      for (const d of dead) {
        await this.store.run(
          `INSERT INTO deliveries (subscription_id, event_seq, status, data, next_attempt_at, created)
          VALUES (?,?,'pending',?,?,?)`,
          row.id,
          d.event_seq,
          d.data,
          this.store.clock(),
          d.created
        )
        await this.store.run('DELETE FROM deliveries WHERE seq = ?', d.seq)
      }
      // Commit listeners wake only for events; a redelivery must wake the worker too.
      if (dead.length > 0) {
        this.store.wakeOnCommit()
        this.queued.add(row.id)
      }
      return dead.length
    })
  }

  /** The Webex webhook envelope of one delivery, as the JSON text that is POSTed (and signed). */
  envelope (sub: SubscriptionRow, d: DeliveryRow): string {
    return this.envelopeText(sub, d.resource, d.event, d.actor_id, d.data ?? d.event_data)
  }

  private envelopeText (sub: SubscriptionRow, resource: string, event: string, actorId: string, data: string): string {
    // Everything before actorId depends only on the subscription and the event type: built once per row object
    // (rows are replaced, never changed, when a subscription changes), as thousands of deliveries a second need it.
    let prefixes = this.envelopePrefixes.get(sub)
    if (!prefixes) {
      prefixes = new Map()
      this.envelopePrefixes.set(sub, prefixes)
    }
    const kind = `${resource}/${event}`
    let prefix = prefixes.get(kind)
    if (prefix === undefined) {
      const { secret: _secret, ...webhook } = this.toWebhook(sub)
      prefix = `{${JSON.stringify({ ...webhook, resource, event, ownerId: webhook.createdBy }).slice(1, -1)},"actorId":`
      prefixes.set(kind, prefix)
    }
    return `${prefix}"${encodeId('PEOPLE', actorId)}","data":${data}}`
  }

  /** Serves subscriptions of `source` in-process: matching events go to `sink` instead of the outbox. */
  onLocal (source: string, sink: LocalSink): void {
    this.localSinks.set(source, sink)
  }

  /**
   * Makes the subscriptions of `source` exactly `wanted` (by target): new ones created, changed ones
   * replaced, the rest deleted. Local subscriptions skip the URL policy: their target is not a URL.
   */
  async syncLocal (source: string, wanted: LocalSubscription[]): Promise<void> {
    const have = await this.store.all<SubscriptionRow>('SELECT * FROM subscriptions WHERE source = ?', source)
    const same = (r: SubscriptionRow, w: LocalSubscription): boolean =>
      r.owner_id === w.ownerId &&
      r.resource === w.resource &&
      r.event === w.event &&
      (r.filter ?? '') === (w.filter ?? '') &&
      r.name === w.name
    await this.store.tx(async () => {
      for (const r of have) {
        if (!wanted.some(w => w.target === r.target_url && same(r, w))) {
          await this.store.run('DELETE FROM subscriptions WHERE id = ?', r.id)
        }
      }
      for (const w of wanted) {
        parseFilter(w.resource, w.filter)
        if (have.some(r => r.target_url === w.target && same(r, w))) continue
        await this.store.run(
          `INSERT INTO subscriptions (id, owner_id, org_id, name, target_url, resource, event, filter, secret,
            source, created)
          VALUES (?,?,?,?,?,?,?,?,NULL,?,?)`,
          newUuid(),
          w.ownerId,
          w.orgId,
          w.name,
          w.target,
          w.resource,
          w.event,
          w.filter ?? null,
          source,
          this.store.now()
        )
      }
    })
    this.invalidate()
  }

  async row (id: string): Promise<SubscriptionRow | undefined> {
    return await this.store.get('SELECT * FROM subscriptions WHERE id = ?', id)
  }

  /** The subscription as of the last change to any subscription, from memory: the worker asks per delivery. */
  async current (id: string): Promise<SubscriptionRow | undefined> {
    if (!this.byId) this.byId = new Map((await this.subscriptions()).map(c => [c.row.id, c.row]))
    return this.byId.get(id)
  }

  /** Subscription rows changed (status, failures, settings): drop what is cached of them. */
  invalidate (): void {
    this.refresh()
    this.opts.onChanged?.()
  }

  /** Drops the cached subscriptions (here, or because another thread changed them). */
  refresh (): void {
    this.cache = undefined
    this.byId = undefined
    for (const l of this.refreshListeners) l()
  }

  onRefresh (listener: () => void): void {
    this.refreshListeners.push(listener)
  }

  /** Called by the delivery worker when a subscription's deliveries keep failing. */
  async deactivate (subscriptionId: string, reason: string): Promise<void> {
    await this.store.tx(async () => {
      await this.store.run("UPDATE subscriptions SET status = 'inactive' WHERE id = ?", subscriptionId)
      await this.store.run(
        `UPDATE deliveries SET status = 'dead', last_error = ?, finished = ? WHERE subscription_id = ? AND status =
          'pending'
        AND seq > (SELECT delivered_through FROM subscriptions WHERE id = ?)`,
        reason,
        this.store.now(),
        subscriptionId,
        subscriptionId
      )
      await this.trimDead(subscriptionId)
    })
    this.invalidate()
  }

  private async subscriptions (): Promise<Cached[]> {
    if (!this.cache) {
      this.cache = (await this.store
        .all<SubscriptionRow & { roles: string }>(
          'SELECT s.*, p.roles FROM subscriptions s JOIN people p ON p.id = s.owner_id ORDER BY s.seq'
        ))
        .map(r => ({
          row: r,
          filter: parseFilter(r.resource, r.filter),
          owner: { personId: r.owner_id, orgId: r.org_id, roles: JSON.parse(r.roles) as string[] },
        }))
    }
    return this.cache
  }

  /** The outbox write: one delivery per subscription that matches and may see the space. */
  private async fanOut (e: StoredEvent): Promise<void> {
    // Seed rule: a membership deleted in a 1:1 space is not a trigger.
    if (e.resource === 'memberships' && e.event === 'deleted' && e.data.roomType === 'direct') return
    const sees = new Map<string, boolean>()
    for (const { row, filter, owner } of await this.subscriptions()) {
      // `all` is Webex's firehose: it leaves out card submissions (they need a webhook of their own) and the
      // governance layer's events (they go to their own trigger).
      const firehose = e.resource !== 'attachmentActions' && e.resource !== 'dispositions'
      const resource = row.resource === e.resource || (firehose && row.resource === 'all')
      if (!resource || (row.event !== e.event && row.event !== 'all')) {
        continue
      }
      let visible = sees.get(owner.personId)
      if (visible === undefined) {
        visible = await this.opts.canSee(owner, e)
        sees.set(owner.personId, visible)
      }
      if (!visible) continue
      const view = e.viewData ? await e.viewData(owner.personId) : undefined
      if (!matches(filter, e.resource, view ?? e.data, encodeId('PEOPLE', owner.personId))) continue
      const local = this.localSinks.get(row.source)
      if (local) {
        await local(row, e, this.envelopeText(row, e.resource, e.event, e.actorId, JSON.stringify(view ?? e.data)))
        continue
      }
      const inactive = row.status === 'inactive'
      // A lane delivers its outbox in seq order and then skips what is below its watermark; on PostgreSQL a
      // transaction that numbered its row first could commit after one numbered later, and its row would be
      // skipped. Writers to one subscription's outbox therefore commit in the order they number its rows.
      const lock = this.store.dialect.transactionLock
      if (lock && !inactive) await this.store.get(lock, OUTBOX_ORDER_LOCK, row.id)
      await this.store.run(
        `INSERT INTO deliveries (subscription_id, event_seq, status, data, next_attempt_at, last_error, created,
          finished)
        VALUES (?,?,?,?,?,?,?,?)`,
        row.id,
        e.seq,
        inactive ? 'dead' : 'pending',
        view ? JSON.stringify(view) : null,
        this.store.clock(),
        inactive ? 'The webhook is inactive.' : null,
        e.created,
        inactive ? e.created : null
      )
      if (inactive) await this.trimDead(row.id)
      // Only once committed: on PostgreSQL another transaction's commit would otherwise wake the lane (and
      // take this wake) before this row is visible, and the lane would not look again.
      else this.store.afterCommit(() => this.queued.add(row.id))
    }
  }

  /** The subscriptions with newly queued deliveries, once each. */
  takeQueued (): string[] {
    if (this.queued.size === 0) return []
    const ids = [...this.queued]
    this.queued.clear()
    return ids
  }

  private async trimDead (subscriptionId: string): Promise<void> {
    await this.store.run(
      `DELETE FROM deliveries WHERE subscription_id = ? AND status = 'dead' AND seq <= (
      SELECT seq FROM deliveries WHERE subscription_id = ? AND status = 'dead' ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      subscriptionId,
      subscriptionId,
      this.opts.deadLetterCap
    )
  }
}
