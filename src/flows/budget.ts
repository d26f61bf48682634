import type { CompiledFlow, Step } from './load.js'
import type { Template } from './expression.js'

/** The connector metadata's limit: 100 calls per connection (the flow owner's token) in any 60 seconds. */
export const CALL_LIMIT = { calls: 100, perMs: 60_000 }

/** A flow's Webex calls per run: at most `calls`; `unknown` names the loops whose size only the run knows. */
export interface CallBudget {
  calls: number
  unknown: string[]
}

/** How many elements a Foreach's `foreach` has, when the definition says (a literal array, createArray(...)). */
function knownSize (t: Template | undefined): number | undefined {
  if (!t) return undefined
  if (t.t === 'value') return Array.isArray(t.v) ? t.v.length : undefined
  if (t.t === 'array') return t.items.length
  if (t.t === 'expr' && t.e.k === 'call' && t.e.name.toLowerCase() === 'createarray') return t.e.args.length
  return undefined
}

const isConnectorCall = (s: Step): boolean => s.kind.type === 'ApiConnection'

/** Branches of which only one runs (If, Switch): the dearest is the budget. */
const BRANCHES: Record<string, (data: never) => Step[][]> = {
  If: (d: { actions: Step[]; elseActions: Step[] }) => [d.actions, d.elseActions],
  Switch: (d: { cases: Array<{ actions: Step[] }>; defaultActions: Step[] }) => [
    ...d.cases.map(c => c.actions),
    d.defaultActions,
  ],
}

function budgetOf (steps: Step[]): CallBudget {
  let calls = 0
  const unknown: string[] = []
  for (const s of steps) {
    if (isConnectorCall(s)) calls += 1
    const branches = BRANCHES[s.kind.type]?.(s.data as never)
    if (branches) {
      const each = branches.map(budgetOf)
      calls += Math.max(0, ...each.map(b => b.calls))
      unknown.push(...each.flatMap(b => b.unknown))
      continue
    }
    const children = s.kind.children?.(s.data) ?? []
    if (children.length === 0) continue
    const inner = budgetOf(children)
    unknown.push(...inner.unknown)
    if (s.kind.type === 'Foreach' || s.kind.type === 'Until') {
      const size =
        s.kind.type === 'Foreach'
          ? knownSize((s.data as { items?: Template }).items)
          : (s.data as { count: number }).count
      if (inner.calls > 0 && size === undefined) unknown.push(s.name)
      calls += inner.calls * (size ?? 1)
    } else calls += inner.calls
  }
  return { calls, unknown }
}

/** The most Webex calls one run makes (retries and pagination aside): connector actions, loops multiplied. */
export function callBudget (flow: CompiledFlow): CallBudget {
  return budgetOf(flow.steps)
}

/** Runs per minute a recurrence starts (schedule or poll); undefined for event and Request triggers. */
export function recurrenceRate (flow: CompiledFlow): number | undefined {
  const d = flow.trigger.data
  if (d.source !== 'schedule' && d.source !== 'poll') return undefined
  const minutes = { Second: 1 / 60, Minute: 1, Hour: 60, Day: 1440, Week: 10_080, Month: 43_200 }[
    d.recurrence.frequency
  ]
  // A schedule fires at each of its hours × minutes within one interval.
  const schedule = d.recurrence.schedule
  const perOccurrence = (schedule?.hours?.length ?? 1) * (schedule?.minutes?.length ?? 1)
  return perOccurrence / (minutes * d.recurrence.interval)
}

/** The checker's line for a flow: its budget, the rate it is judged at, and a warning when that is throttled. */
export function budgetReport (
  flow: CompiledFlow,
  eventsPerMinute: number
): { line: string; warning?: string } {
  const b = callBudget(flow)
  const rate = recurrenceRate(flow) ?? eventsPerMinute
  const perMinute = b.calls * rate
  const loops = b.unknown.length > 0 ? ` (per item of ${[...new Set(b.unknown)].join(', ')})` : ''
  const source = recurrenceRate(flow) !== undefined ? 'its recurrence' : `${eventsPerMinute} trigger(s) a minute`
  // A nightly flow's few calls read better per day than as 0.0 a minute.
  const load = perMinute >= 0.1 || perMinute === 0 ? `${round(perMinute)} a minute` : `${round(perMinute * 1440)} a day`
  const line = `${b.calls} Webex call(s) per run${loops}; at ${source}: ${load} (limit ${CALL_LIMIT.calls} per 60 s)`
  if (b.calls === 0 || perMinute <= CALL_LIMIT.calls) return { line }
  const most = Math.floor(CALL_LIMIT.calls / b.calls)
  return {
    line,
    warning:
      `${flow.id} will be throttled (429) at ${source}: it needs ${round(perMinute)} calls a minute; ` +
      `its owner's connection allows ${CALL_LIMIT.calls}, so at most ${most} run(s) a minute`,
  }
}

const round = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1))
