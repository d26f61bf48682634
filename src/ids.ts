import { createHash, randomUUID } from 'node:crypto'

/**
 * Webex ids are base64 of `ciscospark://us/<KIND>/<uuid>`. Clients in the wild send both the standard and the
 * url-safe alphabet, padded or not, so decoding accepts all four and encoding always produces one canonical form
 * (url-safe, unpadded) that the store keys on.
 */
export const ID_KINDS = [
  'PEOPLE',
  'ROOM',
  'MESSAGE',
  'MEMBERSHIP',
  'TEAM',
  'TEAM_MEMBERSHIP',
  'WEBHOOK',
  'ORGANIZATION',
  'CLASSIFICATION',
  'APPLICATION',
  'DELIVERY',
  'CONTENT',
  'ATTACHMENT_ACTION',
  'EVENT',
] as const
export type IdKind = (typeof ID_KINDS)[number]

const PREFIX = 'ciscospark://us/'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
// Membership ids pair two uuids (person:room), as the Webex JS SDK builds them.
const PAIR = /^([0-9a-f-]{36}):([0-9a-f-]{36})$/

export function encodeId (kind: IdKind, local: string): string {
  return Buffer.from(`${PREFIX}${kind}/${local}`, 'utf8').toString('base64url')
}

export function newUuid (): string {
  return randomUUID()
}

/**
 * A uuid that sorts by creation time (RFC 9562 version 7: 48 bits of milliseconds, then random bits), for the
 * rows written on every action (messages, spaces). Their `id` index is UNIQUE: with random uuids each new row
 * lands in a random page of it, and each of those pages is written to the WAL at commit; time-ordered ones
 * append to the same last page. 74 random bits stay, so ids are still not guessable from their neighbours.
 */
export function newOrderedUuid (): string {
  const r = randomUUID()
  const ms = Date.now().toString(16).padStart(12, '0')
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(15)}`
}

const ID_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/
const HEADS = new Map<IdKind, string>(ID_KINDS.map(kind => [kind, `${PREFIX}${kind}/`]))
const UPPER = /[A-Z]/
/** Decoded texts of recent ids: the same few ids are decoded many times a request (routes, rules, read cache). */
const decoded = new Map<string, string>()
const DECODED_MAX = 4096

function idText (id: string): string | undefined {
  let text = decoded.get(id)
  if (text !== undefined) return text
  if (id.length === 0 || id.length > 200 || !ID_TEXT.test(id)) return undefined
  // Node's base64 decoder reads the url-safe alphabet as well: no rewriting of `-` and `_` first.
  text = Buffer.from(id, 'base64').toString('utf8')
  if (decoded.size >= DECODED_MAX) decoded.clear()
  decoded.set(id, text)
  return text
}

/** The local part (uuid, or `uuid:uuid` for memberships) of an id of the given kind, or undefined. */
export function decodeId (kind: IdKind, id: string): string | undefined {
  const text = typeof id === 'string' ? idText(id) : undefined
  const head = HEADS.get(kind) as string
  if (text === undefined || !text.startsWith(head)) return undefined
  const tail = text.slice(head.length)
  const local = UPPER.test(tail) ? tail.toLowerCase() : tail
  if (kind === 'MEMBERSHIP' || kind === 'TEAM_MEMBERSHIP') {
    const m = PAIR.exec(local)
    return m && UUID.test(m[1]) && UUID.test(m[2]) ? local : undefined
  }
  return UUID.test(local) ? local : undefined
}

/** Deterministic uuid-shaped value from a label: the demo seed uses it so README examples keep working. */
export function stableUuid (label: string): string {
  const h = createHash('sha1').update(label).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}
