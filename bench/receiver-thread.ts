/**
 * The delivery benchmark's webhook receiver, in a thread of its own so that answering 10,000 deliveries a
 * second does not share an event loop with the load generator. Reports (subscription, id, created, received) in
 * batches, and once the size of the first body, so the floor can send bodies of the same size.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parentPort } from 'node:worker_threads'

const port = parentPort!
let batch: Array<string | number> = []
let sized = false
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', c => chunks.push(c))
  req.on('end', () => {
    const now = Date.now()
    res.writeHead(200).end()
    const raw = Buffer.concat(chunks)
    if (!sized) {
      sized = true
      port.postMessage({ size: raw.length })
    }
    // The envelope's own id is its subscription's (the webhook's): with the event's id, what one delivery is.
    const body = JSON.parse(raw.toString()) as { id: string; data: { id: string; created: string } }
    batch.push(body.id, body.data.id, Date.parse(body.data.created), now)
    if (batch.length === 4) {
      setImmediate(() => {
        port.postMessage(batch)
        batch = []
      })
    }
  })
})
server.listen(0, '127.0.0.1', () => port.postMessage({ port: (server.address() as AddressInfo).port }))
