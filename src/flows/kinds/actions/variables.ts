import { arith, asNum } from '../../numbers.js'
import { toText } from '../../values.js'
import { Type } from '@sinclair/typebox'
import { ActionFailure, defineAction, type ActionKind } from '../types.js'
import { inputsOf } from './shared.js'

export const VARIABLE_TYPES = ['string', 'integer', 'float', 'boolean', 'array', 'object']

/** InitializeVariable: declares variables, top level only; names match ignoring case, as in Logic Apps. */
export const initializeVariable = defineAction({
  type: 'InitializeVariable',
  pure: () => true,
  inputs: inputsOf({ variables: Type.Array(Type.Unknown(), { minItems: 1 }) }, ['variables']),
  inputsRequired: true,
  compile: (a, c, path) => {
    if (!c.topLevel) {
      c.problem(
        path,
        'InitializeVariable must be at the top level of the flow, not inside If, Switch, Scope, Foreach or Until ' +
          '(as in Logic Apps)'
      )
    }
    const vars = (a.inputs as { variables: unknown[] }).variables
    vars.forEach((v, i) => {
      const { name, type } = (v ?? {}) as { name?: unknown; type?: unknown }
      if (typeof name !== 'string' || !name) c.problem(`${path}/inputs/variables/${i}/name`, 'is required')
      else c.declareVariable(name)
      if (!VARIABLE_TYPES.includes(String(type).toLowerCase())) {
        c.problem(`${path}/inputs/variables/${i}/type`, `must be ${VARIABLE_TYPES.join(', ')}`)
      }
    })
  },
  run: async ({ inputs, run }) => {
    for (const v of (inputs as { variables: Array<{ name: string; type: string; value?: unknown }> }).variables) {
      const type = v.type.toLowerCase()
      const value =
        v.value ??
        (type === 'array' ? [] : type === 'object' ? {} : type === 'string' ? '' : type === 'boolean' ? false : 0)
      run.variables.init(v.name, type, value)
    }
    return {}
  },
})

const nameAndValue = (valueRequired: boolean) =>
  inputsOf({ name: Type.String(), value: Type.Unknown() }, valueRequired ? ['name', 'value'] : ['name'])

function variableAction (
  type: string,
  valueRequired: boolean,
  next: (current: { type: string; value: unknown }, value: unknown, name: string) => unknown
): ActionKind {
  return defineAction({
    type,
    pure: () => true,
    inputs: nameAndValue(valueRequired),
    inputsRequired: true,
    run: async ({ inputs, run }) => {
      const i = inputs as { name: unknown; value?: unknown }
      const name = String(i.name)
      const v = run.variables.get(name)
      if (!v) throw new ActionFailure('InvalidVariable', `The variable '${name}' has not been initialized.`)
      const value = next(v, i.value, name)
      run.variables.set(name, value)
      return { outputs: { body: { value } }, body: { value } }
    },
  })
}

const byNumber =
  (sign: 1 | -1) =>
    (v: { type: string; value: unknown }, by: unknown, name: string): unknown => {
      const x = asNum(v.value)
      const y = asNum(by ?? 1)
      if (!x || !y) {
        throw new ActionFailure(
          'InvalidVariable',
          `'${name}' must be an integer or float variable, and the value a number.`
        )
      }
      return arith(sign === 1 ? 'add' : 'sub', x, y)
    }

export const setVariable = variableAction('SetVariable', true, (_v, value) => value)
export const incrementVariable = variableAction('IncrementVariable', false, byNumber(1))
export const decrementVariable = variableAction('DecrementVariable', false, byNumber(-1))
export const appendToArrayVariable = variableAction('AppendToArrayVariable', true, (v, value, name) => {
  if (!Array.isArray(v.value)) throw new ActionFailure('InvalidVariable', `'${name}' is not an array variable.`)
  return [...v.value, value]
})
export const appendToStringVariable = variableAction('AppendToStringVariable', true, (v, value, name) => {
  if (typeof v.value !== 'string') throw new ActionFailure('InvalidVariable', `'${name}' is not a string variable.`)
  return v.value + (value === null || value === undefined ? '' : toText(value))
})
