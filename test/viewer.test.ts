import t from 'tap'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { startReceiver } from './helpers/receiver.js'
import { startService } from './helpers/service.js'
import { flowFile, host, startFlows } from './flows/helpers.js'

// Debian's chromium, as .ci/run installs it; without it the browser test says so and does not run.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking']

// Markup and a script in a message: the page must show them as text and run nothing.
const HOSTILE = '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script><b>bold?</b>'

t.test('the viewer page: / leads there, strict CSP, its files from the service, none of the API', async t => {
  const s = await startService(t)
  const root = await fetch(`${s.url}/`, { redirect: 'manual' })
  t.equal(root.status, 302)
  t.equal(root.headers.get('location'), '/flows')
  const page = await fetch(`${s.url}/flows`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), 'text/html')
  t.match(page.headers.get('content-security-policy'), "default-src 'none'; script-src 'self'; style-src 'self'")
  const html = await page.text()
  t.match(html, '<script type="module" src="/flows/assets/viewer.js"></script>')
  t.notMatch(html, /https?:\/\//, 'nothing from elsewhere: it works offline')
  const js = await fetch(`${s.url}/flows/assets/viewer.js`)
  t.match(js.headers.get('content-type'), 'text/javascript')
  t.notMatch(await js.text(), /innerHTML|insertAdjacentHTML|document\.write/, 'data only ever set as text')
  t.equal((await fetch(`${s.url}/flows/assets/other.js`)).status, 400)
  const docs = await (await fetch(`${s.url}/documentation/json`)).json()
  t.notOk(Object.keys(docs.paths).some(p => p === '/' || p.startsWith('/flows')), 'not an API operation')

  const off = await startService(t, { flows: { enabled: false } })
  const toDocs = await fetch(`${off.url}/`, { redirect: 'manual' })
  t.equal(toDocs.headers.get('location'), '/documentation/', 'without flows: the API documentation')
})

t.test('in a browser: sign in, open a failed run, read the error, resubmit from it; markup stays text', async t => {
  if (!existsSync(CHROMIUM)) {
    t.comment(`did not run: no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`)
    t.pass('browser test not run: chromium is missing')
    return
  }
  const rx = await startReceiver(t)
  let fail = true
  rx.respond = () => ({ status: fail ? 400 : 200 })
  const s = await startFlows(
    t,
    {
      notify: flowFile(
        {
          Post: {
            type: 'ApiConnection',
            runAfter: {},
            inputs: {
              host: host('SendMessage'),
              parameters: { 'body/roomId': DEMO_IDS.apollo, 'body/text': "@{triggerBody()?['text']}" },
            },
          },
          Tell_the_CRM: {
            type: 'Http',
            runAfter: { Post: ['Succeeded'] },
            inputs: {
              method: 'POST',
              uri: rx.url,
              body: { id: "@body('Post')?['id']" },
              retryPolicy: { type: 'none' },
            },
          },
        },
        { trigger: { manual: { type: 'Request', kind: 'Http' } } }
      ),
    },
    { flows: { httpAllow: new URL(rx.url).origin } }
  )
  const failed = await s.runNow('notify', { text: HOSTILE })
  t.equal(failed.status, 'Failed')

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS, headless: true })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const violations: string[] = []
  page.on('console', m => {
    if (m.type() === 'error') violations.push(m.text())
  })
  await page.goto(`${s.url}/`)
  t.equal(new URL(page.url()).pathname, '/flows', '/ leads to the viewer')
  await page.fill('#token', 'not-a-token')
  await page.click('#signin button')
  await page.waitForSelector('#signin-error:not(:empty)')
  await page.fill('#token', DEMO.tokens.alice)
  await page.click('#signin button')
  await page.waitForSelector('#who:has-text("Alice")')
  await page.click('#flows tbody tr:has-text("notify")')
  await page.click('#runs tbody tr:has-text("Failed")')
  await page.waitForSelector('#run-status:has-text("Failed")')
  t.equal(await page.textContent('#run-error'), 'ActionFailed: An action failed: Tell_the_CRM.')
  t.equal(await page.getAttribute('.node[data-action="Tell_the_CRM"]', 'class'), 'node Failed', 'drawn in its colour')
  t.equal(await page.locator('#graph svg line').count(), 1, 'the runAfter edge')
  await page.click('.node[data-action="Tell_the_CRM"]')
  t.match(await page.textContent('#action-error'), /^400: /, "the action's error")
  await page.click('.node[data-action="Post"]')
  t.match(await page.textContent('#action-outputs'), HOSTILE.replace(/"/g, '\\"'), 'the message, as text')
  t.equal(await page.locator('#graph img, #action img, #action script, #action b').count(), 0, 'no markup made')
  t.equal(await page.evaluate('window.__owned'), undefined, 'no script ran')

  fail = false
  await page.click('.node[data-action="Tell_the_CRM"]')
  await page.click('#resubmit-from')
  await page.waitForSelector('#notice:has-text("Resubmitted as run")')
  await s.flows!.idle()
  await page.click('#filter button[type="submit"]')
  await page.click('#runs tbody tr:first-child')
  await page.waitForSelector('#run-status:has-text("Succeeded")')
  t.match(await page.textContent('#run-meta'), `resubmitted from ${failed.id} at Tell_the_CRM`)
  await page.click('.node[data-action="Post"]')
  t.match(await page.textContent('#action-meta'), `reused from run ${failed.id}`, 'the message was not sent twice')
  t.equal(rx.attempts.length, 2)
  t.same(
    violations.filter(v => !/status of 401/.test(v)),
    [],
    'no console errors but the wrong token\'s 401 (a CSP violation would be one)'
  )
})
