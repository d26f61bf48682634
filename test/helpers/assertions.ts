import { Value } from '@sinclair/typebox/value'
import { FormatRegistry } from '@sinclair/typebox'
import type { TSchema } from '@sinclair/typebox'
import type { Reply } from './service.js'
import type { Test } from 'tap'

// TypeBox checks formats only once they are registered; these are the two the schemas use.
FormatRegistry.Set('date-time', v => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v))
FormatRegistry.Set('uri', v => URL.canParse(v))

type T = Pick<Test, 'equal' | 'ok' | 'same'>

/** A Webex error: the status, the error body shape, and a trackingId matching the header. */
export function isWebexError (t: T, res: Reply, status: number, mentions?: RegExp): void {
  t.equal(res.status, status, `status ${status}`)
  t.equal(typeof res.body?.message, 'string', 'message')
  t.ok(
    Array.isArray(res.body?.errors) &&
      res.body.errors.length > 0 &&
      typeof res.body.errors[0].description === 'string',
    'errors[].description'
  )
  t.equal(res.body?.trackingId, res.headers.get('trackingid'), 'trackingId matches the trackingid header')
  if (mentions) {
    t.ok(mentions.test(res.body.message), `message ${JSON.stringify(res.body.message)} mentions ${mentions}`)
  }
}

/** Every listed field present and the whole body valid against the route's own response schema. */
export function hasFields (t: T, body: Record<string, unknown>, fields: string[], schema?: TSchema): void {
  for (const f of fields) t.ok(body[f] !== undefined, `field ${f} present`)
  if (schema) {
    t.same(
      [...Value.Errors(schema, body)].map(e => `${e.path} ${e.message}`),
      [],
      'matches the schema'
    )
  }
}
