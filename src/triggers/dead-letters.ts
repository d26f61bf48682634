import { ForbiddenError } from '../errors.js'
import { encodeId } from '../ids.js'
import type { Caller, Page } from '../domain/caller.js'
import type { AsyncStore } from '../store/db.js'
import type { DeadLetter } from '../schemas/webhook.js'
import { decodeCursor, toPage } from '../store/cursor.js'
import { deliveryId, type Envelopes } from './envelope.js'
import type { Outbox } from './outbox.js'
import type { Subscriptions } from './subscriptions.js'
import type { FanOut } from './fanout.js'

/** What a lane gave up on, as its owner lists it, and redelivering it. */
export class DeadLetters {
  constructor (
    private readonly store: AsyncStore,
    private readonly subscriptions: Subscriptions,
    private readonly outbox: Outbox,
    private readonly envelopes: Envelopes,
    private readonly fanOut: FanOut
  ) {}

  async list (caller: Caller, webhookId: string, q: { max: number; cursor?: string }): Promise<Page<DeadLetter>> {
    const sub = await this.subscriptions.owned(caller, webhookId)
    const after = decodeCursor(q.cursor, ['number'])
    const rows = await this.outbox.deadLetters(sub.id, Number(after?.[0] ?? 0), q.max + 1)
    return toPage(
      rows,
      q.max,
      d => ({
        id: deliveryId(d.seq),
        webhookId: encodeId('WEBHOOK', sub.id),
        attempts: d.attempts,
        ...(d.last_status !== null ? { lastStatus: d.last_status } : {}),
        lastError: d.last_error ?? '',
        created: d.created,
        deadAt: d.finished ?? d.created,
        payload: JSON.parse(
          this.envelopes.text(sub, d.resource, d.event, d.actor_id, d.data ?? d.event_data)
        ) as unknown,
      }),
      d => [d.seq]
    )
  }

  /** Queues every dead letter of an active subscription again, in their original order, behind what is queued. */
  async redeliver (caller: Caller, webhookId: string): Promise<number> {
    const sub = await this.subscriptions.owned(caller, webhookId)
    if (sub.status !== 'active') {
      throw new ForbiddenError('Reactivate the webhook (status: active) before redelivering.')
    }
    return await this.store.tx(async () => {
      const n = await this.outbox.requeueDead(sub.id)
      // Commit listeners wake only for events; a redelivery must wake the lane too.
      if (n > 0) {
        this.store.wakeOnCommit()
        await this.fanOut.queue(sub.id)
      }
      return n
    })
  }
}
