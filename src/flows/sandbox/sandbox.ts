import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import PQueue from 'p-queue'
import { parseJsonText } from '../values.js'

export interface SandboxLimits {
  /** Wall-clock time one execution may take (Logic Apps Standard: 15 s); past it the process is killed. */
  timeoutMs: number
  /** The child's V8 heap (--max-old-space-size). */
  memoryMb: number
  /** Largest context sent in and result taken back (Logic Apps: 50 MB of data). */
  maxBytes: number
  /** Executions at once; the others wait their turn (the wait does not count against timeoutMs). */
  concurrency: number
}

/** The code's result (read with Logic Apps' number model), or why it failed. */
export type SandboxResult = { ok: true; value: unknown } | { ok: false; error: string }

const CHILD = readFileSync(new URL('./child.cjs', import.meta.url), 'utf8')

/** Node's permission flag: --permission from Node 22.13/23.5 on, --experimental-permission before. */
const PERMISSION = process.allowedNodeEnvironmentFlags.has('--permission')
  ? '--permission'
  : '--experimental-permission'

function findOnPath (name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const file = join(dir, name)
    if (dir && existsSync(file)) return file
  }
  return undefined
}

/**
 * Runs JavaScriptCode actions' code outside the service's process: one child process per execution (at most
 * `concurrency` at once), started by util-linux `unshare --user --net` (a user and network namespace: the child
 * has no network at all and no privileges) running Node with its permission model (no file system, child
 * processes, workers, addons, WASI), string code generation off outside the code's own context, a heap cap and
 * an empty environment; the context goes in and the result comes out as JSON over stdio; a wall-clock timer kills
 * it. A crash, a hang or an out-of-memory ends that child only, and fails only that action.
 *
 * Where the host does not allow the namespaces (some containers forbid them), nothing runs: `availability()` says
 * why, and the loader refuses JavaScriptCode actions with that reason rather than run code with less isolation.
 */
export class CodeSandbox {
  private probed: { ok: true; unshare: string; env: string } | { ok: false; reason: string } | undefined
  private readonly queue: PQueue
  private readonly children = new Set<ChildProcess>()

  constructor (readonly limits: SandboxLimits) {
    this.queue = new PQueue({ concurrency: limits.concurrency })
  }

  /** Whether code can run here; probed once (starting an empty child in the namespaces). */
  availability (): { ok: true } | { ok: false; reason: string } {
    if (!this.probed) {
      const unshare = findOnPath('unshare')
      const env = findOnPath('env')
      if (!unshare || !env) {
        this.probed = { ok: false, reason: NO_UNSHARE }
      } else {
        const r = spawnSync(unshare, ['--user', '--net', env, '-i', process.execPath, '--version'], {
          env: {},
          encoding: 'utf8',
          timeout: 10_000,
        })
        this.probed =
          r.status === 0
            ? { ok: true, unshare, env }
            : {
                ok: false,
                reason:
                  'this host does not allow the user and network namespaces that isolate it (unshare --user --net: ' +
                  `${(r.stderr || r.error?.message || `exit ${r.status}`).trim()})`,
              }
      }
    }
    return this.probed.ok ? { ok: true } : { ok: false, reason: this.probed.reason }
  }

  /** Runs `code` (a function body) with `workflowContext` parsed from `contextJson`. */
  run (code: string, contextJson: string): Promise<SandboxResult> {
    const probe = this.availability()
    if (!probe.ok) return Promise.resolve({ ok: false, error: `inline code cannot run here: ${probe.reason}` })
    const input = JSON.stringify({ code, context: contextJson })
    if (Buffer.byteLength(input) > this.limits.maxBytes) {
      return Promise.resolve({ ok: false, error: `the code and workflowContext exceed ${mb(this.limits.maxBytes)}` })
    }
    return this.queue.add(() => this.execute(input)) as Promise<SandboxResult>
  }

  /** Kills every running child (the service is stopping). */
  stop (): void {
    this.queue.clear()
    for (const c of this.children) c.kill('SIGKILL')
  }

  /** The command line of a sandboxed child running `script` (the child's own script; tests probe the walls with it). */
  command (script: string): { file: string; args: string[] } {
    if (!this.probed?.ok) throw new Error('The sandbox is not available here.')
    return {
      file: this.probed.unshare,
      // env -i: the child's environment is empty whatever its parent's spawn adds (NODE_OPTIONS included).
      args: [
        '--user',
        '--net',
        this.probed.env,
        '-i',
        process.execPath,
        '--no-warnings',
        PERMISSION,
        '--disallow-code-generation-from-strings',
        `--max-old-space-size=${this.limits.memoryMb}`,
        '-e',
        script,
      ],
    }
  }

  private execute (input: string): Promise<SandboxResult> {
    const { file, args } = this.command(CHILD)
    const child = spawn(file, args, { env: {}, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] })
    this.children.add(child)
    return new Promise<SandboxResult>(resolve => {
      const out: Buffer[] = []
      let outBytes = 0
      let err = ''
      let verdict: string | undefined
      const kill = (why: string): void => {
        verdict ??= why
        child.kill('SIGKILL')
      }
      const timer = setTimeout(
        () => kill(`the code did not finish within ${this.limits.timeoutMs / 1000} seconds`),
        this.limits.timeoutMs
      )
      child.stdout.on('data', (b: Buffer) => {
        outBytes += b.length
        if (outBytes > this.limits.maxBytes) kill(`its result exceeds ${mb(this.limits.maxBytes)}`)
        else out.push(b)
      })
      child.stderr.on('data', (b: Buffer) => {
        if (err.length < 65_536) err += b.toString('utf8')
      })
      child.stdin.on('error', () => undefined)
      child.on('error', e => kill(`its process could not start: ${e.message}`))
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        this.children.delete(child)
        if (verdict) return resolve({ ok: false, error: verdict })
        const text = Buffer.concat(out).toString('utf8')
        if (code === 0 && text) {
          try {
            const r = parseJsonText(text) as { ok: boolean; value?: unknown; error?: string }
            if (r.ok === true) return resolve({ ok: true, value: r.value ?? null })
            return resolve({ ok: false, error: String(r.error) })
          } catch {
            /* falls through: not the child's answer */
          }
        }
        if (/heap out of memory|Reached heap limit/i.test(err)) {
          return resolve({ ok: false, error: `the code ran out of memory (its limit is ${this.limits.memoryMb} MB)` })
        }
        const last = err.trim().split('\n').pop()?.slice(0, 300)
        resolve({
          ok: false,
          error: `its process ended without a result (${signal ?? `exit code ${code}`}${last ? `: ${last}` : ''})`,
        })
      })
      child.stdin.end(input)
    })
  }
}

const NO_UNSHARE = "util-linux's unshare, which isolates it from the network, is not installed"
const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`
