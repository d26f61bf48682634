import { WebexError } from '../errors.js'
import type { CompiledFlow, Step } from './load.js'
import type { ActionResult } from './runner.js'

/** Actions that only change the run's variables: cheap and free of effects outside it, so run again, not copied. */
const isVariableAction = (s: Step): boolean => /Variable$/i.test(s.kind.type)

const descendants = (s: Step): Step[] =>
  (s.kind.children?.(s.data) ?? []).flatMap(c => [c, ...descendants(c)])

/**
 * Resubmit from an action (Logic Apps Standard's actionsToResubmit): the chosen top-level actions and every one
 * that runs after them, directly or not, run again; the others keep the result they had in the origin run, with
 * the records of the actions inside them, so a message sent or a non-GET call made is not made twice. Refused,
 * with the reason, when a kept result cannot stand in for running the action: its outputs were not recorded
 * (secureData), or it changed variables from inside a container (their values are not recorded).
 */
export function reusePlan (
  flow: CompiledFlow,
  origin: ActionResult[],
  actions: string[]
): Map<string, ActionResult[]> {
  const top = new Map(flow.steps.map(s => [s.name.toLowerCase(), s]))
  const rerun = new Set<string>()
  for (const name of actions) {
    const s = top.get(name.toLowerCase())
    if (!s) {
      throw new WebexError(
        400,
        `'${name}' is not a top-level action of ${flow.id}: a run is resubmitted from a top-level action ` +
          '(for one inside a Scope, Foreach, If, Switch or Until, choose that container).'
      )
    }
    rerun.add(s.name)
  }
  // Everything downstream of a chosen action runs again: a fixed point over the runAfter edges.
  for (let grew = true; grew;) {
    grew = false
    for (const s of flow.steps) {
      if (!rerun.has(s.name) && Object.keys(s.runAfter).some(d => rerun.has(d))) {
        rerun.add(s.name)
        grew = true
      }
    }
  }
  const plan = new Map<string, ActionResult[]>()
  for (const s of flow.steps) {
    if (rerun.has(s.name) || isVariableAction(s)) continue
    const inside = descendants(s)
    const names = new Set([s.name, ...inside.map(d => d.name)])
    const records = origin.filter(r => names.has(r.name))
    // Never reached in the origin run (it stopped or was cancelled before): nothing was done, so it runs now.
    if (!records.some(r => r.name === s.name && !r.iteration)) continue
    const secured = [s, ...inside].find(x => x.secure.outputs)
    if (secured) {
      throw new WebexError(
        400,
        `The outputs of '${secured.name}' are secured (secureData) and were not kept: resubmit from an action ` +
          'before it, or from the trigger.'
      )
    }
    const setter = inside.find(isVariableAction)
    if (setter) {
      throw new WebexError(
        400,
        `'${setter.name}' inside '${s.name}' changes a variable, whose value is not kept: resubmit from ` +
          `'${s.name}' or an action before it, or from the trigger.`
      )
    }
    plan.set(s.name.toLowerCase(), records)
  }
  return plan
}
