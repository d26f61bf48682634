import type { Config } from '../config.js'
import type { AsyncStore } from './db.js'
import { openSqliteStore } from './sqlite-store.js'
import { openPostgresStore, type StoreLog } from './postgres.js'
import { GENERATION_CHANNEL } from './cluster/invalidation.js'

export interface StoreDeps {
  clock?: () => number
  log?: StoreLog
}

/** One entry per dialect: how the configured store is opened (and migrated). */
const DIALECTS: Record<Config['store'], (config: Config, deps: StoreDeps) => Promise<AsyncStore>> = {
  sqlite: async (config, deps) =>
    openSqliteStore({
      dataDir: config.dataDir,
      synchronous: config.sqliteSynchronous,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  postgres: (config, deps) =>
    openPostgresStore({
      url: config.databaseUrl,
      poolMax: config.databasePoolMax,
      ...deps,
      // With a read cache, every instance tells the others when it wrote (cluster/invalidation.ts).
      ...(config.readCache ? { writeChannel: GENERATION_CHANNEL } : {}),
    }),
}

/** The store the configuration names, opened and migrated; a wrong DATABASE_URL fails here, naming it. */
export function openStore (config: Config, deps: StoreDeps = {}): Promise<AsyncStore> {
  return DIALECTS[config.store](config, deps)
}
