import { Type } from '@sinclair/typebox'
import type { Condition } from '../../conditions.js'
import { parseDuration } from '../../datetime.js'
import { defineAction, type Step } from '../types.js'
import { innerFailure } from './shared.js'

interface UntilData {
  condition?: Condition
  actions: Step[]
  count: number
  timeoutMs: number
}

const DEFAULT_COUNT = 60
const MAX_COUNT = 5000
const DEFAULT_TIMEOUT = 'PT1H'

/**
 * Until: the actions run, then the condition is checked, again and again until it is true or a limit is
 * reached (limit.count, default 60; limit.timeout, default PT1H). A failure inside does not stop the loop; the
 * Until fails when its last repetition had an unhandled failure.
 */
export const until = defineAction<UntilData>({
  type: 'Until',
  pure: () => true,
  properties: self => ({ expression: Type.Unknown(), actions: Type.Record(Type.String(), self) }),
  required: ['expression'],
  limit: ['count'],
  children: d => d.actions,
  compile: (a, c, path, name) => {
    const limit = (a.limit ?? {}) as { count?: unknown; timeout?: unknown }
    const count = limit.count === undefined ? DEFAULT_COUNT : Number(limit.count)
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
      c.problem(`${path}/limit/count`, `must be an integer from 1 to ${MAX_COUNT}`)
    }
    const condition = c.condition(`${path}/expression`, a.expression)
    return {
      ...(condition ? { condition } : {}),
      actions: c.steps(`${path}/actions`, a.actions ?? {}, { name, foreach: false }),
      count,
      timeoutMs: parseDuration(typeof limit.timeout === 'string' ? limit.timeout : DEFAULT_TIMEOUT) ?? 3_600_000,
    }
  },
  run: async ({ step, data, scope, run }) => {
    const started = run.now()
    let iterations = 0
    let failed: string | undefined
    for (;;) {
      const inner = run.childScope(
        scope,
        { name: step.name, item: null, index: iterations },
        `${step.name}[${iterations}]`
      )
      failed = await run.runSteps(data.actions, inner)
      iterations++
      if (run.stopped) break
      if (run.condition(data.condition as Condition, inner)) break
      if (iterations >= data.count || run.now() - started >= data.timeoutMs) break
    }
    return { outputs: { iterations }, ...(failed ? innerFailure(failed) : {}) }
  },
})
