import { availableParallelism } from 'node:os'
import PQueue from 'p-queue'
import { FlowLoadError } from '../load.js'
import { loadTestFile } from './file.js'
import { runCase, type CaseResult } from './run.js'

/**
 * Runs every case of these test files, several at once (each on a service of its own, so they are independent),
 * and gives the results in file and case order. A malformed file is one failed result naming its problems' paths.
 */
export async function runTestFiles (
  files: string[],
  concurrency = Math.min(4, availableParallelism())
): Promise<CaseResult[]> {
  const queue = new PQueue({ concurrency })
  const pending: Array<Promise<CaseResult>> = []
  for (const file of files) {
    let spec
    try {
      spec = loadTestFile(file)
    } catch (err) {
      if (!(err instanceof FlowLoadError)) throw err
      const failures = err.problems.map(p => `${p.path || '/'}: ${p.message}`)
      pending.push(Promise.resolve({ file, name: '(test file)', failures, ms: 0 }))
      continue
    }
    const loaded = spec
    for (let i = 0; i < loaded.tests.length; i++) {
      pending.push(queue.add(() => runCase(file, loaded, i)) as Promise<CaseResult>)
    }
  }
  return Promise.all(pending)
}
