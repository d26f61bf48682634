import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import draft04 from 'ajv-draft-04'
import stripJsonComments from 'strip-json-comments'

// Microsoft's own JSON schemas for the three connector files (microsoft/PowerPlatformConnectors), kept in the
// shared material, never copied into the project: this test runs whenever ../shared is there (CI has it).
const root = fileURLToPath(new URL('..', import.meta.url))
const schemas = `${root}../shared/references/ms-schemas/`
// CommonJS: under NodeNext its class is `.default`.
const AjvDraft04 = draft04.default
const read = (path: string): Record<string, unknown> =>
  JSON.parse(stripJsonComments(readFileSync(path, 'utf8'), { trailingCommas: true }))

const FILES = [
  { file: 'connector/apiDefinition.swagger.json', schema: 'apiDefinition.swagger.schema.json', draft04: true },
  { file: 'connector/apiProperties.json', schema: 'paconn-apiProperties.schema.json', draft04: false },
  { file: 'connector/settings.json', schema: 'paconn-settings.schema.json', draft04: false },
]

if (!existsSync(schemas)) {
  t.test(
    "the connector files against Microsoft's schemas",
    { skip: `did not run: ${schemas} is not there (a clone without ../shared)` },
    async () => {}
  )
} else {
  for (const { file, schema, draft04: isDraft04 } of FILES) {
    t.test(`${file} validates against Microsoft's ${schema}`, async t => {
      const opts = { strict: false, allErrors: true, validateFormats: false }
      const ajv = isDraft04 ? new AjvDraft04(opts) : new Ajv(opts)
      // Microsoft's files are JSON with comments; the draft-07 ones name themselves with draft-04's `id`.
      const { id: _id, ...definition } = read(schemas + schema)
      const validate = ajv.compile(isDraft04 ? { id: _id, ...definition } : definition)
      const ok = validate(read(root + file))
      t.same(
        (validate.errors ?? []).map(e => `${e.instancePath} ${e.message}`),
        [],
        'no errors'
      )
      t.ok(ok)
    })
  }
}
