import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { FlowRun } from '../schemas/flow.js'
import { localService, type LocalService } from './local-service.js'
import { runTestFiles } from './testing/suite.js'
import { junitReport, textReport } from './testing/report.js'
import { budgetReport } from './budget.js'

/**
 * `npm run flow -- check [dir]` validates every flow; `npm run flow -- run flows/NAME.json --event e.json` runs one
 * flow once against the embedded backend (a fresh demo organisation unless DATA_DIR is set) and prints its trace.
 * This is a terminal program: it writes to stdout/stderr, not through the service logger.
 */
const USAGE = `Usage:
  npm run flow -- check [DIR] [--rate N]                   validate every flow in DIR (default: FLOWS_DIR or ./flows)
      and estimate its Webex calls per run against the limit of 100 per 60 s, at N events or calls a minute for
      event and Request triggers (default 10) and at its recurrence for the others; warns where it is throttled
  npm run flow -- run FILE.json [--event EVENT.json] [--full]
      run one flow once against the embedded backend with EVENT.json as its trigger body and print the trace
      (DATA_DIR=dir runs against that store instead of a fresh demo organisation; --full prints whole outputs)
  npm run flow -- test [FILE.test.json ...] [--reporter junit] [--output FILE]
      run flow tests (default: every DIR/tests/*.test.json), each on a fresh demo organisation with a fake clock;
      exits 1 when one fails; --reporter junit writes JUnit XML (to FILE with --output, else to stdout)
  DATA_DIR=dir npm run flow -- runs FLOW [--status S]      list a flow's runs in that store, newest first
  DATA_DIR=dir npm run flow -- resubmit FLOW RUN [--from ACTION] [--full]
      run RUN again from its trigger, or from the top-level ACTION (the actions before it keep their results)
  DATA_DIR=dir npm run flow -- cancel FLOW [RUN]           cancel RUN, or every queued run of FLOW`

const out = (line = ''): void => {
  process.stdout.write(line + '\n')
}
const err = (line: string): void => {
  process.stderr.write(line + '\n')
}

/** The service on a fresh demo organisation, or on the store of DATA_DIR when set. */
const service = (flowsDir: string): Promise<LocalService> =>
  localService(flowsDir, process.env.DATA_DIR ? { dataDir: process.env.DATA_DIR } : {})

async function check (dir: string, rate: number): Promise<number> {
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
        const budget = budgetReport(f, rate)
        out(`    budget: ${budget.line}`)
        if (budget.warning) err(`⚠ ${budget.warning}`)
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
      // An event is replayed as the trigger receives it (its conditions apply); any other trigger runs now.
      const queued = flow.trigger.data.source === 'event'
        ? await runtime.replay(owner, flow.id, event)
        : await runtime.runNow(owner, flow.id, event)
      await runtime.idle()
      if (!queued) {
        out(`No run of ${flow.id}: its trigger conditions are false for this event (nothing was started or recorded).`)
        return 0
      }
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

/** The commands that act on a store's run history, as the flow's owner (the REST API's rules, from a terminal). */
async function history (
  command: string,
  flowId: string,
  runId: string | undefined,
  o: HistoryOptions
): Promise<number> {
  if (!process.env.DATA_DIR) {
    err(`${command} needs DATA_DIR: the store whose run history it acts on.`)
    return 2
  }
  const { runtime, close } = await service(resolve(process.env.FLOWS_DIR ?? './flows'))
  try {
    const owner = runtime.ownerOf(flowId)
    if (!owner) {
      err(`✗ no flow ${flowId} with an owner in this organisation`)
      return 1
    }
    if (command === 'runs') {
      const page = await runtime.runs(owner, flowId, { max: 50, ...(o.status ? { status: o.status } : {}) })
      for (const r of page.items) {
        const origin = r.resubmittedFrom ? `  (resubmitted from ${r.resubmittedFrom})` : ''
        out(`${r.id}  ${r.status.padEnd(9)} ${r.source.padEnd(10)} ${r.created}${origin}`)
      }
      return 0
    }
    if (command === 'cancel') {
      if (!runId) {
        out(`${await runtime.cancelQueued(owner, flowId)} queued run(s) of ${flowId} cancelled`)
        return 0
      }
      const run = await runtime.cancel(owner, flowId, runId)
      out(`Run ${run.id}: ${run.status}`)
      return 0
    }
    if (!runId) throw new Error(USAGE)
    const queued = await runtime.resubmit(owner, flowId, runId, o.from ? [o.from] : undefined)
    await runtime.idle()
    const done = await runtime.run(owner, flowId, queued.id)
    out(`Resubmitted ${runId}${o.from ? ` from ${o.from}` : ''}:`)
    printTrace(done, o.full)
    return done.status === 'Failed' ? 1 : 0
  } finally {
    await close()
  }
}

async function test (files: string[], junit: boolean, output: string | undefined): Promise<number> {
  const dir = resolve(process.env.FLOWS_DIR ?? './flows', 'tests')
  const chosen = files.length > 0
    ? files
    : readdirSync(dir)
      .filter(f => f.endsWith('.test.json'))
      .sort()
      .map(f => join(dir, f))
  const results = await runTestFiles(chosen.map(f => relative(process.cwd(), resolve(f))))
  const text = textReport(results)
  if (junit && !output) {
    out(junitReport(results))
    err(text)
  } else {
    if (junit && output) writeFileSync(output, junitReport(results))
    out(text)
  }
  return results.every(r => r.failures.length === 0) ? 0 : 1
}

interface HistoryOptions {
  status?: string
  from?: string
  full: boolean
}

async function main (argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      status: { type: 'string' },
      from: { type: 'string' },
      reporter: { type: 'string', default: 'text' },
      rate: { type: 'string', default: '10' },
      output: { type: 'string' },
      full: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  const [command, target, third] = positionals
  if (values.help || !command) {
    out(USAGE)
    return command ? 0 : 2
  }
  if (command === 'check') {
    const rate = Number(values.rate)
    if (!(rate > 0)) throw new Error(`--rate must be a positive number of triggers a minute, not '${values.rate}'.`)
    return await check(resolve(target ?? process.env.FLOWS_DIR ?? './flows'), rate)
  }
  if (command === 'run' && target) return await run(target, values.event, values.full)
  if (command === 'test' && ['text', 'junit'].includes(values.reporter)) {
    return await test(positionals.slice(1), values.reporter === 'junit', values.output)
  }
  if (['runs', 'resubmit', 'cancel'].includes(command) && target) {
    return await history(command, target, third, {
      full: values.full,
      ...(values.status ? { status: values.status } : {}),
      ...(values.from ? { from: values.from } : {}),
    })
  }
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
