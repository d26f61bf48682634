import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../helpers/service.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** `npm run flow -- ...` as the user runs it (node + tsx on the CLI), with its exit code and output. */
async function flowCli (
  args: string[],
  env: Record<string, string> = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/flows/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', c => {
    stdout += String(c)
  })
  proc.stderr.on('data', c => {
    stderr += String(c)
  })
  const code = await new Promise<number | null>(resolve => proc.once('close', resolve))
  return { code, stdout, stderr }
}

t.test('check: the shipped flows are valid; a broken one fails with its path', async t => {
  const ok = await flowCli(['check'])
  t.equal(ok.code, 0, ok.stderr)
  const shipped = [
    'act-on-approval',
    'keyword-alert',
    'nightly-inactive-report',
    'post-announcement',
    'post-approval-card',
    'tag-external-members',
    'welcome-new-member',
  ]
  for (const id of shipped) {
    t.match(ok.stdout, `✓ ${id}`)
  }
  t.match(ok.stdout, '7 flow(s) loaded, 0 with problems')

  const dir = tempDir(t, 'flows-')
  writeFileSync(
    join(dir, 'bad.json'),
    JSON.stringify({
      owner: 'alice@example.com',
      definition: {
        triggers: { T: { type: 'Recurrence', recurrence: { frequency: 'Day', interval: 1 } } },
        actions: { A: { type: 'Compose', inputs: '@nope()' } },
      },
    })
  )
  writeFileSync(
    join(dir, 'stranger.json'),
    JSON.stringify({
      owner: 'nobody@example.com',
      definition: {
        triggers: { T: { type: 'Recurrence', recurrence: { frequency: 'Day', interval: 1 } } },
        actions: {},
      },
    })
  )
  const bad = await flowCli(['check', dir])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /bad\.json\n\s+\/definition\/actions\/A\/inputs: 'nope' is not a known function/)
  t.match(bad.stderr, /stranger: its owner nobody@example\.com is not a person of the organisation/)
})

t.test('run: one flow once against a fresh demo organisation, with a readable trace', async t => {
  const welcome = await flowCli([
    'run',
    'flows/welcome-new-member.json',
    '--event',
    'flows/events/membership-created.json',
    '--full',
  ])
  t.equal(welcome.code, 0, welcome.stderr)
  t.match(welcome.stdout, /^Run [0-9a-f-]{36} of welcome-new-member: Succeeded in \d+ ms\n/)
  t.match(
    welcome.stdout,
    /✓ Send_a_welcome_message\s+ApiConnection\s+Succeeded\s+\d+ ms\n\s+200: \{.*"markdown":"Welcome, \*\*Dave Lee\*\*! Glad to have you here\."/
  )

  const tag = await flowCli([
    'run',
    'flows/tag-external-members.json',
    '--event',
    'flows/events/external-member-added.json',
    '--full',
  ])
  t.equal(tag.code, 0, tag.stderr)
  t.match(tag.stdout, /✓ Create_the_tag\s+ApiConnection\s+Succeeded/)
  t.match(tag.stdout, /✓ Tag_the_space\s+ApiConnection\s+Succeeded\s+\d+ ms\n\s+204: null/)

  // The same membership event from an internal person: the trigger condition is false, so nothing runs.
  const internal = await flowCli([
    'run',
    'flows/tag-external-members.json',
    '--event',
    'flows/events/membership-created.json',
  ])
  t.equal(internal.code, 0)
  t.match(internal.stdout, /Skipped in \d+ ms \(TriggerConditionsNotMet/)

  const failing = tempDir(t, 'flows-')
  writeFileSync(
    join(failing, 'fails.json'),
    JSON.stringify({
      owner: 'alice@example.com',
      definition: {
        triggers: { T: { type: 'Recurrence', recurrence: { frequency: 'Day', interval: 1 } } },
        actions: {
          Stop: {
            type: 'Terminate',
            inputs: { runStatus: 'Failed', runError: { code: 'Nope', message: 'on purpose' } },
          },
        },
      },
    })
  )
  const failed = await flowCli(['run', join(failing, 'fails.json')])
  t.equal(failed.code, 1, 'a failed run exits 1')
  t.match(failed.stdout, /Failed in \d+ ms \(Nope: on purpose\)/)

  const usage = await flowCli(['frobnicate'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /Usage:/)
})

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
