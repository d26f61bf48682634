import { StoreUnavailableError } from '../errors.js'

/**
 * SQLSTATEs meaning the database is not there for us right now: class 08 (connection exception) is matched by
 * prefix; 57P01-03 an administrator or crash shutdown, or a server still starting; 53300 no connection slot
 * free; 3D000 the database is gone; 28000/28P01 the login is refused (a rotated password).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000', '28000', '28P01'])
/** Socket errors of a server that is down, unreachable or gone mid-query. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
])
/** node-postgres reports a lost or timed-out connection by message only. */
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed and is not queryable|Connection ended/i

/** Serialization failure and deadlock: the transaction can be run again as it is. */
export const RETRYABLE_STATES = new Set(['40001', '40P01'])

export function sqlState (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Does this driver error mean the database cannot be reached (as opposed to a refused statement)? */
export function isUnavailable (err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true
  if (!(err instanceof Error)) return false
  const code = sqlState(err)
  if (code !== undefined && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code))) {
    return true
  }
  if (err instanceof AggregateError) return err.errors.some(isUnavailable)
  return DRIVER_MESSAGES.test(err.message)
}

/** The error a caller of the store sees: unreachable → StoreUnavailableError (503 + Retry-After), others as is. */
export function storeError (err: unknown, retryAfterSeconds: number): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err
  return new StoreUnavailableError(retryAfterSeconds, err)
}
