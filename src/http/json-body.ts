import type { FastifyInstance } from 'fastify'
import { BadRequestError, UnsupportedMediaTypeError } from '../errors.js'

/**
 * The deepest nesting a JSON body may have (objects and arrays; `{}` is 1). It is the default of .NET's
 * System.Text.Json and Json.NET (MaxDepth 64), which Logic Apps and most Webex clients' stacks sit on, and far
 * beyond any Webex resource or adaptive card; deeper bodies are refused before they are parsed, so nothing
 * downstream (validation, JSON.stringify of a run's trigger body) ever recurses through them.
 */
export const JSON_MAX_DEPTH = 64

/** The 400 for a JSON text nested deeper than JSON_MAX_DEPTH, or undefined when it is within the limit. */
export function depthRefusal (text: string): BadRequestError | undefined {
  return nestsDeeperThan(text, JSON_MAX_DEPTH)
    ? new BadRequestError(`The request body is nested deeper than ${JSON_MAX_DEPTH} levels.`)
    : undefined
}

/** True when the JSON text nests deeper than `max`: one pass over the characters, strings skipped. */
function nestsDeeperThan (text: string, max: number): boolean {
  if (text.length <= 2 * max) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
  return false
}

/**
 * Request bodies: JSON only, at most JSON_MAX_DEPTH deep. A request whose body is empty has no body, whatever
 * Content-Type it declares (Webex answers a body-less DELETE or block sent with `Content-Type: application/json`
 * as if it had none); a non-empty body of another type is a 415. Parsers for other types (multipart uploads)
 * are added next to these and take precedence over the catch-all.
 */
export function installBodyParsers (app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (text.length === 0) {
      done(null, undefined)
      return
    }
    const tooDeep = depthRefusal(text)
    if (tooDeep) done(tooDeep, undefined)
    else parseJson(request, text, done)
  })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    if ((body as Buffer).length === 0) {
      done(null, undefined)
      return
    }
    const type = request.headers['content-type']
    done(new UnsupportedMediaTypeError(type ? type.split(';')[0].trim().slice(0, 100) : undefined), undefined)
  })
}
