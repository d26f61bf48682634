// `npm run screenshots`: the README's pictures of the run viewer, taken by playwright-core in Debian's chromium
// against the service on a fresh demo organisation (the shipped flows and one that fails), written to docs/.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { localService } from '../src/flows/local-service.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'webex-shots-'))
for (const f of readdirSync(join(ROOT, 'flows')).filter(n => n.endsWith('.json'))) {
  copyFileSync(join(ROOT, 'flows', f), join(dir, f))
}
const connection = { name: "@parameters('$connections')['webexspaces']['connectionId']" }
writeFileSync(
  join(dir, 'notify-crm.json'),
  JSON.stringify({
    description: 'Posts a note to a space, then tells the CRM (whose address is not allowed here: it fails).',
    owner: 'alice@example.com',
    definition: {
      triggers: { manual: { type: 'Request', kind: 'Http' } },
      actions: {
        Post_the_note: {
          type: 'ApiConnection',
          runAfter: {},
          inputs: {
            host: { connection, operationId: 'SendMessage' },
            parameters: { 'body/roomId': DEMO_IDS.apollo, 'body/text': "@{triggerBody()?['text']}" },
          },
        },
        Notes: {
          type: 'Foreach',
          runAfter: { Post_the_note: ['Succeeded'] },
          foreach: "@createArray('crm', 'archive')",
          actions: { Describe: { type: 'Compose', inputs: "@{item()}: @{body('Post_the_note')?['id']}" } },
        },
        Tell_the_CRM: {
          type: 'Http',
          runAfter: { Notes: ['Succeeded'] },
          inputs: { method: 'POST', uri: 'http://crm.example.test/notes', body: { text: "@triggerBody()?['text']" } },
        },
      },
    },
  })
)

const svc = await localService(dir)
try {
  const url = await svc.app.listen({ port: 0, host: '127.0.0.1' })
  const owner = svc.runtime.ownerOf('notify-crm')
  if (!owner) throw new Error('Alice is missing from the demo organisation')
  svc.runtime.runNow(owner, 'notify-crm', { text: 'Release notes are out <b>today</b>' })
  await svc.app.inject({
    method: 'POST',
    url: '/v1/memberships',
    headers: { authorization: `Bearer ${DEMO.tokens.alice}` },
    payload: { roomId: DEMO_IDS.apollo, personEmail: 'dave@example.com' },
  })
  await svc.runtime.idle()
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    await page.goto(`${url}/flows`)
    await page.fill('#token', DEMO.tokens.alice)
    await page.click('#signin button')
    await page.click('#flows tbody tr:has-text("notify-crm")')
    await page.waitForSelector('#runs tbody tr')
    await page.screenshot({ path: join(ROOT, 'docs/viewer-flows.png'), fullPage: true })
    await page.click('#runs tbody tr:has-text("Failed")')
    await page.click('.node[data-action="Tell_the_CRM"]')
    await page.locator('#run-section').screenshot({ path: join(ROOT, 'docs/viewer-failed-run.png') })
  } finally {
    await browser.close()
  }
} finally {
  await svc.close()
  rmSync(dir, { recursive: true, force: true })
}
process.stdout.write('wrote docs/viewer-flows.png, docs/viewer-failed-run.png\n')
