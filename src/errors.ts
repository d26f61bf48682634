/**
 * Every failure a caller can see is one of these. The single error handler (http/error-handler.ts) turns them
 * into the Webex error body; nothing else writes error responses.
 */
export class WebexError extends Error {
  constructor (
    readonly statusCode: number,
    message: string,
    readonly descriptions: string[] = [message],
    readonly headers: Record<string, string> = {},
    /** Set when the error came from upstream Webex: its trackingId is passed back to the caller. */
    readonly trackingId?: string
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class BadRequestError extends WebexError {
  constructor (message: string, descriptions?: string[]) {
    super(400, message, descriptions)
  }
}
export class UnauthorizedError extends WebexError {
  constructor (message = 'The request requires a valid access token set in the Authorization request header.') {
    super(401, message)
  }
}
export class ForbiddenError extends WebexError {
  constructor (message: string) {
    super(403, message)
  }
}
export class NotFoundError extends WebexError {
  constructor (message = 'The requested resource could not be found.') {
    super(404, message)
  }
}
export class ConflictError extends WebexError {
  constructor (message: string) {
    super(409, message)
  }
}
export class UnsupportedMediaTypeError extends WebexError {
  constructor (type: string | undefined) {
    super(
      415,
      type
        ? `Content-Type ${type} is not supported: send the body as application/json.`
        : 'A request body needs a Content-Type: send it as application/json.'
    )
  }
}
export class PayloadTooLargeError extends WebexError {
  constructor (message: string) {
    super(413, message)
  }
}
export class TooManyRequestsError extends WebexError {
  constructor (
    readonly retryAfterSeconds: number,
    limit: number,
    windowSeconds: number
  ) {
    super(
      429,
      `Too many requests: the limit is ${limit} calls per ${windowSeconds} seconds per connection. Retry after ` +
        `${retryAfterSeconds} seconds.`,
      undefined,
      { 'retry-after': String(retryAfterSeconds) }
    )
  }
}
/**
 * The database cannot be reached (PostgreSQL down, restarting, the connection lost): nothing was done, or a
 * transaction whose COMMIT got no answer was not acknowledged. The caller retries after `Retry-After`.
 */
export class StoreUnavailableError extends WebexError {
  constructor (
    readonly retryAfterSeconds: number,
    override readonly cause?: unknown
  ) {
    super(
      503,
      `The service's database is unavailable; retry after ${retryAfterSeconds} seconds.`,
      ['Service Unavailable: the database cannot be reached.'],
      { 'retry-after': String(retryAfterSeconds) }
    )
  }
}
