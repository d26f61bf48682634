import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { startService, tempDir } from './helpers/service.js'

const run = promisify(execFile)

/** The curl lines of the README's "Examples" block, in order. */
function readmeExamples (): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('### Examples'))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? ''
  return block.split('\n').filter(line => line.startsWith('curl '))
}

t.test('every README example works verbatim against a freshly seeded service', async t => {
  const svc = await startService(t, { throttle: { enabled: false } })
  const out = join(tempDir(t), 'body')
  const examples = readmeExamples()
  t.ok(examples.length >= 14, `${examples.length} examples found`)
  for (const line of examples) {
    const cmd = line.replaceAll('http://127.0.0.1:8080', svc.url) + ` -o ${out} -w '%{http_code}'`
    const { stdout } = await run('sh', ['-c', cmd])
    t.equal(stdout, '200', `${line.slice(0, 110)}... → 200`)
    if (stdout !== '200') t.comment(readFileSync(out, 'utf8'))
  }
})
