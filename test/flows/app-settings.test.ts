import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { makeConfig } from '../../src/config.js'
import { AppSettings } from '../../src/flows/app-settings.js'
import { compileFlow, FlowLoadError } from '../../src/flows/load.js'
import { flowFile, startFlows, statuses } from './helpers.js'
import { tempDir } from '../helpers/service.js'

const compose = (inputs: unknown) => ({ type: 'Compose', inputs })

t.test('appsetting() reads the file FLOWS_APP_SETTINGS names (local.settings.json Values), any case', async t => {
  const dir = tempDir(t, 'settings-')
  const file = join(dir, 'local.settings.json')
  writeFileSync(
    file,
    JSON.stringify({
      IsEncrypted: false,
      Values: { ServiceOne_Url: 'http://127.0.0.1:9/one', 'Greeting.Text': 'Hello', FUNCTIONS_WORKER_RUNTIME: 'node' },
    })
  )
  const s = await startFlows(
    t,
    {
      settings: flowFile({
        Url: compose("@appsetting('ServiceOne_Url')"),
        Text: compose("@{appsetting('greeting.text')}, world"),
        Dynamic: compose("@appsetting(concat('Greeting', '.Text'))"),
        Missing: compose("@appsetting(concat('No', 'Such'))"),
      }),
    },
    { flows: { appSettings: file } }
  )
  t.same(s.flows!.loadErrors(), [])
  const run = await s.runNow('settings')
  const out = (n: string) => run.actions.find((a: any) => a.name === n)
  t.equal(out('Url').outputs, 'http://127.0.0.1:9/one')
  t.equal(out('Text').outputs, 'Hello, world', 'a name that differs only in case finds the setting')
  t.equal(out('Dynamic').outputs, 'Hello')
  t.same(statuses(run), { Url: 'Succeeded', Text: 'Succeeded', Dynamic: 'Succeeded', Missing: 'Failed' })
  t.match(out('Missing').error, {
    code: 'InvalidTemplate',
    message: "The template language function 'appsetting' cannot be evaluated: there is no app setting named 'NoSuch'.",
  })
})

t.test('a literal name that is not an app setting is refused at load, naming it; the env is not read', async t => {
  const s = await startFlows(t, {})
  process.env.WEBEX_TEST_SECRET = 'do-not-leak'
  t.teardown(() => {
    delete process.env.WEBEX_TEST_SECRET
  })
  const json = flowFile({ Leak: compose("@appsetting('WEBEX_TEST_SECRET')") })
  const none = t.throws(() => compileFlow('x', 'x.json', json, s.flows!.catalog)) as unknown as FlowLoadError
  t.ok(none instanceof FlowLoadError)
  t.match(none.problems, [
    {
      path: '/definition/actions/Leak/inputs',
      message:
        "appsetting('WEBEX_TEST_SECRET'): there is no app setting 'WEBEX_TEST_SECRET' (FLOWS_APP_SETTINGS names " +
        'the file of app settings; none is set)',
    },
  ])
  const some = new AppSettings({ Other: 'x' }, '/etc/settings.json')
  const err = t.throws(() =>
    compileFlow('x', 'x.json', json, s.flows!.catalog, { appSettings: some })
  ) as unknown as FlowLoadError
  t.match(err.problems, [{ message: /no app setting 'WEBEX_TEST_SECRET' in \/etc\/settings\.json \(FLOWS_APP_/ }])
  const ok = flowFile({ Ok: compose("@appsetting('other')") })
  t.ok(compileFlow('x', 'x.json', ok, s.flows!.catalog, { appSettings: some }))
})

t.test('the settings file: a flat object works too; a bad file or a non-string value stops the start', async t => {
  const dir = tempDir(t, 'settings-')
  const flat = join(dir, 'flat.json')
  writeFileSync(flat, JSON.stringify({ A: '1', B: '' }))
  const settings = AppSettings.load(flat)
  t.equal(settings.get('A'), '1')
  t.equal(settings.get('B'), '', 'an empty value is a value')
  t.equal(settings.get('C'), undefined)
  const ambiguous = new AppSettings({ Key: '1', KEY: '2' })
  t.equal(ambiguous.get('KEY'), '2', 'the exact name wins')
  t.equal(ambiguous.get('key'), undefined, 'a case-folded name that fits two settings finds neither')

  const number = join(dir, 'number.json')
  writeFileSync(number, JSON.stringify({ Values: { Port: 8080 } }))
  t.throws(() => AppSettings.load(number), { message: /the app setting 'Port' in .* must be a string/ })
  const broken = join(dir, 'broken.json')
  writeFileSync(broken, '{ nope')
  const config = makeConfig({
    logLevel: 'silent',
    dataDir: tempDir(t),
    flows: { dir, appSettings: broken },
    delivery: { thread: false },
  })
  await t.rejects(buildApp(config), { message: /FLOWS_APP_SETTINGS: .*broken\.json is not a readable JSON file/ })
  await t.rejects(
    buildApp(makeConfig({ ...config, flows: { ...config.flows, appSettings: join(dir, 'absent.json') } })),
    { message: /FLOWS_APP_SETTINGS: .*absent\.json/ }
  )
})
