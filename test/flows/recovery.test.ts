import t from 'tap'
import { flowFile, startFlows } from './helpers.js'

// A run whose outcome the store refuses (not "the store is away": a refusal that writing again will not cure)
// must not stay Running with nobody running it: the runtime's recovery fails it as interrupted.

t.test('a run whose outcome is refused ends RunInterrupted instead of staying Running', async t => {
  // No throttle: the test asks for the run as often as it takes.
  const s = await startFlows(
    t,
    { refused: flowFile({ Done: { type: 'Compose', runAfter: {}, inputs: 1 } }) },
    { throttle: { enabled: false } }
  )
  // Every end of a run is refused but the interruption's (RunInterrupted): the outcome and the RuntimeError
  // written after it both fail, as a duplicate key did when PostgreSQL lost a COMMIT's answer.
  await s.store.store.exec(`CREATE TRIGGER refuse_outcomes BEFORE UPDATE OF status ON flow_runs
    WHEN NEW.status <> 'Running' AND coalesce(NEW.error, '') NOT LIKE '%RunInterrupted%'
    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`)
  t.teardown(() => s.store.store.exec('DROP TRIGGER IF EXISTS refuse_outcomes'))
  const queued = await s.alice('POST', '/v1/flows/refused/runs', { triggerBody: {} })
  t.equal(queued.status, 201)
  await s.flows!.idle()
  const path = `/v1/flows/refused/runs/${queued.body.id}`
  // The recovery comes 0.5 s after the refusal: ask until the run has ended (or give up after 10 s).
  const deadline = Date.now() + 10_000
  let run = (await s.alice('GET', path)).body
  while (run.status === 'Running' && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 25))
    run = (await s.alice('GET', path)).body
  }
  t.match(run, { status: 'Failed', error: { code: 'RunInterrupted' } }, `the run ended, interrupted (${run.status})`)
})
