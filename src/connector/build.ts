/** `npm run build:connector`: regenerates connector/ and openapi/ from the routes. Never edit those by hand. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePackage, packageFiles } from './package.js'
import { checkDefinition } from './rules.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pkg = await generatePackage()
const problems = checkDefinition(pkg.apiDefinition)
if (problems.length > 0) {
  process.stderr.write(
    `The connector definition breaks Power Platform rules:\n${problems.map(p => `  - ${p}`).join('\n')}\n`
  )
  process.exit(1)
}
for (const [path, content] of Object.entries(packageFiles(pkg))) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), content)
  process.stdout.write(`wrote ${path}\n`)
}
