import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/service.js'
import { flowCli } from './helpers.js'

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
  t.match(internal.stdout, /No run of tag-external-members: its trigger conditions are false for this event/)

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
