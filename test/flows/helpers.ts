import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { DEMO } from '../../src/demo.js'
import { client, startService, tempDir, type Running, type Tap } from '../helpers/service.js'
import type { AppDeps } from '../../src/app.js'
import { compileFlow, FlowLoadError, type LoadEnv } from '../../src/flows/load.js'
import type { OperationCatalog } from '../../src/flows/operations.js'

export const host = (operationId: string) => ({
  connection: { name: "@parameters('$connections')['webexspaces']['connectionId']" },
  operationId,
})

/** A flow file of `owner` with a manual-ish trigger (message created) and these actions. */
export function flowFile (
  actions: Record<string, unknown>,
  opts: { owner?: string; trigger?: Record<string, unknown>; parameters?: Record<string, unknown> } = {}
): Record<string, unknown> {
  return {
    owner: opts.owner ?? 'alice@example.com',
    definition: {
      ...(opts.parameters ? { parameters: opts.parameters } : {}),
      triggers: opts.trigger ?? {
        When_a_message_is_created: { type: 'ApiConnectionWebhook', inputs: { host: host('WhenMessageCreated') } },
      },
      actions,
    },
  }
}

/**
 * A flows folder (removed with the test) holding `long`: it composes its trigger body's `n`, then waits an hour,
 * so a run stays Running for as long as a test needs to kill its instance under it.
 */
export function holdingFlowDir (t: Tap): string {
  const dir = tempDir(t, 'flows-')
  writeFileSync(
    join(dir, 'long.json'),
    JSON.stringify(
      flowFile({
        First: { type: 'Compose', runAfter: {}, inputs: "@triggerBody()?['n']" },
        Hold: { type: 'Wait', runAfter: { First: ['Succeeded'] }, inputs: { interval: { count: 1, unit: 'Hour' } } },
      })
    )
  )
  return dir
}

export interface FlowService extends Running {
  flowsDir: string
  /** Every delay the runtime asked for (Wait, retries, timeouts), in ms; they resolve at once. */
  sleeps: number[]
  alice: ReturnType<typeof client>
  bob: ReturnType<typeof client>
  carol: ReturnType<typeof client>
  /** "Run now" as the owner (alice unless told), waits for the runtime to be idle, returns the finished run. */
  runNow: (flowId: string, triggerBody?: unknown, as?: ReturnType<typeof client>) => Promise<any>
}

/** The real service with these flows (id -> file JSON, or a file name -> a file copied as is) and instant delays. */
export async function startFlows (
  t: Tap,
  flows: Record<string, unknown>,
  settings: Record<string, unknown> = {},
  deps: AppDeps = {}
): Promise<FlowService> {
  const flowsDir = (settings.flowsDir as string | undefined) ?? tempDir(t, 'flows-')
  for (const [id, json] of Object.entries(flows)) {
    writeFileSync(join(flowsDir, `${id}.json`), typeof json === 'string' ? json : JSON.stringify(json, null, 2))
  }
  const sleeps: number[] = []
  const {
    flowsDir: _ignored,
    flows: flowSettings,
    ...rest
  } = settings as { flowsDir?: string; flows?: Record<string, unknown> }
  const s = await startService(
    t,
    { ...rest, flows: { enabled: true, dir: flowsDir, ...flowSettings } },
    {
      flowSleep: async ms => {
        sleeps.push(ms)
      },
      ...deps,
    }
  )
  const alice = client(s.url, DEMO.tokens.alice)
  const runNow = async (flowId: string, triggerBody: unknown = {}, as = alice): Promise<any> => {
    const queued = await as('POST', `/v1/flows/${flowId}/runs`, { triggerBody })
    if (queued.status !== 201) throw new Error(`run now answered ${queued.status}: ${JSON.stringify(queued.body)}`)
    await s.flows!.idle()
    return (await as('GET', new URL(queued.headers.get('location')!).pathname)).body
  }
  return {
    ...s,
    flowsDir,
    sleeps,
    alice,
    bob: client(s.url, DEMO.tokens.bob),
    carol: client(s.url, DEMO.tokens.carol),
    runNow,
  }
}

/** name -> status of a run's actions (the last record of each name: Foreach iterations repeat names). */
export const statuses = (run: { actions: Array<{ name: string; status: string }> }): Record<string, string> =>
  Object.fromEntries(run.actions.map(a => [a.name, a.status]))

/** The problems the loader finds in a flow file (none: []), for tests of load-time checks. */
export function loadProblems (
  catalog: OperationCatalog,
  json: unknown,
  env: LoadEnv = {}
): Array<{ path: string; message: string }> {
  try {
    compileFlow('x', 'x.json', json, catalog, env)
    return []
  } catch (err) {
    if (err instanceof FlowLoadError) return err.problems
    throw err
  }
}

/** `npm run flow -- ...` as the user runs it (node + tsx on the CLI), with its exit code and output. */
export async function flowCli (
  args: string[],
  env: Record<string, string> = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/flows/cli.ts', ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
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
