import type { Config } from '../config.js'
import { openSqliteStore, type SqliteStore } from './sqlite-store.js'
import { openPostgresStore, type PostgresStore, type StoreLog } from './postgres.js'
import { GENERATION_CHANNEL } from './cluster/invalidation.js'

export interface StoreDeps {
  clock?: () => number
  log?: StoreLog
}

/**
 * An opened store with its dialect (STORE): what only one dialect has (SQLite's file, PostgreSQL's instance id
 * and pool) is reached by narrowing on `dialect`, so the service picks its mode from this one value.
 */
export type OpenedStore = { readonly dialect: 'sqlite'; readonly store: SqliteStore } | {
  readonly dialect: 'postgres'
  readonly store: PostgresStore
}

/** Each dialect's opened store, by the STORE value that names it. */
type Opened<D extends Config['store']> = Extract<OpenedStore, { dialect: D }>

/** One entry per dialect: how the configured store is opened (and migrated). */
const DIALECTS: { [D in Config['store']]: (config: Config, deps: StoreDeps) => Promise<Opened<D>> } = {
  sqlite: async (config, deps) => ({
    dialect: 'sqlite',
    store: openSqliteStore({
      dataDir: config.dataDir,
      synchronous: config.sqliteSynchronous,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  }),
  postgres: async (config, deps) => ({
    dialect: 'postgres',
    store: await openPostgresStore({
      url: config.databaseUrl,
      poolMax: config.databasePoolMax,
      ...deps,
      // With a read cache, every instance tells the others when it wrote (cluster/invalidation.ts).
      ...(config.readCache ? { writeChannel: GENERATION_CHANNEL } : {}),
    }),
  }),
}

/** The store the configuration names, opened and migrated; a wrong DATABASE_URL fails here, naming it. */
export function openStore (config: Config, deps: StoreDeps = {}): Promise<OpenedStore> {
  return DIALECTS[config.store](config, deps)
}
