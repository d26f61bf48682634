import type { Test } from 'tap'
import { startChild } from '../helpers/child.js'
import { startReceiver } from '../helpers/receiver.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { client, tempDir } from '../helpers/service.js'
import { flowFile } from '../flows/helpers.js'
import { DEMO, DEMO_IDS } from '../../src/demo.js'

/**
 * Where a durability case keeps its data: the environment of `npm start` (the same for the first run and the
 * restart), and what the store can tell of its own state after a kill -9.
 */
export interface DurableStore {
  /** The environment for both runs of one case (its own store: a temp DATA_DIR, a fresh database). */
  env(t: Test): Promise<Record<string, string>>
  /** After the kill, before the restart: the store is intact (SQLite's integrity_check, say). */
  intact?(t: Test, env: Record<string, string>): Promise<void>
}

/**
 * The durability cases, run on each store (durability.test.ts on SQLite, durability-postgres.test.ts on
 * PostgreSQL): `npm start` as a child process, killed with SIGKILL mid-work, then started again on the same store.
 */
export function durabilityCases (t: Test, store: DurableStore): void {
  t.test('data survives a restart, and a kill -9 in the middle of writes loses no acknowledged write', async t => {
    const env = { ...(await store.env(t)), THROTTLE_ENABLED: 'false' }
    const first = await startChild(env)
    t.teardown(() => {
      first.proc.kill('SIGKILL')
    })
    let alice = client(first.url, DEMO.tokens.alice)
    const room = await alice('POST', '/v1/rooms', { title: 'Survivor' })
    t.equal(room.status, 200)

    // Many writes in flight; kill the process as soon as some have been acknowledged.
    const acknowledged: string[] = []
    let killed = false
    const writes = Array.from({ length: 300 }, (_, i) =>
      alice('POST', '/v1/messages', { roomId: room.body.id, text: `m${i}` }).then(
        r => {
          if (r.status === 200) acknowledged.push(r.body.id)
          if (acknowledged.length >= 40 && !killed) {
            killed = true
            first.proc.kill('SIGKILL')
          }
        },
        () => {
          /* connection cut by the kill */
        }
      )
    )
    await Promise.all(writes)
    t.equal(await first.exited, null, 'killed by the signal, not exited cleanly')
    t.ok(acknowledged.length >= 40, `${acknowledged.length} writes acknowledged before the kill`)
    await store.intact?.(t, env)

    const second = await startChild(env)
    t.teardown(() => {
      second.proc.kill('SIGKILL')
    })
    alice = client(second.url, DEMO.tokens.alice)
    t.equal((await alice('GET', `/v1/rooms/${room.body.id}`)).body.title, 'Survivor')
    const stored = new Set<string>()
    const page = await alice('GET', `/v1/messages?roomId=${room.body.id}&max=1000`)
    for (const m of page.body.items) stored.add(m.id)
    t.same(
      acknowledged.filter(id => !stored.has(id)),
      [],
      'every acknowledged message is still there'
    )
    const rooms = await alice('GET', '/v1/rooms')
    t.equal(rooms.body.items.length, 5, 'the demo seed ran once: 4 demo spaces plus ours')
    t.equal((await alice('GET', `/v1/rooms/${DEMO_IDS.apollo}`)).status, 200)
    second.proc.kill('SIGTERM')
    t.equal(await second.exited, 0, 'SIGTERM shuts down cleanly')
  })

  t.test('a kill -9 between the change and its delivery loses no event: the outbox resumes on restart', async t => {
    const env = { ...(await store.env(t)), THROTTLE_ENABLED: 'false', DELIVERY_ALLOW_PRIVATE_TARGETS: 'true' }
    const rx = await startReceiver(t)
    let arrived!: () => void
    const firstArrived = new Promise<void>(resolve => {
      arrived = resolve
    })
    // The first delivery reaches the receiver but is never answered: the service is killed while it waits.
    rx.respond = () => {
      arrived()
      return new Promise(() => {})
    }

    const first = await startChild(env)
    t.teardown(() => {
      first.proc.kill('SIGKILL')
    })
    const alice = client(first.url, DEMO.tokens.alice)
    const sub = await alice('POST', '/v1/triggers/messages/created', { callbackUrl: rx.url, roomId: DEMO_IDS.apollo })
    t.equal(sub.status, 201)
    const sent = await alice('POST', '/v1/messages', { roomId: DEMO_IDS.apollo, text: 'must not be lost' })
    t.equal(sent.status, 200)
    await firstArrived
    first.proc.kill('SIGKILL')
    t.equal(await first.exited, null)
    t.equal(rx.received.length, 0, 'nothing was acknowledged before the kill')

    rx.respond = () => ({ status: 200 })
    const second = await startChild(env)
    t.teardown(() => {
      second.proc.kill('SIGKILL')
    })
    await rx.count(1)
    t.equal(rx.received[0].body.data.id, sent.body.id, 'the event arrived after the restart')
    t.equal(rx.received[0].body.event, 'created')
    second.proc.kill('SIGTERM')
    await second.exited
  })

  t.test('SIGTERM while a flow run waits out an action retry: exit 0, the run ends RunInterrupted', async t => {
    // The Http action's target answers 503, so the action waits for its retry (Logic Apps' default policy: 7.5 s
    // first) when the service is told to stop. A graceful stop ends that wait, records the run as interrupted
    // and exits 0; the next start shows the run so, and leaves it so.
    const rx = await startReceiver(t)
    let called!: () => void
    const firstCall = new Promise<void>(resolve => {
      called = resolve
    })
    rx.respond = () => {
      called()
      return { status: 503 }
    }
    const flowsDir = tempDir(t, 'flows-')
    writeFileSync(
      join(flowsDir, 'retrying.json'),
      JSON.stringify(
        flowFile({ Call: { type: 'Http', runAfter: {}, inputs: { method: 'POST', uri: rx.url, body: { n: 1 } } } })
      )
    )
    const env = {
      ...(await store.env(t)),
      THROTTLE_ENABLED: 'false',
      FLOWS_DIR: flowsDir,
      FLOWS_HTTP_ALLOW: new URL(rx.url).origin,
    }
    const first = await startChild(env)
    t.teardown(() => {
      first.proc.kill('SIGKILL')
    })
    const run = await client(first.url, DEMO.tokens.alice)('POST', '/v1/flows/retrying/runs', { triggerBody: {} })
    t.equal(run.status, 201)
    await firstCall
    // The 503 may still be on its way to the runner: stopped in its call or in its wait, the run is interrupted.
    first.proc.kill('SIGTERM')
    t.equal(await first.exited, 0, 'SIGTERM with a run in its retry wait exits 0')
    t.same(
      first.lines.filter(l => /"level":(50|60)/.test(l)),
      [],
      'nothing logged at error level'
    )
    t.equal(rx.attempts.length, 1, 'the retry was not sent')

    const second = await startChild(env)
    t.teardown(() => {
      second.proc.kill('SIGKILL')
    })
    const after = await client(second.url, DEMO.tokens.alice)('GET', `/v1/flows/retrying/runs/${run.body.id}`)
    t.equal(after.status, 200)
    t.match(after.body, { status: 'Failed', error: { code: 'RunInterrupted' } }, 'the run ended, interrupted')
    second.proc.kill('SIGTERM')
    t.equal(await second.exited, 0)
  })
}
