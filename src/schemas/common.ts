import { Type, type ObjectOptions, type TProperties, type TSchema, type TString } from '@sinclair/typebox'

/**
 * Connector metadata rides on the schemas themselves (`x-ms-summary`, `x-ms-visibility`, ...), so the
 * generated connector definition can never disagree with validation. These are the keys ajv is told to accept.
 */
export const CONNECTOR_KEYWORDS = [
  'x-ms-summary',
  'x-ms-visibility',
  'x-ms-dynamic-values',
  'x-ms-dynamic-list',
  'x-ms-url-encoding',
  'x-ms-notification-url',
  'x-ms-trigger',
  'x-ms-trigger-hint',
] as const

export type Visibility = 'important' | 'advanced' | 'internal'
export interface Meta {
  summary: string
  description: string
  visibility?: Visibility
}

/** Connector display metadata for one field, in the x-ms-* keys Power Platform reads. */
export function meta (m: Meta): Record<string, unknown> {
  return {
    'x-ms-summary': m.summary,
    description: m.description,
    ...(m.visibility ? { 'x-ms-visibility': m.visibility } : {}),
  }
}

export const DateTime = (m: Meta) => Type.String({ format: 'date-time', ...meta(m) })

export const ErrorBody = Type.Object(
  {
    message: Type.String({ description: 'What went wrong.' }),
    errors: Type.Array(Type.Object({ description: Type.String() })),
    trackingId: Type.String({ description: 'Quote this id when reporting a problem.' }),
  },
  { $id: 'WebexError', description: 'The Webex error body.' }
)

/** Every error status a route may answer, all in the Webex error shape. */
export const errorResponses = {
  400: Type.Ref(ErrorBody),
  401: Type.Ref(ErrorBody),
  403: Type.Ref(ErrorBody),
  404: Type.Ref(ErrorBody),
  409: Type.Ref(ErrorBody),
  413: Type.Ref(ErrorBody),
  429: Type.Ref(ErrorBody),
}

export function ListOf<T extends TSchema> (item: T, summary: string) {
  return Type.Object({ items: Type.Array(item, meta({ summary, description: summary })) })
}

/** `max` as Webex treats it: a page size, clamped to the endpoint's limit, never rejected for being large. */
export const Max = (description: string) =>
  Type.Optional(
    Type.Integer({
      minimum: 1,
      ...meta({ summary: 'Max', description, visibility: 'advanced' }),
    })
  )

export const Cursor = Type.Optional(
  Type.String({
    maxLength: 512,
    ...meta({ summary: 'Cursor', description: 'Continuation cursor from a Link header.', visibility: 'internal' }),
  })
)

export const IdParam = <K extends string>(name: K, m: Meta) =>
  Type.Object({
    [name]: Type.String({ minLength: 1, maxLength: 200, 'x-ms-url-encoding': 'single', ...meta(m) }),
  } as Record<K, TString>)

/**
 * A request body that takes exactly these fields: any other is a 400 naming it (see http/validation.ts).
 * Which fields each operation takes, and why, is in the README (Webex semantics kept, "Fields").
 */
export const Body = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { ...options, additionalProperties: false })
