import { BadRequestError } from '../errors.js'

/**
 * Keyset cursors: a page continues strictly after the last row it returned (by an immutable sort key and a
 * unique tiebreaker), so rows added or removed while a client pages cause neither duplicates nor gaps.
 * Opaque to clients: base64url JSON.
 */
export type CursorKey = Array<string | number>

export function encodeCursor (key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

/** `typeof` as a value, to compare with the shape's names. */
const typeOf = (v: unknown): string => typeof v

export function decodeCursor (cursor: string | undefined, shape: Array<'string' | 'number'>): CursorKey | undefined {
  if (cursor === undefined) return undefined
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    key = undefined
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((v, i) => typeOf(v) !== shape[i])) {
    throw new BadRequestError('The cursor is not valid: follow the Link header as given.')
  }
  return key as CursorKey
}

/** Fetch one extra row to learn whether another page exists without a second query. */
export async function toPage<R, T> (
  rows: R[],
  max: number,
  map: (r: R) => T | Promise<T>,
  keyOf: (r: R) => CursorKey
): Promise<{ items: T[]; cursor?: string }> {
  const more = rows.length > max
  const page = more ? rows.slice(0, max) : rows
  const items: T[] = []
  // One after the other: a map that reads runs in the caller's transaction, whose statements are sequential.
  for (const r of page) items.push(await map(r))
  return {
    items,
    ...(more ? { cursor: encodeCursor(keyOf(page[page.length - 1])) } : {}),
  }
}
