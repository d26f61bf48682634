import { Agent } from 'undici'
import type { Readable } from 'node:stream'
import { BadRequestError } from '../errors.js'
import { checkTargetUrl, guardedConnector } from '../http/target-policy.js'
import type { ContentStore, Upload } from './content-store.js'

export interface RemoteFileOptions {
  allowPrivateTargets: boolean
  timeoutMs: number
}

/**
 * Re-hosts a file URL given to Send a Message, as Webex does: the service fetches it once and serves the copy
 * from /v1/contents. The URL passes the same target policy as a webhook (http/https, no credentials, no
 * loopback or private address, also when a host name resolves to one), so a message cannot make the service
 * read from inside its network.
 */
export class RemoteFiles {
  private readonly agent: Agent

  constructor (
    private readonly contents: ContentStore,
    private readonly opts: RemoteFileOptions
  ) {
    this.agent = new Agent({
      connect: guardedConnector({ allowPrivate: opts.allowPrivateTargets }, opts.timeoutMs),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    })
  }

  async fetch (raw: string): Promise<Upload> {
    const url = new URL(checkTargetUrl(raw, { allowPrivate: this.opts.allowPrivateTargets }, 'files'))
    let res
    try {
      res = await this.agent.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET' })
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new BadRequestError(`The file at files[0] could not be fetched (${e.code ?? e.message}).`)
    }
    if (res.statusCode !== 200) {
      await res.body.dump()
      throw new BadRequestError(`The file at files[0] could not be fetched: its server answered ${res.statusCode}.`)
    }
    const declared = Number(res.headers['content-length'])
    if (Number.isFinite(declared) && declared > this.contents.maxBytes) {
      await res.body.dump()
      throw new BadRequestError(`The file at files[0] is larger than ${this.contents.maxBytes} bytes.`)
    }
    const type = String(res.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim()
    const disposition = /filename="?([^";]+)"?/i.exec(String(res.headers['content-disposition'] ?? ''))?.[1]
    const name = disposition ?? decodeURIComponent(url.pathname.split('/').pop() || 'file')
    return this.contents.receive(res.body as unknown as Readable, name, type)
  }

  async close (): Promise<void> {
    await this.agent.close()
  }
}
