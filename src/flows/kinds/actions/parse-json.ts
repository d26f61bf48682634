import { Type } from '@sinclair/typebox'
import { compileUserSchema, type UserSchema } from '../../json-schema.js'
import { ActionFailure, defineAction } from '../types.js'
import { inputsOf } from './shared.js'

/** ParseJson: `content` (JSON text or a value) checked against `schema`; its body is the parsed value. */
export const parseJson = defineAction<{ schema?: UserSchema }>({
  type: 'ParseJson',
  pure: () => true,
  inputs: inputsOf({ content: Type.Unknown(), schema: Type.Unknown() }, ['content', 'schema']),
  inputsRequired: true,
  evaluated: ({ schema: _schema, ...content }) => content,
  compile: (a, c, path) => {
    const schema = (a.inputs as { schema: unknown }).schema
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
      c.problem(`${path}/inputs/schema`, 'must be a JSON schema object')
      return {}
    }
    try {
      return { schema: compileUserSchema(schema) }
    } catch (err) {
      c.problem(`${path}/inputs/schema`, (err as Error).message)
      return {}
    }
  },
  run: async ({ data, inputs }) => {
    let value = (inputs as { content: unknown }).content
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value)
      } catch {
        throw new ActionFailure('InvalidJSON', 'ParseJson: the content is not valid JSON.')
      }
    }
    const problems = data.schema?.check(value)
    if (problems) {
      throw new ActionFailure('ValidationFailed', `The schema validation failed: ${problems.slice(0, 5).join('; ')}.`, {
        errors: problems,
      })
    }
    return { outputs: { body: value }, body: value }
  },
})
