/**
 * The delivery benchmark's ingress floor, a child process: what a service fed by HTTP, built as this one is, can
 * reach on this machine with the service's own sender. A bare Fastify app answers Send a Message with the service's
 * answer (its shape and size: the message's own id, `created`, space and text) and hands each message as an event
 * to floor-thread.ts in a thread of this process, a batch per turn, which POSTs it on the floor's lanes. No auth,
 * validation beyond parsing, store or outbox. Env: INGRESS_TARGET (the receiver), INGRESS_LANES,
 * INGRESS_ENVELOPE_BYTES, INGRESS_INLINE (1: the lanes in this thread); DATA_DIR and PORT as bench/child.ts starts
 * a service.
 */
import Fastify from 'fastify'
import { Worker } from 'node:worker_threads'
import { buildApp } from '../src/app.js'
import { makeConfig } from '../src/config.js'
import { DEMO, DEMO_IDS } from '../src/demo.js'
import { encodeId, newOrderedUuid } from '../src/ids.js'
import { compiled } from './child.js'
import { floorLanes } from './floor-lanes.js'

// The service's answer to the bench's send, captured from the service itself and closed again.
const service = await buildApp(
  makeConfig({
    dataDir: process.env.DATA_DIR,
    logLevel: 'silent',
    throttle: { enabled: false },
    flows: { enabled: false },
  })
)
const message = (
  await service.app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: { authorization: `Bearer ${DEMO.tokens.alice}`, 'content-type': 'application/json' },
    payload: { roomId: DEMO_IDS.apollo, text: 'bench' },
  })
).json<Record<string, unknown>>()
await service.app.close()

const target = process.env.INGRESS_TARGET!
const lanes = Number(process.env.INGRESS_LANES)
const size = Number(process.env.INGRESS_ENVELOPE_BYTES)
/**
 * This turn's events, (id, created) pairs, handed over once the turn's I/O is done, as the service's commit wakes
 * its delivery thread: to the floor's lanes in a thread of their own, or (INGRESS_INLINE=1) in this thread, the
 * other way a service could be built.
 */
let turn: string[] = []
let wake: () => void
if (process.env.INGRESS_INLINE === '1') {
  const fire = floorLanes(target, lanes, size)
  wake = () => {
    for (let i = 0; i < turn.length; i += 2) fire(turn[i], turn[i + 1])
    turn = []
  }
} else {
  const thread = new Worker(compiled('bench/floor-thread'), { workerData: { target, lanes, size } })
  wake = () => {
    thread.postMessage(turn)
    turn = []
  }
}

const app = Fastify({ logger: false })
app.post('/v1/messages', async req => {
  const { roomId, text } = req.body as { roomId: string; text: string }
  const id = encodeId('MESSAGE', newOrderedUuid())
  const created = new Date().toISOString()
  if (turn.length === 0) setImmediate(wake)
  turn.push(id, created)
  return { ...message, id, roomId, text, created }
})
const url = await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
// The line bench/child.ts waits for, as the service's logger writes it.
process.stdout.write(`Server listening at ${url}\n`)
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(0))
