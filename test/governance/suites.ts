import type { Test } from 'tap'
import type { MakeGovTarget } from './target.js'
import { spacesSuite } from './spaces.js'
import { retentionSuite } from './retention.js'
import { holdsSuite } from './holds.js'
import { locksSuite } from './locks.js'
import { auditSuite } from './audit.js'
import { exportSuite } from './export.js'
import { dispositionsSuite } from './dispositions.js'
import { officerSuite } from './officer.js'

/** The governance suite, part by part, written against a target so each backend (and store) runs it all. */
export const GOVERNANCE_SUITES: Array<[string, (t: Test, make: MakeGovTarget) => void]> = [
  ['spaces, tags, search, members, block, delete', spacesSuite],
  ['retention: policies, manual retention, plan, execute, schedule', retentionSuite],
  ['legal holds', holdsSuite],
  ['preservation locks', locksSuite],
  ['the audit hash chain', auditSuite],
  ['evidence exports', exportSuite],
  ['disposition notices', dispositionsSuite],
  ["the compliance officer's Webex API and the Events API", officerSuite],
]

/** Runs the suite's parts (all, or those named: an unknown name throws, so a renamed part is not skipped). */
export function governanceOn (t: Test, name: string, make: MakeGovTarget, only?: string[]): void {
  const unknown = only?.filter(p => !GOVERNANCE_SUITES.some(([part]) => part === p)) ?? []
  if (unknown.length > 0) throw new Error(`no governance suite part named ${unknown.join(', ')}`)
  t.test(name, async t => {
    for (const [part, suite] of GOVERNANCE_SUITES) {
      if (!only || only.includes(part)) t.test(part, async t => suite(t, make))
    }
  })
}
