import { BadRequestError, NotFoundError } from '../errors.js'
import { decodeId, newUuid } from '../ids.js'
import type { Caller, Page } from '../domain/caller.js'
import type { StoredEvent } from '../store/store.js'
import type { AsyncStore } from '../store/db.js'
import type { CreateWebhookBody, UpdateWebhookBody, Webhook } from '../schemas/webhook.js'
import { decodeCursor, toPage } from '../store/cursor.js'
import { parseFilter, type Filter } from './filters.js'
import { checkTargetUrl } from '../http/target-policy.js'
import { toWebhook } from './envelope.js'

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
}

/** Who owns a subscription, as the visibility rule needs it. */
export interface Owner {
  personId: string
  orgId: string
  roles: string[]
}
/** May this owner see the space an event is about? Supplied by the backend that knows memberships. */
export type CanSee = (owner: Owner, e: StoredEvent) => boolean | Promise<boolean>

/** A subscription with what matching an event needs, parsed once. */
export interface Matcher {
  row: SubscriptionRow
  filter: Filter
  owner: Owner
}

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

export interface SubscriptionOptions {
  allowPrivateTargets: boolean
  /** Told whenever subscription rows change here, so another thread holding a cache can drop it. */
  onChanged?: () => void
  /** Run in the transaction that removes a subscription: its queued and dead deliveries go with it. */
  onDelete: (subscriptionId: string) => Promise<void>
}

/**
 * The subscriptions: Webex webhooks (`/v1/webhooks`), the connector's trigger subscriptions and flow triggers
 * (local ones, served in-process) in one table. Created, read, updated and deleted here; read by the fan-out
 * and the lanes from a cache dropped whenever a row changes.
 */
export class Subscriptions {
  private cache: Matcher[] | undefined
  private byId: Map<string, SubscriptionRow> | undefined
  private readonly refreshListeners: Array<() => void> = []
  /** Sources served in-process (flows): neither listed nor reachable as webhooks, and not sent over HTTP. */
  private readonly local = new Set<string>()
  /** subscription_changes.n when the cache was read (PostgreSQL: other instances change subscriptions too). */
  private version: number | undefined

  constructor (
    private readonly store: AsyncStore,
    private readonly opts: SubscriptionOptions
  ) {}

  addLocalSource (source: string): void {
    this.local.add(source)
  }

  isLocal (source: string): boolean {
    return this.local.has(source)
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
      await this.changed()
    })
    this.invalidate()
    return toWebhook(await this.row(id) as SubscriptionRow)
  }

  async list (caller: Caller, q: { max: number; cursor?: string }): Promise<Page<Webhook>> {
    const after = decodeCursor(q.cursor, ['number'])
    const local = [...this.local]
    // No local source (flows off): PostgreSQL refuses an empty NOT IN ().
    const notLocal = local.length > 0 ? `AND source NOT IN (${local.map(() => '?').join(',')})` : ''
    const rows = await this.store.all<SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE owner_id = ? ${notLocal} AND seq > ? ORDER BY seq LIMIT ?`,
      caller.personId,
      ...local,
      after?.[0] ?? 0,
      q.max + 1
    )
    return toPage(rows, q.max, toWebhook, r => [r.seq])
  }

  /** A subscription the caller owns; anyone else's is a 404. */
  async owned (caller: Caller, webhookId: string): Promise<SubscriptionRow> {
    const local = decodeId('WEBHOOK', webhookId)
    if (!local) throw new BadRequestError('webhookId is not a valid webhook id.')
    const row = await this.row(local)
    if (!row || row.owner_id !== caller.personId || this.local.has(row.source)) throw new NotFoundError()
    return row
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
      await this.changed()
    })
    this.invalidate()
    return toWebhook(await this.row(row.id) as SubscriptionRow)
  }

  /** Unsubscribing stops deliveries at once: pending and dead ones go with the subscription. */
  async delete (caller: Caller, webhookId: string): Promise<void> {
    const row = await this.owned(caller, webhookId)
    await this.store.tx(async () => {
      await this.opts.onDelete(row.id)
      await this.store.run('DELETE FROM subscriptions WHERE id = ?', row.id)
      await this.changed()
    })
    this.invalidate()
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
      await this.changed()
    })
    this.invalidate()
  }

  /**
   * In the transaction that changes what the fan-out matches (a subscription's existence, filter, target or
   * status): other instances see the count move and read the subscriptions again.
   */
  async changed (): Promise<void> {
    await this.store.run('UPDATE subscription_changes SET n = n + 1 WHERE id = 1')
  }

  /**
   * On PostgreSQL, drops the cache when another instance changed a subscription since it was read: one small
   * read, by the fan-out per event and by a lane per batch, so a webhook created through any instance gets the
   * events committed after its creation. On SQLite one process writes, and its own changes drop the cache.
   */
  async revalidate (): Promise<void> {
    if (this.store.dialect.name !== 'postgres') return
    const n = (await this.store.get<{ n: number }>('SELECT n FROM subscription_changes WHERE id = 1'))?.n
    if (n !== this.version) {
      this.refresh()
      this.version = n
    }
  }

  async row (id: string): Promise<SubscriptionRow | undefined> {
    return await this.store.get('SELECT * FROM subscriptions WHERE id = ?', id)
  }

  /** The subscription as of the last change to any subscription, from memory: the lanes ask per delivery. */
  async current (id: string): Promise<SubscriptionRow | undefined> {
    if (!this.byId) this.byId = new Map((await this.matchers()).map(c => [c.row.id, c.row]))
    return this.byId.get(id)
  }

  /** Every subscription with its parsed filter and owner, in creation order: what the fan-out matches. */
  async matchers (): Promise<Matcher[]> {
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

  /** Subscription rows changed (status, failures, settings): drop what is cached of them, here and elsewhere. */
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
}
