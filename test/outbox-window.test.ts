import t from 'tap'
import { client, startService } from './helpers/service.js'
import { startReceiver } from './helpers/receiver.js'
import { DEMO, DEMO_IDS as ids } from '../src/demo.js'
import { decodeId } from '../src/ids.js'
import { OutboxWindow } from '../src/triggers/outbox-window.js'
import type { Position } from '../src/triggers/outbox.js'

// The window serves each lane exactly what its own read of the outbox gives, from any position it covers.
t.test('the outbox window serves every lane what the outbox holds for it', async t => {
  const rx = await startReceiver(t)
  // Deliveries fail and no timer retries them: the rows stay in the outbox.
  rx.respond = () => ({ status: 500 })
  const svc = await startService(
    t,
    { throttle: { enabled: false }, delivery: { allowPrivateTargets: true, inactiveAfterFailures: 1000 } },
    { deliveryTimers: false }
  )
  const alice = client(svc.url, DEMO.tokens.alice)
  const hook = async (filter?: string): Promise<string> => {
    const r = await alice('POST', '/v1/webhooks', {
      name: 'w',
      targetUrl: rx.url,
      resource: 'messages',
      event: 'created',
      ...(filter ? { filter } : {}),
    })
    t.equal(r.status, 200)
    return decodeId('WEBHOOK', r.body.id)!
  }
  const all = await hook()
  const apollo = await hook(`roomId=${ids.apollo}`)
  const send = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const r = await alice('POST', '/v1/messages', { roomId: i % 3 === 0 ? ids.general : ids.apollo, text: `m${i}` })
      t.equal(r.status, 200)
    }
  }
  await send(9)
  const outbox = svc.registry.outbox
  const expect = async (w: OutboxWindow, id: string, after: Position, limit: number, label: string): Promise<void> => {
    // Outbox.lane's rows also carry the stored `views`, which no lane reads.
    const own = (await outbox.lane(id, after, limit)).map(r => {
      const { views: _views, ...row } = r as typeof r & { views?: string | null }
      return row
    })
    t.same(await w.lane(id, after, limit), own, label)
  }
  const rows = await outbox.lane(all, [0, 0], 100)
  t.equal(rows.length, 9, 'one row per message for the firehose webhook')

  const w = new OutboxWindow(outbox, { read: 4, keep: 100 })
  await expect(w, all, [0, 0], 100, 'from the start, over several reads')
  await expect(w, apollo, [0, 0], 100, 'a filtered lane: only its rows')
  await expect(w, all, [rows[3].tx, rows[3].seq], 2, 'from a row on, within a limit')
  await expect(w, apollo, [rows[8].tx, rows[8].seq], 100, 'at the end: nothing')

  await send(3)
  t.equal((await w.lane(all, [rows[8].tx, rows[8].seq], 100))?.length, 0, 'no wake: the window is not read again')
  w.stale()
  await expect(w, all, [rows[8].tx, rows[8].seq], 100, 'after a wake: the new rows')
  await expect(w, apollo, [0, 0], 100, 'and everything before them')

  // Kept rows are bounded: a lane behind them reads the outbox itself.
  const small = new OutboxWindow(outbox, { read: 4, keep: 5 })
  t.equal(await small.lane(all, [0, 0], 100), undefined, 'a lane behind the kept rows is not served')
  await expect(small, all, [rows[8].tx, rows[8].seq], 100, 'a lane within them is')
})
