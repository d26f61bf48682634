/**
 * result('Name') from what the runner recorded: the top-level actions of a scoped action, found in the
 * flow's action tree, with their records from the run. Inside a Foreach the records of the current
 * iteration count; a loop's own result lists every iteration of each of its actions, in iteration order.
 */
import type { ActionRecord, ScopeResult } from './context.js'

/** The parts of a compiled action the lookup needs: its name, its type and the actions nested in it. */
export interface ScopeStep {
  name: string
  type: string
  children: ScopeStep[]
}

const childrenOf = (s: ScopeStep): ScopeStep[] => s.children

function find (steps: ScopeStep[], name: string): ScopeStep | undefined {
  for (const s of steps) {
    if (s.name.toLowerCase() === name.toLowerCase()) return s
    const inner = find(childrenOf(s), name)
    if (inner) return inner
  }
  return undefined
}

const LOOPS = new Set(['Foreach', 'Until'])

export function scopeResult (
  steps: ScopeStep[],
  name: string,
  records: ActionRecord[],
  iteration: string | undefined
): ScopeResult | undefined {
  const step = find(steps, name)
  if (!step || childrenOf(step).length === 0) return undefined
  const here = iteration ?? ''
  const children = childrenOf(step)
  if (LOOPS.has(step.type)) {
    const prefix = `${here ? `${here}/` : ''}${name}[`
    const indexOf = (r: ActionRecord): number =>
      Number(/^(\d+)\]$/.exec((r.iteration ?? '').slice(prefix.length))?.[1] ?? -1)
    return {
      kind: 'loop',
      actions: children.map(c => ({
        name: c.name,
        iterations: records
          .filter(r => r.name === c.name && (r.iteration ?? '').startsWith(prefix) && indexOf(r) >= 0)
          .sort((x, y) => indexOf(x) - indexOf(y)),
      })),
    }
  }
  const out: ActionRecord[] = []
  for (const c of children) {
    const r = [...records].reverse().find(x => x.name === c.name && (x.iteration ?? '') === here)
    if (r) out.push(r)
  }
  return { kind: 'scope', records: out }
}
