import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { DEMO, DEMO_IDS } from '../../demo.js'
import type { FlowRun } from '../../schemas/flow.js'
import type { ConnectorCall } from '../operations.js'
import type { DoorReply } from '../runtime.js'
import { WebexError } from '../../errors.js'
import { localService, type LocalService } from '../local-service.js'
import type { FlowTestCase, FlowTestFile } from './file.js'
import { mismatches, substitute, TestFileError } from './match.js'

/** One test case's outcome: its failures (JSON path first), and the run checked, for the report. */
export interface CaseResult {
  file: string
  name: string
  failures: string[]
  ms: number
  run?: FlowRun
}

interface Got {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
}

const DEFAULT_CLOCK = '2026-01-05T09:00:00.000Z'

/** A loopback receiver: answers as the test says and keeps what it got. */
async function receiver (answer: { statusCode?: number; headers?: Record<string, string>; body?: unknown }) {
  const got: Got[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown = raw
      try {
        body = raw ? JSON.parse(raw) : null
      } catch {
        /* not JSON: kept as text */
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
      got.push({ method: req.method ?? '', path: req.url ?? '', headers, body })
      const json = answer.body !== undefined ? JSON.stringify(answer.body) : ''
      res
        .writeHead(answer.statusCode ?? 200, {
          ...(json ? { 'content-type': 'application/json' } : {}),
          ...answer.headers,
        })
        .end(json)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, got, close: () => new Promise<void>(resolve => server.close(() => resolve())) }
}

/** The flow file as the test runs it: its parameters' values replaced and the mocks in as Logic Apps has them. */
function flowUnderTest (flowJson: Record<string, unknown>, c: FlowTestCase, vars: Record<string, unknown>): unknown {
  const def = { ...(flowJson.definition as Record<string, unknown>) }
  const parameters = { ...(def.parameters as Record<string, Record<string, unknown>> | undefined) }
  for (const [name, value] of Object.entries(c.parameters ?? {})) {
    parameters[name] = { ...parameters[name], defaultValue: substitute(value, vars, `/parameters/${name}`) }
  }
  def.parameters = parameters
  if (c.staticResults) {
    def.staticResults = { ...(def.staticResults as object | undefined), ...substitute(c.staticResults, vars) as object }
    def.actions = mock(def.actions as Record<string, Record<string, unknown>>, new Set(Object.keys(c.staticResults)))
  }
  return { ...flowJson, definition: def }
}

/** Points each action named in staticResults at its result (runtimeConfiguration.staticResult), nested ones too. */
function mock (actions: Record<string, Record<string, unknown>>, names: Set<string>): Record<string, unknown> {
  const nested = (a: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a }
    if (out.actions) out.actions = mock(out.actions as Record<string, Record<string, unknown>>, names)
    const orElse = out.else as { actions?: Record<string, Record<string, unknown>> } | undefined
    if (orElse?.actions) out.else = { ...orElse, actions: mock(orElse.actions, names) }
    if (out.cases) {
      out.cases = Object.fromEntries(
        Object.entries(out.cases as Record<string, { actions?: Record<string, Record<string, unknown>> }>).map(
          ([k, v]) => [k, { ...v, ...(v.actions ? { actions: mock(v.actions, names) } : {}) }]
        )
      )
    }
    const dflt = out.default as { actions?: Record<string, Record<string, unknown>> } | undefined
    if (dflt?.actions) out.default = { ...dflt, actions: mock(dflt.actions, names) }
    return out
  }
  return Object.fromEntries(
    Object.entries(actions).map(([name, a]) => {
      const action = nested(a)
      if (names.has(name)) {
        action.runtimeConfiguration = {
          ...(action.runtimeConfiguration as object | undefined),
          staticResult: { name, staticResultOptions: 'Enabled' },
        }
      }
      return [name, action]
    })
  )
}

/** Runs one test case on a service of its own (a fresh demo organisation, a fake clock): independent of the others. */
export async function runCase (
  file: string,
  spec: FlowTestFile & { flowPath: string },
  index: number
): Promise<CaseResult> {
  const c = spec.tests[index]
  const at = `/tests/${index}`
  const started = Date.now()
  const failures: string[] = []
  const result = (run?: FlowRun): CaseResult => ({
    file,
    name: c.name,
    failures,
    ms: Date.now() - started,
    ...(run ? { run } : {}),
  })
  const receivers = await Promise.all(
    Object.entries(c.receivers ?? {}).map(async ([name, answer]) => [name, await receiver(answer)] as const)
  )
  const vars: Record<string, unknown> = {
    demo: DEMO_IDS,
    ...Object.fromEntries(receivers.map(([name, r]) => [name, { url: r.url }])),
  }
  const dir = mkdtempSync(join(tmpdir(), 'webex-flow-test-'))
  let svc: LocalService | undefined
  try {
    const flowId = basename(spec.flowPath, '.json')
    const flowJson = JSON.parse(readFileSync(spec.flowPath, 'utf8')) as Record<string, unknown>
    writeFileSync(join(dir, `${flowId}.json`), JSON.stringify(flowUnderTest(flowJson, c, vars)))
    let now = Date.parse(c.clock ?? DEFAULT_CLOCK)
    svc = await localService(dir, {
      ...(receivers.length > 0 ? { httpAllow: receivers.map(([, r]) => r.url).join(',') } : {}),
      deps: {
        clock: () => now,
        // The fake clock: a delay (Wait, a retry's backoff, a timeout) moves time on at once.
        flowSleep: async (ms, signal) => {
          if (signal?.aborted) throw new Error('aborted')
          now += Math.max(0, ms)
        },
      },
    })
    const { runtime, app } = svc
    const [problem] = runtime.loadErrors()
    if (problem) {
      failures.push(...problem.problems.map(p => `${spec.flow}${p.path}: ${p.message}`))
      return result()
    }
    const owner = runtime.ownerOf(flowId)
    if (!owner) {
      failures.push(`${spec.flow}: the flow's owner is not a person of the demo organisation`)
      return result()
    }
    const calls: ConnectorCall[] = []
    runtime.catalog.watch(call => calls.push(call))

    for (const [i, step] of (c.data ?? []).entries()) {
      const resolved = substitute(step, vars, `${at}/data/${i}`) as typeof step
      const res = await app.inject({
        method: resolved.method ?? 'POST',
        url: resolved.path,
        headers: { authorization: `Bearer ${DEMO.tokens[resolved.as]}` },
        ...(resolved.body !== undefined ? { payload: resolved.body as object } : {}),
      })
      if (res.statusCode >= 300) {
        const call = `${resolved.method ?? 'POST'} ${resolved.path}`
        failures.push(`${at}/data/${i}: ${call} answered ${res.statusCode}: ${res.body}`)
        return result()
      }
      if (step.save) vars[step.save] = res.body ? JSON.parse(res.body) : null
      await runtime.idle()
    }
    let response: DoorReply | undefined
    const trigger = c.trigger
      ? (substitute(c.trigger, vars, `${at}/trigger`) as NonNullable<typeof c.trigger>)
      : undefined
    if (trigger && 'body' in trigger) await runtime.runNow(owner, flowId, trigger.body)
    else if (trigger && 'event' in trigger) await runtime.replay(owner, flowId, trigger.event)
    else if (trigger && 'recurrence' in trigger) {
      now = Date.parse(trigger.recurrence)
      await runtime.tick()
    } else if (trigger) {
      const r = trigger.request
      const call = {
        method: r.method ?? 'POST',
        relativePath: r.relativePath ?? '',
        headers: { 'content-type': 'application/json', ...r.headers },
        queries: r.queries ?? {},
        body: r.body ?? null,
      }
      // A refusal at the door (schema, method, path) is the caller's answer too, in the Webex error shape.
      response = await runtime.invoke(flowId, call, id => `/v1/flows/${flowId}/runs/${id}`).catch((err: unknown) => {
        if (!(err instanceof WebexError)) throw err
        return { statusCode: err.statusCode, headers: err.headers, body: { message: err.message } }
      })
    }
    await runtime.idle()
    const expect = substitute(c.expect, vars, `${at}/expect`) as typeof c.expect
    const e = `${at}/expect`
    const runs = (await runtime.runs(owner, flowId, { max: 500 })).items
    if (expect.runs !== undefined && runs.length !== expect.runs) {
      failures.push(`${e}/runs: expected ${expect.runs} run(s), got ${runs.length}`)
    }
    // The first run the test started is the one checked (later ones are often the flow's own echo, e.g. Skipped).
    const first = runs[runs.length - 1]
    const run = first ? await runtime.run(owner, flowId, first.id) : undefined
    // What the flow called and answered is checked whether or not a run started (trigger conditions start none).
    const outside = (): void => {
      if (expect.calls) failures.push(...mismatches(expect.calls, calls, `${e}/calls`))
      for (const [name, want] of Object.entries(expect.received ?? {})) {
        const r = receivers.find(([n]) => n === name)
        if (!r) failures.push(`${e}/received/${name}: there is no receiver '${name}' in receivers`)
        else failures.push(...mismatches(want, r[1].got, `${e}/received/${name}`))
      }
      if (expect.response !== undefined) failures.push(...mismatches(expect.response, response, `${e}/response`))
    }
    if (!run) {
      if (expect.runs !== 0) failures.push(`${e}: no run was started`)
      outside()
      return result()
    }
    if (expect.status !== undefined && run.status !== expect.status) {
      const why = run.error ? ` (${run.error.code}: ${run.error.message})` : ''
      failures.push(`${e}/status: expected ${expect.status}, got ${run.status}${why}`)
    }
    if (expect.error !== undefined) failures.push(...mismatches(expect.error, run.error, `${e}/error`))
    for (const [name, want] of Object.entries(expect.actions ?? {})) {
      const records = (run.actions ?? []).filter(a => a.name === name)
      const p = `${e}/actions/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`
      if (want.count !== undefined && records.length !== want.count) {
        failures.push(`${p}/count: expected ${want.count} record(s), got ${records.length}`)
      }
      const last = records[records.length - 1]
      if (!last) {
        if (want.count !== 0) failures.push(`${p}: the action did not run (no record)`)
        continue
      }
      const { count: _count, ...partial } = want
      failures.push(...mismatches(partial, last, p))
    }
    outside()
    return result(run)
  } catch (err) {
    failures.push(err instanceof TestFileError ? err.message : `${at}: ${(err as Error).message}`)
    return result()
  } finally {
    await svc?.close()
    await Promise.all(receivers.map(([, r]) => r.close()))
    rmSync(dir, { recursive: true, force: true })
  }
}
