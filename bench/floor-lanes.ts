/**
 * The delivery floors' lanes: the service's own HttpSender POSTing envelopes of the service's size to the receiver,
 * one in-order lane per subscription, with no store or outbox in the way. Run in a thread by floor-thread.ts, or in
 * the ingress floor's own thread (ingress-child.ts, INGRESS_INLINE=1).
 */
import { HttpSender } from '../src/triggers/sender.js'

/** Lanes to `target`; the result fires one event to every lane (the envelope's `id` is the lane's). */
export function floorLanes (target: string, lanes: number, size: number): (id: string, created: string) => void {
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

  return (id, created) => {
    for (let lane = 0; lane < lanes; lane++) {
      const head = `{"id":"lane-${lane}","name":"floor ${lane}","padding":"`
      const tail = `","data":{"id":"${id}","created":"${created}"}}`
      padding ??= 'x'.repeat(Math.max(0, size - head.length - tail.length))
      queues[lane].push(head + padding + tail)
      if (!running.has(lane)) void drain(lane)
    }
  }
}
