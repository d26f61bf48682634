import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/** Everything the service can be told, from the environment, validated once at start. */
export const Config = Type.Object({
  host: Type.String({ default: '127.0.0.1' }),
  /** embedded: the local Webex-compatible store; webex: the Webex REST API over HTTP with the caller's token. */
  backend: Type.Union([Type.Literal('embedded'), Type.Literal('webex')], { default: 'embedded' }),
  webex: Type.Object(
    {
      baseUrl: Type.String({ default: 'https://webexapis.com' }),
      /** Where Webex can reach this service to relay events; defaults to the host a subscriber called. */
      publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
      /** Per token: at most rateLimit calls in any sliding rateWindowMs (inside the connector's 100 per 60 s). */
      rateLimit: Type.Integer({ minimum: 1, default: 100 }),
      rateWindowMs: Type.Integer({ minimum: 1, default: 60_000 }),
      concurrency: Type.Integer({ minimum: 1, default: 4 }),
      timeoutMs: Type.Integer({ minimum: 1, default: 15_000 }),
      maxRetries: Type.Integer({ minimum: 0, default: 3 }),
      baseDelayMs: Type.Integer({ minimum: 1, default: 500 }),
      maxDelayMs: Type.Integer({ minimum: 1, default: 8000 }),
    },
    { default: {} }
  ),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  dataDir: Type.String({ minLength: 1, default: './data' }),
  seedDemo: Type.Boolean({ default: true }),
  logLevel: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' }
  ),
  /** Log each request and response (pino, info level). */
  logRequests: Type.Boolean({ default: true }),
  /**
   * Where the data lives: sqlite, one file in dataDir for one instance (the default); postgres, the database at
   * databaseUrl, shared by several instances (store/postgres.ts).
   */
  store: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], { default: 'sqlite' }),
  /** STORE=postgres: postgres://user[:password]@host[:port]/database. */
  databaseUrl: Type.String({ default: '' }),
  /** STORE=postgres: connections in this instance's pool. */
  databasePoolMax: Type.Integer({ minimum: 1, default: 10 }),
  /**
   * STORE=postgres, several instances: how long an instance's liveness lease lasts unrenewed (renewed every
   * third of it). A killed instance's running flow runs are failed this long after its last renewal, and its
   * queued ones taken over by the others.
   */
  clusterLeaseMs: Type.Integer({ minimum: 300, default: 15_000 }),
  /** SQLite durability: NORMAL survives a killed process, FULL also a power cut. */
  sqliteSynchronous: Type.Union([Type.Literal('NORMAL'), Type.Literal('FULL')], { default: 'NORMAL' }),
  /** Memoise embedded reads between writes (single-process store). */
  readCache: Type.Boolean({ default: true }),
  throttle: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      /** The connector metadata's limit: 100 calls per connection (token) per 60 seconds. */
      limit: Type.Integer({ minimum: 1, default: 100 }),
      windowMs: Type.Integer({ minimum: 1, default: 60_000 }),
    },
    { default: {} }
  ),
  /** Trigger delivery: retries, backoff, when a failing webhook turns inactive, which targets are allowed. */
  delivery: Type.Object(
    {
      /** Send deliveries from a worker thread of their own (file stores only). */
      thread: Type.Boolean({ default: true }),
      allowPrivateTargets: Type.Boolean({ default: false }),
      maxAttempts: Type.Integer({ minimum: 1, default: 8 }),
      baseDelayMs: Type.Integer({ minimum: 1, default: 1000 }),
      maxDelayMs: Type.Integer({ minimum: 1, default: 300_000 }),
      timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
      concurrency: Type.Integer({ minimum: 1, default: 32 }),
      inactiveAfterFailures: Type.Integer({ minimum: 1, default: 20 }),
      deadLetterCap: Type.Integer({ minimum: 1, default: 1000 }),
      /**
       * STORE=postgres: how long a subscription's lane stays with an instance that stopped renewing its lease;
       * another instance takes the lane over within this and a third of it.
       */
      leaseTtlMs: Type.Integer({ minimum: 30, default: 10_000 }),
    },
    { default: {} }
  ),
  /** The daily retention run: off by default (the demo erases nothing by itself). */
  retention: Type.Object(
    {
      scheduleEnabled: Type.Boolean({ default: false }),
      at: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', default: '02:00' }),
      /** How often the schedule looks at the clock. */
      tickMs: Type.Integer({ minimum: 100, default: 60_000 }),
    },
    { default: {} }
  ),
  /** Webex backend: governance searches an inventory of the organisation, synced with a compliance officer's token. */
  governance: Type.Object(
    {
      token: Type.String({ default: '' }),
      // A full refresh costs 1 + P + 2S calls; between refreshes the Events API keeps the inventory current.
      syncMinutes: Type.Integer({ minimum: 1, default: 1440 }),
      eventsSeconds: Type.Integer({ minimum: 1, default: 60 }),
    },
    { default: {} }
  ),
  /** Where the connector definition says the service lives (a connection can override it). */
  connector: Type.Object(
    {
      host: Type.String({ pattern: '^[^{}/ :\\\\]+(?::\\d+)?$', default: 'webex-spaces.example.com' }),
      scheme: Type.Union([Type.Literal('https'), Type.Literal('http')], { default: 'https' }),
    },
    { default: {} }
  ),
  /** The workflow runtime: flows/*.json run on the connector's triggers. */
  flows: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      dir: Type.String({ minLength: 1, default: './flows' }),
      /** Runs executing at once. */
      concurrency: Type.Integer({ minimum: 1, default: 16 }),
      /** Comma-separated origins (http://127.0.0.1:9000) Http actions may call; empty: none. */
      httpAllow: Type.String({ default: '' }),
      /** Webex backend: a JSON file { "owner@example.com": "<Webex access token>" }, the flows' connections. */
      connections: Type.String({ default: '' }),
      /** appsetting(): a JSON file of app settings { "name": "value" } (or a local.settings.json); empty: none. */
      appSettings: Type.String({ default: '' }),
      /** Agent and Function actions: a Logic Apps Standard connections.json (agentConnections, functionConnections). */
      connectionsJson: Type.String({ default: '' }),
      /** Xslt actions: the folder of XSLT maps (a Standard project's Artifacts/Maps); empty: none. */
      mapsDir: Type.String({ default: '' }),
      /** JavaScriptCode: each execution's wall-clock limit (Logic Apps Standard: 15 s), heap, and how many at once. */
      codeTimeoutMs: Type.Integer({ minimum: 1, default: 15_000 }),
      codeMemoryMb: Type.Integer({ minimum: 16, default: 256 }),
      codeConcurrency: Type.Integer({ minimum: 1, default: 2 }),
      /** Request triggers: largest body (413 beyond), calls per flow per window (429 beyond), Response wait (504). */
      requestBodyLimit: Type.Integer({ minimum: 1, default: 1_048_576 }),
      requestRateLimit: Type.Integer({ minimum: 1, default: 600 }),
      requestRateWindowMs: Type.Integer({ minimum: 1, default: 60_000 }),
      responseTimeoutMs: Type.Integer({ minimum: 1, default: 120_000 }),
      /** The host's managed identity (Azure App Service / Container Apps set these), for ManagedServiceIdentity. */
      identityEndpoint: Type.String({ default: '' }),
      identityHeader: Type.String({ default: '' }),
    },
    { default: {} }
  ),
  /** Largest accepted request body, in bytes; larger ones get 413. */
  bodyLimit: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  trustProxy: Type.Boolean({ default: false }),
  /** Messages: Webex's per-file limit (100 MB) and the card size this service takes (Webex publishes none). */
  files: Type.Object(
    {
      maxBytes: Type.Integer({ minimum: 1, default: 100 * 1024 * 1024 }),
      /** Fetching a remote file URL to re-host it: how long to wait for it. */
      fetchTimeoutMs: Type.Integer({ minimum: 1, default: 30_000 }),
      cardMaxBytes: Type.Integer({ minimum: 1, default: 28 * 1024 }),
    },
    { default: {} }
  ),
})
export type Config = Static<typeof Config>

const ENV: Record<string, string[]> = {
  HOST: ['host'],
  PORT: ['port'],
  BACKEND: ['backend'],
  WEBEX_BASE_URL: ['webex', 'baseUrl'],
  WEBEX_RATE_LIMIT: ['webex', 'rateLimit'],
  WEBEX_RATE_WINDOW_MS: ['webex', 'rateWindowMs'],
  WEBEX_CONCURRENCY: ['webex', 'concurrency'],
  WEBEX_TIMEOUT_MS: ['webex', 'timeoutMs'],
  WEBEX_MAX_RETRIES: ['webex', 'maxRetries'],
  PUBLIC_URL: ['webex', 'publicUrl'],
  DATA_DIR: ['dataDir'],
  SEED_DEMO: ['seedDemo'],
  LOG_LEVEL: ['logLevel'],
  LOG_REQUESTS: ['logRequests'],
  STORE: ['store'],
  DATABASE_URL: ['databaseUrl'],
  DATABASE_POOL_MAX: ['databasePoolMax'],
  CLUSTER_LEASE_MS: ['clusterLeaseMs'],
  SQLITE_SYNCHRONOUS: ['sqliteSynchronous'],
  READ_CACHE: ['readCache'],
  THROTTLE_ENABLED: ['throttle', 'enabled'],
  THROTTLE_LIMIT: ['throttle', 'limit'],
  THROTTLE_WINDOW_MS: ['throttle', 'windowMs'],
  BODY_LIMIT: ['bodyLimit'],
  TRUST_PROXY: ['trustProxy'],
  FILE_MAX_BYTES: ['files', 'maxBytes'],
  FILE_FETCH_TIMEOUT_MS: ['files', 'fetchTimeoutMs'],
  CARD_MAX_BYTES: ['files', 'cardMaxBytes'],
  DELIVERY_THREAD: ['delivery', 'thread'],
  DELIVERY_ALLOW_PRIVATE_TARGETS: ['delivery', 'allowPrivateTargets'],
  DELIVERY_MAX_ATTEMPTS: ['delivery', 'maxAttempts'],
  DELIVERY_BASE_DELAY_MS: ['delivery', 'baseDelayMs'],
  DELIVERY_MAX_DELAY_MS: ['delivery', 'maxDelayMs'],
  DELIVERY_TIMEOUT_MS: ['delivery', 'timeoutMs'],
  DELIVERY_CONCURRENCY: ['delivery', 'concurrency'],
  DELIVERY_INACTIVE_AFTER_FAILURES: ['delivery', 'inactiveAfterFailures'],
  DELIVERY_DEAD_LETTER_CAP: ['delivery', 'deadLetterCap'],
  DELIVERY_LEASE_TTL_MS: ['delivery', 'leaseTtlMs'],
  RETENTION_SCHEDULE_ENABLED: ['retention', 'scheduleEnabled'],
  RETENTION_AT: ['retention', 'at'],
  RETENTION_TICK_MS: ['retention', 'tickMs'],
  CONNECTOR_HOST: ['connector', 'host'],
  CONNECTOR_SCHEME: ['connector', 'scheme'],
  FLOWS_ENABLED: ['flows', 'enabled'],
  FLOWS_DIR: ['flows', 'dir'],
  FLOWS_CONCURRENCY: ['flows', 'concurrency'],
  FLOWS_HTTP_ALLOW: ['flows', 'httpAllow'],
  FLOWS_CONNECTIONS: ['flows', 'connections'],
  FLOWS_APP_SETTINGS: ['flows', 'appSettings'],
  FLOWS_CONNECTIONS_JSON: ['flows', 'connectionsJson'],
  FLOWS_MAPS_DIR: ['flows', 'mapsDir'],
  FLOWS_CODE_TIMEOUT_MS: ['flows', 'codeTimeoutMs'],
  FLOWS_CODE_MEMORY_MB: ['flows', 'codeMemoryMb'],
  FLOWS_CODE_CONCURRENCY: ['flows', 'codeConcurrency'],
  FLOWS_REQUEST_BODY_LIMIT: ['flows', 'requestBodyLimit'],
  FLOWS_REQUEST_RATE_LIMIT: ['flows', 'requestRateLimit'],
  FLOWS_REQUEST_RATE_WINDOW_MS: ['flows', 'requestRateWindowMs'],
  FLOWS_RESPONSE_TIMEOUT_MS: ['flows', 'responseTimeoutMs'],
  IDENTITY_ENDPOINT: ['flows', 'identityEndpoint'],
  IDENTITY_HEADER: ['flows', 'identityHeader'],
  GOVERNANCE_TOKEN: ['governance', 'token'],
  GOVERNANCE_SYNC_MINUTES: ['governance', 'syncMinutes'],
  GOVERNANCE_EVENTS_SECONDS: ['governance', 'eventsSeconds'],
}

/**
 * A setting the service cannot start with (a malformed value, an unreachable DATABASE_URL): its message names
 * the setting and says what is wrong, and is all `npm start` prints before it exits (no stack: it is not a bug).
 */
export class SettingError extends Error {
  override readonly name = 'SettingError'
}

/** Builds a full config from partial settings: defaults filled, types converted, anything invalid refused. */
export function makeConfig (input: unknown = {}): Config {
  const value = Value.Default(Config, Value.Convert(Config, structuredClone(input)))
  const errors = [...Value.Errors(Config, value)]
  if (errors.length > 0) {
    throw new SettingError('Invalid configuration: ' + errors.map(e => `${e.path || '/'} ${e.message}`).join('; '))
  }
  const config = value as Config
  if (config.store === 'postgres' && !config.databaseUrl) {
    throw new SettingError('Invalid configuration: STORE=postgres needs DATABASE_URL (postgres://user@host:5432/database).')
  }
  return config
}

export function configFromEnv (env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, unknown> = {}
  for (const [name, path] of Object.entries(ENV)) {
    const v = env[name]
    if (v === undefined || v === '') continue
    let at = input
    for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>
    at[path[path.length - 1]] = v
  }
  return makeConfig(input)
}
