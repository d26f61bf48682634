import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/service.js'
import { flowCli } from './helpers.js'

t.test('runs, resubmit and cancel act on the run history of DATA_DIR', async t => {
  const flows = tempDir(t, 'flows-')
  const data = tempDir(t, 'data-')
  writeFileSync(
    join(flows, 'lookup.json'),
    JSON.stringify({
      owner: 'alice@example.com',
      definition: {
        triggers: { manual: { type: 'Request', kind: 'Http' } },
        actions: {
          First: { type: 'Compose', inputs: 'kept' },
          Get: {
            type: 'ApiConnection',
            runAfter: { First: ['Succeeded'] },
            inputs: {
              host: {
                connection: { name: "@parameters('$connections')['webexspaces']['connectionId']" },
                operationId: 'GetSpaceDetails',
              },
              parameters: { roomId: 'no-such-space' },
            },
          },
        },
      },
    })
  )
  const env = { DATA_DIR: data, FLOWS_DIR: flows }
  const first = await flowCli(['run', join(flows, 'lookup.json')], env)
  t.equal(first.code, 1, 'the lookup fails')
  const runs = await flowCli(['runs', 'lookup', '--status', 'Failed'], env)
  t.equal(runs.code, 0, runs.stderr)
  const runId = runs.stdout.split(/\s+/)[0]
  t.match(runs.stdout, /Failed/)

  const again = await flowCli(['resubmit', 'lookup', runId, '--from', 'Get'], env)
  t.equal(again.code, 1, 'it fails again: the space still does not exist')
  t.match(again.stdout, `Resubmitted ${runId} from Get:`)
  t.match(again.stdout, /✓ First/)
  const listed = await flowCli(['runs', 'lookup'], env)
  t.match(listed.stdout, `(resubmitted from ${runId})`)

  const none = await flowCli(['cancel', 'lookup'], env)
  t.match(none.stdout, '0 queued run(s) of lookup cancelled')
  const finished = await flowCli(['cancel', 'lookup', runId], env)
  t.equal(finished.code, 1)
  t.match(finished.stderr, /already finished \(Failed\)/)
  const unknown = await flowCli(['runs', 'nope'], env)
  t.match([unknown.code, unknown.stderr], [1, /no flow nope/])
  const noStore = await flowCli(['runs', 'lookup'], { DATA_DIR: '' })
  t.match([noStore.code, noStore.stderr], [2, /needs DATA_DIR/])
})
