import type { Caller, Page } from '../domain/caller.js'
import type { AsyncStore } from '../store/db.js'
import type { CreateWebhookBody, DeadLetter, UpdateWebhookBody, Webhook } from '../schemas/webhook.js'
import { Envelopes, toWebhook } from './envelope.js'
import { Outbox } from './outbox.js'
import { FanOut, type LocalSink } from './fanout.js'
import { DeadLetters } from './dead-letters.js'
import { Subscriptions, type CanSee, type LocalSubscription } from './subscriptions.js'

export interface RegistryOptions {
  allowPrivateTargets: boolean
  /** Dead letters kept per subscription; the oldest go first. */
  deadLetterCap: number
  canSee: CanSee
  /** Told whenever subscription rows change here, so another thread holding a cache can drop it. */
  onChanged?: () => void
}

/**
 * The trigger pipeline's parts, put together once: the subscriptions (subscriptions.ts), the fan-out of each
 * event into the outbox (fanout.ts, outbox.ts), envelopes (envelope.ts) and dead letters (dead-letters.ts).
 * The routes and the flow runtime call it; the lanes (lanes.ts) read what it queued.
 */
export class TriggerRegistry {
  readonly subscriptions: Subscriptions
  readonly outbox: Outbox
  readonly envelopes = new Envelopes()
  readonly fanOut: FanOut
  private readonly deadLetterList: DeadLetters

  constructor (store: AsyncStore, opts: RegistryOptions) {
    this.outbox = new Outbox(store, opts.deadLetterCap)
    this.subscriptions = new Subscriptions(store, {
      allowPrivateTargets: opts.allowPrivateTargets,
      ...(opts.onChanged ? { onChanged: opts.onChanged } : {}),
      onDelete: id => this.outbox.forget(id),
    })
    this.fanOut = new FanOut(store, this.subscriptions, this.outbox, this.envelopes, opts.canSee)
    this.deadLetterList = new DeadLetters(store, this.subscriptions, this.outbox, this.envelopes, this.fanOut)
  }

  create (caller: Caller, body: CreateWebhookBody, source?: string): Promise<Webhook> {
    return this.subscriptions.create(caller, body, source)
  }

  list (caller: Caller, q: { max: number; cursor?: string }): Promise<Page<Webhook>> {
    return this.subscriptions.list(caller, q)
  }

  async get (caller: Caller, webhookId: string): Promise<Webhook> {
    return toWebhook(await this.subscriptions.owned(caller, webhookId))
  }

  update (caller: Caller, webhookId: string, body: UpdateWebhookBody): Promise<Webhook> {
    return this.subscriptions.update(caller, webhookId, body)
  }

  delete (caller: Caller, webhookId: string): Promise<void> {
    return this.subscriptions.delete(caller, webhookId)
  }

  deadLetters (caller: Caller, webhookId: string, q: { max: number; cursor?: string }): Promise<Page<DeadLetter>> {
    return this.deadLetterList.list(caller, webhookId, q)
  }

  redeliver (caller: Caller, webhookId: string): Promise<number> {
    return this.deadLetterList.redeliver(caller, webhookId)
  }

  /** Serves subscriptions of `source` in-process (flows): matching events go to `sink` instead of the outbox. */
  onLocal (source: string, sink: LocalSink): void {
    this.fanOut.onLocal(source, sink)
  }

  syncLocal (source: string, wanted: LocalSubscription[]): Promise<void> {
    return this.subscriptions.syncLocal(source, wanted)
  }
}

export type { CanSee } from './subscriptions.js'
