/**
 * `npm start` as a user runs it: the build into dist/ (prestart), then node on tsc's output, on a fresh data dir.
 * Checks that it answers a read, a Send a Message, serves the viewer's copied files, and that its delivery thread
 * (started from the compiled .js, not the tsx boot file) delivers the message's webhook to a receiver on loopback;
 * then that SIGTERM shuts it down. `npm test` runs TypeScript through tsx only, so .ci/run runs this after it
 * (a build takes tens of seconds: too slow for a test file run beside the others).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DEMO, DEMO_IDS } from '../src/demo.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

function check (ok: boolean, what: string): void {
  if (!ok) throw new Error(`compiled service: ${what}`)
  process.stdout.write(`ok: ${what}\n`)
}

let deliver: (event: { resource: string; data: { roomId: string } }) => void = () => undefined
const delivered = new Promise<Parameters<typeof deliver>[0]>(resolve => { deliver = resolve })
const receiver = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => { body += c.toString() })
  req.on('end', () => {
    res.end()
    receiver.close()
    deliver(JSON.parse(body))
  })
})
const hookPort = await new Promise<number>(resolve =>
  receiver.listen(0, '127.0.0.1', () => resolve((receiver.address() as { port: number }).port))
)

// Its own process group: npm runs the script through a shell, and SIGTERM must reach node itself.
const proc = spawn('npm', ['start', '--silent'], {
  cwd: ROOT,
  detached: true,
  env: {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'check-compiled-')),
    DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
})
// 'close': once every process holding its stdout (npm, the shell, node) has ended.
const exited = new Promise<number | null>(resolve => proc.once('close', code => resolve(code)))
const lines: string[] = []
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: proc.stdout! }).on('line', line => {
    lines.push(line)
    const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
    if (m) resolve(m[1])
  })
  void exited.then(code => reject(new Error(`npm start exited (${code}) before listening`)))
})
try {
  const headers = { authorization: `Bearer ${DEMO.tokens.alice}`, 'content-type': 'application/json' }
  const call = async (method: string, path: string, body?: object): Promise<{ status: number; json: any }> => {
    const res = await fetch(url + path, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) })
    return { status: res.status, json: await res.json() }
  }
  const rooms = await call('GET', '/v1/rooms')
  check(rooms.status === 200 && rooms.json.items.length > 0, 'Get Spaces List answers the seeded spaces')
  const webhook = await call('POST', '/v1/webhooks', {
    name: 'check',
    targetUrl: `http://127.0.0.1:${hookPort}/hook`,
    resource: 'messages',
    event: 'created',
  })
  check(webhook.status === 200, 'Create a Webhook answers 200')
  const sent = await call('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'compiled' })
  check(sent.status === 200 && sent.json.text === 'compiled', 'Send a Message answers the message')
  const event = await delivered
  check(event.resource === 'messages' && event.data.roomId === DEMO_IDS.apollo, 'the delivery thread delivers it')
  const viewer = await fetch(`${url}/flows/assets/viewer.js`)
  check(viewer.status === 200 && (await viewer.text()).length > 0, 'the viewer serves its copied script')
} finally {
  process.kill(-proc.pid!, 'SIGTERM')
}
// npm's own exit code on a signal is npm's; the service's part is its orderly shutdown.
await exited
check(lines.some(l => l.includes('"shutting down"')), 'SIGTERM shuts it down')
