/**
 * The delivery benchmark's floors' sender: the service's own HttpSender in a thread, POSTing envelopes of the
 * service's size to the same receiver, one in-order lane per subscription, with no store or outbox in the way.
 * Paced (the floor, with `pace`): it makes the events itself at the rate, with no API either: what this reaches
 * is the best any outbox could do on this machine. Fed (the ingress floor, ingress-child.ts): the events come
 * from its parent thread, a batch of (id, created) pairs per turn, as the service's delivery thread is woken.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { HttpSender } from '../src/triggers/sender.js'
import { paced } from './child.js'

const { target, lanes, size, pace } = workerData as {
  target: string
  lanes: number
  /** Bytes of an envelope: padded to it. */
  size: number
  pace?: { rate: number; seconds: number; warmup: number }
}
const sender = new HttpSender({ timeoutMs: 10_000, allowPrivateTargets: true })
const queues: string[][] = Array.from({ length: lanes }, () => [])
const running = new Set<number>()
/** Sized on the first envelope: events of one run have ids of one length. */
let padding: string | undefined

async function drain (lane: number): Promise<void> {
  running.add(lane)
  const q = queues[lane]
  for (let body = q.shift(); body !== undefined; body = q.shift()) {
    await sender.post(target, body, {}, Date.now())
  }
  running.delete(lane)
}

/** One event to every lane; the envelope's `id` is the lane's, as the service's is its webhook's. */
function fire (id: string, created: string): void {
  for (let lane = 0; lane < lanes; lane++) {
    const head = `{"id":"lane-${lane}","name":"floor ${lane}","padding":"`
    const tail = `","data":{"id":"${id}","created":"${created}"}}`
    padding ??= 'x'.repeat(Math.max(0, size - head.length - tail.length))
    queues[lane].push(head + padding + tail)
    if (!running.has(lane)) void drain(lane)
  }
}

if (pace) {
  let n = 0
  const ids: string[] = []
  await paced(pace.warmup, pace.rate / 2, () => fire(`warmup-${n++}`, new Date().toISOString()))
  const begin = await paced(pace.seconds, pace.rate, () => {
    const id = `measured-${n++}`
    ids.push(id)
    fire(id, new Date().toISOString())
  })
  parentPort!.postMessage({ measured: ids, sentIn: (Date.now() - begin) / 1000 })
} else {
  parentPort!.on('message', (events: string[]) => {
    for (let i = 0; i < events.length; i += 2) fire(events[i], events[i + 1])
  })
}
