import type { StoredEvent } from '../store/store.js'
import type { AsyncStore } from '../store/db.js'
import { matches } from './filters.js'
import type { Envelopes } from './envelope.js'
import type { Outbox } from './outbox.js'
import type { CanSee, SubscriptionRow, Subscriptions } from './subscriptions.js'

/** Runs in the event's transaction for a local subscription: `envelope` is the webhook body it would have got. */
export type LocalSink = (row: SubscriptionRow, e: StoredEvent, envelope: string) => void | Promise<void>

/**
 * The first step of an event's path: a sink of the store, run inside the transaction that recorded the event.
 * It picks the subscriptions that match and whose owner may see the space, hands local ones (flows) to their
 * consumer and queues the rest in the outbox, all of it committing or rolling back with the change.
 */
export class FanOut {
  /** Subscriptions that got deliveries since the lanes last asked: they wake just those. */
  private queued = new Set<string>()
  private readonly localSinks = new Map<string, LocalSink>()
  /** Told, inside the transaction, which subscriptions an event was queued for (other instances' lanes wake). */
  private announce: ((subscriptionIds: string[]) => Promise<void>) | undefined

  constructor (
    private readonly store: AsyncStore,
    private readonly subscriptions: Subscriptions,
    private readonly outbox: Outbox,
    private readonly envelopes: Envelopes,
    private readonly canSee: CanSee
  ) {
    store.onEvent(e => this.fanOut(e))
  }

  onQueued (announce: (subscriptionIds: string[]) => Promise<void>): void {
    this.announce = announce
  }

  /** Serves subscriptions of `source` in-process: matching events go to `sink` instead of the outbox. */
  onLocal (source: string, sink: LocalSink): void {
    this.localSinks.set(source, sink)
    this.subscriptions.addLocalSource(source)
  }

  /** A lane got work outside the fan-out (a redelivery), in the current transaction: it wakes on commit. */
  async queue (subscriptionId: string): Promise<void> {
    this.wakeOnCommit([subscriptionId])
    await this.announce?.([subscriptionId])
  }

  /**
   * The lanes wake once this transaction has committed, not before: on PostgreSQL another transaction's commit
   * would otherwise take the wake while this one's row is not yet visible, and the lane would not look again.
   */
  private wakeOnCommit (subscriptionIds: string[]): void {
    this.store.afterCommit(() => {
      for (const id of subscriptionIds) this.queued.add(id)
    })
  }

  /** The subscriptions with newly queued deliveries, once each. */
  takeQueued (): string[] {
    if (this.queued.size === 0) return []
    const ids = [...this.queued]
    this.queued.clear()
    return ids
  }

  private async fanOut (e: StoredEvent): Promise<void> {
    // Seed rule: a membership deleted in a 1:1 space is not a trigger.
    if (e.resource === 'memberships' && e.event === 'deleted' && e.data.roomType === 'direct') return
    const sees = new Map<string, boolean>()
    const targets: string[] = []
    let views: Record<string, unknown> | undefined
    // `all` is Webex's firehose: it leaves out card submissions (they need a webhook of their own) and the
    // governance layer's events (they go to their own trigger).
    const firehose = e.resource !== 'attachmentActions' && e.resource !== 'dispositions'
    await this.subscriptions.revalidate()
    for (const { row, filter, owner } of await this.subscriptions.matchers()) {
      const resource = row.resource === e.resource || (firehose && row.resource === 'all')
      if (!resource || (row.event !== e.event && row.event !== 'all')) continue
      let visible = sees.get(owner.personId)
      if (visible === undefined) {
        visible = await this.canSee(owner, e)
        sees.set(owner.personId, visible)
      }
      if (!visible) continue
      const view = e.viewData ? await e.viewData(owner.personId) : undefined
      if (!matches(filter, e.resource, view ?? e.data, this.envelopes.personId(owner.personId))) continue
      const local = this.localSinks.get(row.source)
      if (local) {
        await local(row, e, this.envelopes.text(row, e.resource, e.event, e.actorId, JSON.stringify(view ?? e.data)))
        continue
      }
      if (row.status === 'inactive') {
        await this.outbox.deadOnArrival(row.id, e, view ? JSON.stringify(view) : null)
        continue
      }
      targets.push(row.id)
      if (view) (views ??= {})[row.id] = view
    }
    // One row for every subscription the event goes to: a lane picks out its own.
    if (targets.length === 0) return
    this.wakeOnCommit(targets)
    await this.outbox.append(e.seq, targets, views)
    await this.announce?.(targets)
  }
}
