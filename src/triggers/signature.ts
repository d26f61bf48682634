import { createHmac, timingSafeEqual } from 'node:crypto'

/** Webex's X-Spark-Signature: the hex HMAC-SHA1 of the raw request body with the webhook's secret. */
export function sign (rawBody: string | Buffer, secret: string): string {
  return createHmac('sha1', secret).update(rawBody).digest('hex')
}

/** What a receiver does: hash the raw bytes it received (never re-serialised JSON), compare in constant time. */
export function verify (rawBody: string | Buffer, secret: string, header: string | undefined): boolean {
  if (!header) return false
  const expected = Buffer.from(sign(rawBody, secret), 'hex')
  const given = Buffer.from(header, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
