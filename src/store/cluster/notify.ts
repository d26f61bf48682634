import pg from 'pg'
import type { PostgresStore, StoreLog } from '../postgres.js'

export interface ListenerOptions {
  log?: StoreLog
  /** Reconnection backoff: first wait, doubled up to the last. */
  minRetryMs?: number
  maxRetryMs?: number
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries, and lose its LISTENs): wakes
 * this instance when another commits work for it. When the connection is lost it connects again by itself,
 * with backoff, and LISTENs again; notifications sent meanwhile are lost, so `onReconnect` listeners must
 * assume anything happened (rescan, drop caches).
 */
export class Listener {
  private client: pg.Client | undefined
  private readonly handlers = new Map<string, Array<(payload: string) => void>>()
  private readonly reconnectListeners: Array<() => void> = []
  private timer: NodeJS.Timeout | undefined
  private delay: number
  private closed = false

  constructor (
    private readonly config: pg.ClientConfig,
    private readonly opts: ListenerOptions = {}
  ) {
    this.delay = opts.minRetryMs ?? 100
  }

  /** Connects (failing if the database cannot be reached now) and LISTENs on the channels asked so far. */
  async start (): Promise<void> {
    await this.connect()
  }

  /** Calls `handler` with the payload of every notification on `channel`, from now on. */
  async listen (channel: string, handler: (payload: string) => void): Promise<void> {
    const list = this.handlers.get(channel)
    if (list) {
      list.push(handler)
      return
    }
    this.handlers.set(channel, [handler])
    await this.client?.query(`LISTEN ${this.client.escapeIdentifier(channel)}`)
  }

  onReconnect (listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  /** The backend's process id of the listening connection (for pg_terminate_backend in tests). */
  get pid (): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID
  }

  private async connect (): Promise<void> {
    const client = new pg.Client(this.config)
    client.on('notification', m => {
      for (const h of this.handlers.get(m.channel) ?? []) h(m.payload ?? '')
    })
    client.on('error', err => this.lost(client, err))
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
    } catch (err) {
      client.end().catch(() => undefined)
      throw err
    }
    this.client = client
    this.delay = this.opts.minRetryMs ?? 100
  }

  private lost (client: pg.Client, err?: Error): void {
    if (client !== this.client) return
    this.client = undefined
    client.end().catch(() => undefined)
    if (this.closed) return
    this.opts.log?.warn({ err }, 'the LISTEN connection to PostgreSQL was lost; connecting again')
    this.retry()
  }

  private retry (): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.connect().then(
        () => {
          for (const l of this.reconnectListeners) l()
        },
        () => {
          this.delay = Math.min(this.delay * 2, this.opts.maxRetryMs ?? 5000)
          if (!this.closed) this.retry()
        }
      )
    }, this.delay)
  }

  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    await client?.end()
  }
}

/** Sends a notification; inside a transaction it is delivered when (and only if) that commits. */
export async function notify (store: PostgresStore, channel: string, payload: string): Promise<void> {
  await store.get('SELECT pg_notify(?, ?)', channel, payload)
}
