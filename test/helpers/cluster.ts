import { startChild, type Child } from './child.js'
import { tempDir, type Tap } from './service.js'

/** Where clients reach the cluster (a load balancer's address): every instance builds its URLs on it. */
export const PUBLIC_URL = 'http://webex.cluster.test'

export interface Instance extends Child {
  dataDir: string
}

export interface Cluster {
  instances: Instance[]
  /** A URL the cluster handed out (on PUBLIC_URL) as the load balancer would send it to instance `i`. */
  via(i: number, url: string): string
}

/**
 * `n` real services (`src/main.ts` children) on one PostgreSQL database, as `n` instances behind a load
 * balancer: each its own PORT and DATA_DIR, the same DATABASE_URL and PUBLIC_URL. The first starts alone
 * (it migrates and seeds), the others together. Each is killed when the test ends.
 */
export async function startCluster (
  t: Tap,
  n: number,
  databaseUrl: string,
  env: Record<string, string> = {}
): Promise<Cluster> {
  const start = async (): Promise<Instance> => {
    const dataDir = tempDir(t, 'instance-')
    const child = await startChild({
      STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      PUBLIC_URL,
      LOG_LEVEL: 'info',
      ...env,
    })
    t.teardown(() => {
      child.proc.kill('SIGKILL')
    })
    return { ...child, dataDir }
  }
  const first = await start()
  const rest = await Promise.all(Array.from({ length: n - 1 }, start))
  const instances = [first, ...rest]
  return {
    instances,
    via: (i, url) => instances[i].url + url.slice(PUBLIC_URL.length),
  }
}

/**
 * Asks `probe` again until it gives a value, failing past the deadline. The pause between questions only
 * spares the shared CPU; nothing depends on its length (the answer decides, not the time).
 */
export async function until<T> (
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 120_000
): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const got = await probe()
    if (got !== undefined) return got
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
