import { Type } from '@sinclair/typebox'
import type { Template } from '../../expression.js'
import { TemplateError } from '../../functions.js'
import { defineAction, type Step } from '../types.js'
import { innerFailure } from './shared.js'

interface ForeachData {
  items?: Template
  actions: Step[]
  concurrency: number
}

/** Foreach: the actions once per element, up to `repetitions` at once (20 by default, 1 with Sequential). */
export const foreach = defineAction<ForeachData>({
  type: 'Foreach',
  pure: () => true,
  properties: self => ({ foreach: Type.Unknown(), actions: Type.Record(Type.String(), self) }),
  required: ['foreach'],
  runtime: ['concurrency'],
  operationOptions: ['Sequential'],
  children: d => d.actions,
  compile: (a, c, path, name) => {
    const repetitions = (a.runtimeConfiguration as { concurrency?: { repetitions?: number } } | undefined)?.concurrency
      ?.repetitions
    const sequential = String(a.operationOptions ?? '')
      .toLowerCase()
      .includes('sequential')
    if (sequential && repetitions !== undefined) {
      c.problem(`${path}/operationOptions`, 'set Sequential or runtimeConfiguration.concurrency.repetitions, not both')
    }
    const items = c.template(`${path}/foreach`, a.foreach)
    return {
      ...(items ? { items } : {}),
      actions: c.steps(`${path}/actions`, a.actions ?? {}, { name, foreach: true }),
      concurrency: sequential ? 1 : (repetitions ?? 20),
    }
  },
  run: async ({ step, data, scope, run }) => {
    const items = run.render(data.items as Template, scope)
    if (!Array.isArray(items)) {
      throw new TemplateError(`Foreach needs an array, not ${items === null ? 'null' : typeof items}.`)
    }
    let next = 0
    let failed: string | undefined
    const worker = async (): Promise<void> => {
      while (next < items.length && !run.stopped) {
        const index = next++
        const inner = run.childScope(scope, { name: step.name, item: items[index], index }, `${step.name}[${index}]`)
        failed ??= await run.runSteps(data.actions, inner)
      }
    }
    await Promise.all(Array.from({ length: Math.min(data.concurrency, items.length) }, worker))
    return { outputs: { iterations: items.length }, ...(failed ? innerFailure(failed) : {}) }
  },
})
