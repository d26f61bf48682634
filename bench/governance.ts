import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { compiled } from './child.js'

/**
 * Governance at 1,000,000 spaces: search p50/p95, the whole-org retention plan with 100 locked policies and
 * 10,000 legal holds, and an export of every space with the peak RSS (goals of issue 19), each beside its goal.
 */
export async function benchGovernance (): Promise<void> {
  const proc = spawn(
    process.execPath,
    [compiled('bench/governance-child')],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve)
    proc.once('exit', code => reject(new Error(`governance bench exited with ${code}`)))
  })
  const r = JSON.parse(line) as Record<string, number>
  const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED')
  process.stdout.write(
    `governance: ${r.spaces} spaces seeded in ${r.seededSeconds.toFixed(0)} s; ${r.policies} policies ` +
      `(${r.lockedPolicies} locked), ${r.holds} legal holds (made in ${r.holdsSeconds.toFixed(1)} s)\n` +
      `  search index built from the store on the first search: ${r.indexBuildSeconds.toFixed(2)} s\n` +
      `  advanced search, ${r.queries} queries of 3+ conditions (max 100 results): p50 ${r.p50.toFixed(1)} ms, p95 ` +
        `${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms   goal p95 < 10 ms: ${verdict(r.p95 < 10)}\n` +
      `  whole-org retention plan (median of 3; ${r.planMin.toFixed(2)}-${r.planMax.toFixed(2)} s): ` +
        `${r.planSeconds.toFixed(2)} s for ${r.planSpaces} spaces, ${r.planMessages} messages, ` +
        `${r.planSpacesToDelete} spaces to delete, ${r.planHeld} held   goal < 1 s: ${verdict(r.planSeconds < 1)}\n` +
      `  export of every space (CSV over HTTP, status ${r.exportStatus}): ${r.exportRecords} records, ` +
        `${r.exportMb.toFixed(0)} MB in ${r.exportSeconds.toFixed(1)} s\n` +
      `  peak RSS of the process (index, plan and export) ${r.peakRssMb.toFixed(0)} MB   goal < 1024 MB: ` +
        `${verdict(r.peakRssMb < 1024)}\n`
  )
}
