/**
 * The delivery benchmark's webhook receiver, in a thread of its own so that answering 10,000 deliveries a
 * second does not share an event loop with the load generator. Reports (id, created, received) in batches.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parentPort } from 'node:worker_threads'

const port = parentPort!
let batch: Array<string | number> = []
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', c => chunks.push(c))
  req.on('end', () => {
    const now = Date.now()
    res.writeHead(200).end()
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string, created: string } }
    batch.push(body.data.id, Date.parse(body.data.created), now)
    if (batch.length === 3) setImmediate(() => { port.postMessage(batch); batch = [] })
  })
})
server.listen(0, '127.0.0.1', () => port.postMessage({ port: (server.address() as AddressInfo).port }))
