import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { CONNECTOR_KEYWORDS } from '../schemas/common.js'

function makeAjv (coerceTypes: boolean | 'array'): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    // A field an operation does not take is a 400 naming it (schemas say so with additionalProperties: false),
    // never silently dropped: a dropped card or parentId is a silent failure for the caller.
    removeAdditional: false,
    allErrors: false,
    keywords: [...CONNECTOR_KEYWORDS],
  })
  // ajv-formats is CommonJS: under NodeNext its callable export is `.default`.
  formats.default(ajv)
  return ajv
}

/**
 * Query strings and path parameters arrive as text, so they are coerced to the schema's types. JSON bodies
 * are not: `{"title": 42}` is a wrong type and gets a 400, as the Webex API answers.
 */
export function validatorCompiler (): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false)
  const coercing = makeAjv('array')
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}
