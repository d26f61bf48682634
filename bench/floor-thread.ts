/**
 * The delivery benchmark's floor: the service's own HttpSender in a thread, POSTing envelopes of the same
 * size at the same rate to the same receiver, one lane per subscription, with no API, store or outbox in
 * the way. What this reaches is the best any outbox could do on this machine.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { HttpSender } from '../src/triggers/sender.js'
import { paced } from './child.js'

const { target, rate, seconds, warmup, lanes, padding } = workerData as {
  target: string
  rate: number
  seconds: number
  warmup: number
  lanes: number
  padding: string
}
const sender = new HttpSender({ timeoutMs: 10_000, allowPrivateTargets: true })
const queues: string[][] = Array.from({ length: lanes }, () => [])
const running = new Set<number>()
let n = 0
const ids: string[] = []

async function drain (lane: number): Promise<void> {
  running.add(lane)
  const q = queues[lane]
  for (let body = q.shift(); body !== undefined; body = q.shift()) {
    await sender.post(target, body, {}, Date.now())
  }
  running.delete(lane)
}

function fire (measured: boolean): void {
  const created = new Date().toISOString()
  const id = `${measured ? 'measured' : 'warmup'}-${n++}`
  if (measured) ids.push(id)
  for (let lane = 0; lane < lanes; lane++) {
    queues[lane].push(
      `{"id":"lane-${lane}","name":"floor ` +
        `${lane}","padding":"${padding}","data":{"id":"${id}","created":"${created}"}}`
    )
    if (!running.has(lane)) void drain(lane)
  }
}

await paced(warmup, rate / 2, () => fire(false))
const begin = await paced(seconds, rate, () => fire(true))
parentPort!.postMessage({ measured: ids, sentIn: (Date.now() - begin) / 1000 })
