/** Retry-After as milliseconds to wait, from delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if absent
 * or unreadable. */
export function retryAfterMs (header: string | undefined, now: number): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
