import { BadRequestError } from '../errors.js'

/** The filter keys Webex accepts per resource (case-sensitive, `key=value&key=value`). */
const KEYS: Record<string, string[]> = {
  messages: ['roomId', 'roomType', 'personId', 'personEmail', 'mentionedPeople', 'hasFiles'],
  memberships: ['roomId', 'personId', 'personEmail', 'isModerator'],
  // roomId on rooms is ours (Webex has none): the connector's space triggers narrow to one space with it.
  rooms: ['type', 'isLocked', 'roomId'],
  attachmentActions: ['roomId', 'personId', 'messageId'],
  // The governance trigger's (not a Webex resource).
  dispositions: ['roomId'],
  all: ['roomId'],
}

export type Filter = Array<[string, string]>

function decodeValue (raw: string, key: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new BadRequestError(`filter value of '${key}' has a stray '%': percent-encode it as %25.`)
  }
}

/**
 * A value put into a filter verbatim (a trigger's roomId): it must not carry the filter's own syntax, or it
 * would stand for something else than it says. Webex ids never do.
 */
export function filterValue (value: string, field: string): string {
  if (/[%&]/.test(value)) throw new BadRequestError(`${field} is not a valid space id: it contains '%' or '&'.`)
  return value
}

export function parseFilter (resource: string, raw: string | undefined | null): Filter {
  if (!raw) return []
  const pairs: Filter = []
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=')
    if (eq <= 0) throw new BadRequestError(`filter part '${part}' is not key=value.`)
    const key = part.slice(0, eq)
    const value = decodeValue(part.slice(eq + 1), key)
    if (!KEYS[resource]?.includes(key)) {
      throw new BadRequestError(
        `filter key '${key}' is not supported for ${resource}; use ${(KEYS[resource] ?? []).join(', ')}.`
      )
    }
    pairs.push([key, value])
  }
  return pairs
}

/** Does an event's data match every pair? `ownerId` resolves `mentionedPeople=me`. */
export function matches (filter: Filter, resource: string, data: Record<string, unknown>, ownerId: string): boolean {
  for (const [key, value] of filter) {
    let ok: boolean
    switch (key) {
      case 'roomId':
        ok = (resource === 'rooms' ? data.id : data.roomId) === value
        break
      case 'mentionedPeople': {
        const who = value === 'me' ? ownerId : value
        ok = Array.isArray(data.mentionedPeople) && data.mentionedPeople.includes(who)
        break
      }
      case 'hasFiles':
        ok = (Array.isArray(data.files) && data.files.length > 0) === (value === 'true')
        break
      case 'isModerator':
      case 'isLocked':
        ok = String(data[key]) === value
        break
      default:
        ok = data[key] === value
    }
    if (!ok) return false
  }
  return true
}
