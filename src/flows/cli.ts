import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from '../app.js'
import { configFromEnv, makeConfig } from '../config.js'
import type { FlowRun } from '../schemas/flow.js'
import type { FlowRuntime } from './runtime.js'

/**
 * `npm run flow -- check [dir]` validates every flow; `npm run flow -- run flows/NAME.json --event e.json` runs one
 * flow once against the embedded backend (a fresh demo organisation unless DATA_DIR is set) and prints its trace.
 * This is a terminal program: it writes to stdout/stderr, not through the service logger.
 */
const USAGE = `Usage:
  npm run flow -- check [DIR]                              validate every flow in DIR (default: FLOWS_DIR or ./flows)
  npm run flow -- run FILE.json [--event EVENT.json] [--full]
      run one flow once against the embedded backend with EVENT.json as its trigger body and print the trace
      (DATA_DIR=dir runs against that store instead of a fresh demo organisation; --full prints whole outputs)`

const out = (line = ''): void => {
  process.stdout.write(line + '\n')
}
const err = (line: string): void => {
  process.stderr.write(line + '\n')
}

/** A service with its own store in a temp dir (unless DATA_DIR), flows loaded from `flowsDir`, nothing listening. */
async function service (flowsDir: string): Promise<{ runtime: FlowRuntime; close: () => Promise<void> }> {
  const env = configFromEnv()
  const temp = process.env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'webex-flow-'))
  const config = makeConfig({
    // Always the embedded backend: a trial run must not act on a real Webex organisation.
    ...env,
    backend: 'embedded',
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    logRequests: false,
    dataDir: temp ?? env.dataDir,
    delivery: { ...env.delivery, thread: false },
    retention: { ...env.retention, scheduleEnabled: false },
    flows: { ...env.flows, enabled: true, dir: flowsDir },
  })
  const { app, flows } = await buildApp(config)
  if (!flows) throw new Error('The workflow runtime needs the embedded backend (BACKEND=embedded).')
  await app.ready()
  return {
    runtime: flows,
    close: async () => {
      await app.close()
      if (temp) rmSync(temp, { recursive: true, force: true })
    },
  }
}

async function check (dir: string): Promise<number> {
  const { runtime, close } = await service(dir)
  try {
    const errors = runtime.loadErrors()
    for (const e of errors) {
      err(`✗ ${e.file}`)
      for (const p of e.problems) err(`    ${p.path}: ${p.message}`)
    }
    let bad = errors.length
    for (const f of runtime.all()) {
      if (runtime.ownerOf(f.id)) {
        out(`✓ ${f.id}  (${f.trigger.name}, ${f.steps.length} top-level actions, owner ${f.owner})`)
        continue
      }
      err(`✗ ${f.id}: its owner ${f.owner} is not a person of the organisation`)
      bad++
    }
    out(`${runtime.all().length} flow(s) loaded, ${bad} with problems`)
    return bad === 0 ? 0 : 1
  } finally {
    await close()
  }
}

const show = (v: unknown, full: boolean): string => {
  const text = JSON.stringify(v)
  return full || text.length <= 240 ? text : `${text.slice(0, 237)}...`
}

function printTrace (run: FlowRun, full: boolean): void {
  const ms = run.started && run.finished ? Date.parse(run.finished) - Date.parse(run.started) : 0
  out(
    `Run ${run.id} of ${run.flowId}: ${run.status} in ${ms} ms` +
      (run.error ? ` (${run.error.code}: ${run.error.message})` : '')
  )
  for (const a of run.actions ?? []) {
    const name = a.iteration ? `${a.name} [${a.iteration}]` : a.name
    const retries = a.attempts > 1 ? `, ${a.attempts} attempts` : ''
    out(
      `  ${a.status === 'Succeeded' ? '✓' : a.status === 'Skipped' ? '-' : '✗'} ${name.padEnd(40)} ` +
        `${a.type.padEnd(20)} ${a.status.padEnd(9)} ${String(a.durationMs).padStart(5)} ms${retries}`
    )
    if (a.status === 'Skipped') continue
    // An operation's outputs carry headers too; the status and body are what a reader wants.
    const o = a.outputs as { statusCode?: unknown; body?: unknown } | undefined
    if (o && typeof o === 'object' && 'statusCode' in o) out(`      ${String(o.statusCode)}: ${show(o.body, full)}`)
    else if (a.outputs !== undefined) out(`      outputs: ${show(a.outputs, full)}`)
    if (a.error) out(`      error: ${a.error.code}: ${a.error.message}`)
  }
}

async function run (file: string, eventFile: string | undefined, full: boolean): Promise<number> {
  // The flow runs alone: a copy in a directory of its own, so the other flows do not react to what it does.
  const dir = mkdtempSync(join(tmpdir(), 'webex-flow-def-'))
  try {
    copyFileSync(resolve(file), join(dir, basename(file)))
    const { runtime, close } = await service(dir)
    try {
      const [problem] = runtime.loadErrors()
      if (problem) {
        err(`✗ ${file}`)
        for (const p of problem.problems) err(`    ${p.path}: ${p.message}`)
        return 1
      }
      const [flow] = runtime.all()
      const owner = flow ? runtime.ownerOf(flow.id) : undefined
      if (!flow || !owner) {
        err(`✗ ${file}: ${flow ? `its owner ${flow.owner} is not a person of the organisation` : 'no flow loaded'}`)
        return 1
      }
      const event: unknown = eventFile ? JSON.parse(readFileSync(eventFile, 'utf8')) : {}
      const queued = await runtime.runNow(
        owner,
        flow.id,
        event,
        flow.trigger.data.source === 'event' ? 'event' : 'manual'
      )
      await runtime.idle()
      const done = await runtime.run(owner, flow.id, queued.id)
      printTrace(done, full)
      return done.status === 'Failed' ? 1 : 0
    } finally {
      await close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main (argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      full: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  const [command, target] = positionals
  if (values.help || !command) {
    out(USAGE)
    return command ? 0 : 2
  }
  if (command === 'check') return await check(resolve(target ?? process.env.FLOWS_DIR ?? './flows'))
  if (command === 'run' && target) return await run(target, values.event, values.full)
  err(USAGE)
  return 2
}

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code
  },
  (e: unknown) => {
    err(e instanceof Error ? e.message : String(e))
    process.exitCode = 1
  }
)
