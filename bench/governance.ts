import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** Governance at 1,000,000 spaces: search p50/p95, whole-org retention plan, peak RSS (targets in the issue). */
export async function benchGovernance (): Promise<void> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./governance-child.ts', import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve)
    proc.once('exit', code => reject(new Error(`governance bench exited with ${code}`)))
  })
  const r = JSON.parse(line) as Record<string, number>
  const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED')
  process.stdout.write(
    `governance: ${r.spaces} spaces seeded in ${r.seededSeconds.toFixed(0)} s\n` +
      `  search index built from the store on the first search: ${r.indexBuildSeconds.toFixed(2)} s\n` +
      `  advanced search, ${r.queries} queries of 3+ conditions (max 100 results): p50 ${r.p50.toFixed(1)} ms, p95 ` +
        `${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms (target p95 < 50 ms: ${verdict(r.p95 < 50)})\n` +
      `  retention plan over the whole org: ${r.planSeconds.toFixed(2)} s, ${r.planSpaces} spaces, ${r.planMessages} ` +
        `messages, ${r.planSpacesToDelete} spaces to delete (target < 5 s: ${verdict(r.planSeconds < 5)})\n` +
      `  peak RSS ${r.peakRssMb.toFixed(0)} MB (target < 1024 MB: ${verdict(r.peakRssMb < 1024)})\n`
  )
}
