// Who calls, and the shapes every backend's answers come in: shared by the backends, governance, triggers and
// flows, so none of them imports another's internals for them.
import type { Readable } from 'node:stream'

/** Who is calling: resolved from the bearer token by the backend that owns the identities. */
export interface Caller {
  token: string
  personId: string
  orgId: string
  roles: string[]
  /** A flow acting as its owner, in-process: not subject to the connection throttle. */
  internal?: boolean
}

/** A file as GET /v1/contents/{id} serves it; `open` is called only for GET, not for HEAD. */
export interface Content {
  filename: string
  contentType: string
  size: number
  open(): Promise<Readable>
}

/** A page of a list; `cursor` continues it and is absent on the last page. */
export interface Page<T> {
  items: T[]
  cursor?: string
}

/** List queries reach the backend with `max` already clamped to the endpoint's limit. */
export type Paged<Q> = Omit<Q, 'max'> & { max: number }
