/**
 * How many of the reference's examples give the documented result: `npx tsx test/flows/reference-count.ts`
 * (add --list to see each one that does not, with what it gives instead and why).
 */
import { EXAMPLES } from './reference-examples.js'
import { matches, run } from './reference-compare.js'

let ok = 0
const misses: string[] = []
for (const e of EXAMPLES) {
  const o = run(e)
  if (matches(e, o, e.doc)) ok++
  else {
    misses.push(
      `  ${e.expr}\n    documented: ${JSON.stringify(e.doc)}\n    gives: ` +
        `${JSON.stringify('error' in o ? o.error : o.value)}${e.note ? `\n    why: ${e.note}` : ''}`
    )
  }
}
console.log(`${ok} of ${EXAMPLES.length} reference examples give the documented result`)
if (process.argv.includes('--list')) console.log(misses.join('\n'))
