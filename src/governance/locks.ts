import { ConflictError } from '../errors.js'
import type { PolicyConditions } from '../schemas/governance.js'

/**
 * Preservation lock: a locked policy or override can only be extended, never disabled, shortened, narrowed or
 * deleted, by anyone. "Extended" is checked on the settings themselves, so it holds for every possible
 * organisation: a longer period, and conditions that match a superset of the spaces they matched.
 */
export interface LockedPolicy {
  id: string
  name: string
  action: string
  days: number
  enabled: boolean
  conditions: PolicyConditions
  locked: string
}

const set = (xs: string[] | undefined): Set<string> => new Set((xs ?? []).map(x => x.toLowerCase()))
const subset = (a: Set<string>, b: Set<string>): boolean => [...a].every(x => b.has(x))

/**
 * Why `wider` does not match every space `narrow` matches, or undefined when it does. Each condition of
 * `wider` must be absent (no restriction) or implied by the same condition of `narrow`.
 */
function narrowing (narrow: PolicyConditions, wider: PolicyConditions): string | undefined {
  if (wider.tags !== undefined) {
    if (narrow.tags === undefined) return 'adds a tag condition'
    const a = set(narrow.tags)
    const b = set(wider.tags)
    const allA = narrow.tagsMode === 'all'
    const allB = wider.tagsMode === 'all'
    // An empty list matches nothing. any(A) ⊆ any(B) iff A ⊆ B; all(A) ⊆ any(B) iff A and B share a tag;
    // all(A) ⊆ all(B) iff B ⊆ A; any(A) ⊆ all(B) iff A is one tag and B is that tag.
    const ok =
      a.size === 0 ||
      (b.size > 0 &&
        (allA
          ? allB
            ? subset(b, a)
            : [...a].some(x => b.has(x))
          : allB
            ? a.size === 1 && subset(b, a)
            : subset(a, b)))
    if (!ok) return 'matches fewer tagged spaces'
  }
  if (wider.groups !== undefined) {
    if (narrow.groups === undefined) return 'adds a directory group condition'
    if (!subset(set(narrow.groups), set(wider.groups))) return 'drops directory groups'
  }
  if (wider.scope !== undefined && wider.scope !== narrow.scope) return 'changes the scope'
  if (wider.classificationId !== undefined && wider.classificationId !== narrow.classificationId) {
    return 'changes the classification'
  }
  if (
    wider.inactiveDays !== undefined &&
    (narrow.inactiveDays === undefined || wider.inactiveDays > narrow.inactiveDays)
  ) {
    return 'asks for a longer inactivity'
  }
  return undefined
}

const lockedError = (what: string, locked: string, why: string): ConflictError =>
  new ConflictError(
    `${what} is under a preservation lock since ${locked}: it can only be extended (a longer period, more spaces); ` +
      `this change ${why}.`
  )

/** Refuses a change to a locked policy unless it only extends it. */
export function assertPolicyExtension (
  old: LockedPolicy,
  next: { action: string; days: number; enabled: boolean; conditions: PolicyConditions }
): void {
  const what = `The retention policy "${old.name}" (${old.id})`
  if (next.action !== old.action) throw lockedError(what, old.locked, 'changes its action')
  if (next.days < old.days) {
    throw lockedError(what, old.locked, `shortens its period from ${old.days} to ${next.days} days`)
  }
  if (old.enabled && !next.enabled) throw lockedError(what, old.locked, 'disables it')
  const why = narrowing(old.conditions, next.conditions)
  if (why) throw lockedError(what, old.locked, `${why}, so it would cover fewer spaces`)
}

export function assertPolicyDeletable (old: LockedPolicy): void {
  throw lockedError(`The retention policy "${old.name}" (${old.id})`, old.locked, 'deletes it')
}

/** A locked override may move to a longer period or to keep (indefinitely), never back or away. */
export function assertOverrideExtension (
  old: { mode: string; days: number | null; locked: string },
  next: { mode: string; days?: number } | undefined
): void {
  const what = "The space's manual retention"
  if (!next) throw lockedError(what, old.locked, 'clears it')
  if (old.mode === 'keep' && next.mode !== 'keep') throw lockedError(what, old.locked, 'ends keeping indefinitely')
  if (old.mode === 'days' && next.mode === 'days' && (next.days ?? 0) < (old.days ?? 0)) {
    throw lockedError(what, old.locked, `shortens its period from ${old.days} to ${next.days} days`)
  }
}
