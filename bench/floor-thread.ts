/**
 * The delivery benchmark's floors' sender: the service's own HttpSender in a thread, POSTing envelopes of the
 * service's size to the same receiver, one in-order lane per subscription, with no store or outbox in the way.
 * Paced (the floor, with `pace`): it makes the events itself at the rate, with no API either: what this reaches
 * is the best any outbox could do on this machine. Fed (the ingress floor, ingress-child.ts): the events come
 * from its parent thread, a batch of (id, created) pairs per turn, as the service's delivery thread is woken.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { floorLanes } from './floor-lanes.js'
import { paced } from './child.js'

const { target, lanes, size, pace } = workerData as {
  target: string
  lanes: number
  /** Bytes of an envelope: padded to it. */
  size: number
  pace?: { rate: number; seconds: number; warmup: number }
}
const fire = floorLanes(target, lanes, size)

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
