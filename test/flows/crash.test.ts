import t from 'tap'
import { DEMO } from '../../src/demo.js'
import { startChild } from '../helpers/child.js'
import { client, tempDir } from '../helpers/service.js'
import { holdingFlowDir } from './helpers.js'

// kill -9 of the service in the middle of a run: the run is marked failed (its finished actions kept), never lost,
// and a run that was still queued resumes after the restart.
t.test('a crash mid-run leaves the run Failed (RunInterrupted) and queued runs resume', async t => {
  const dataDir = tempDir(t)
  const flowsDir = holdingFlowDir(t)
  // No throttle: the test asks for the run's state as often as it takes.
  const env = {
    DATA_DIR: dataDir,
    FLOWS_DIR: flowsDir,
    FLOWS_CONCURRENCY: '1',
    LOG_LEVEL: 'info',
    THROTTLE_ENABLED: 'false',
  }
  const first = await startChild(env)
  const alice = client(first.url, DEMO.tokens.alice)
  const one = await alice('POST', '/v1/flows/long/runs', { triggerBody: { n: 1 } })
  const two = await alice('POST', '/v1/flows/long/runs', { triggerBody: { n: 2 } })
  t.equal(one.status, 201)
  t.equal(two.status, 201)
  // Ask until the first run is waiting (each question is a real request, no timer): then it is mid-run.
  let running: any
  do running = (await alice('GET', `/v1/flows/long/runs/${one.body.id}`)).body
  while (!(running.status === 'Running' && running.actions.length === 1))
  t.equal(
    (await alice('GET', `/v1/flows/long/runs/${two.body.id}`)).body.status,
    'Queued',
    'one run at a time: the second waits'
  )

  first.proc.kill('SIGKILL')
  await first.exited
  const second = await startChild(env)
  t.teardown(() => {
    second.proc.kill('SIGKILL')
  })
  const again = client(second.url, DEMO.tokens.alice)
  const interrupted = (await again('GET', `/v1/flows/long/runs/${one.body.id}`)).body
  t.match(interrupted, { status: 'Failed', error: { code: 'RunInterrupted' }, finished: /./ })
  t.match(
    interrupted.actions,
    [{ name: 'First', status: 'Succeeded', outputs: 1 }],
    'what ran before the crash is kept'
  )
  let resumed: any
  do resumed = (await again('GET', `/v1/flows/long/runs/${two.body.id}`)).body
  while (resumed.status === 'Queued')
  t.equal(resumed.status, 'Running', 'the queued run started after the restart')
})
