import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import type { WebexBackend } from './backends/backend.js'
import { EmbeddedBackend } from './backends/embedded/index.js'
import { WebexHttpBackend } from './backends/webex/index.js'
import { WebexRelay } from './backends/webex/relay.js'
import { openStore } from './store/open.js'
import { ClusterLimiter } from './store/cluster/throttle.js'
import { aliveSql, Presence } from './store/cluster/presence.js'
import { ScheduleSlots } from './store/cluster/slots.js'
import { ErrorBody } from './schemas/common.js'
import { validatorCompiler } from './http/validation.js'
import { clientErrorHandler, frameworkErrors, installErrorHandling, newTrackingId } from './http/error-handler.js'
import { installBaseUrl } from './http/base-url.js'
import { installBodyParsers } from './http/json-body.js'
import { parseQuery } from './http/querystring.js'
import { authenticate } from './auth/authenticate.js'
import { throttle } from './throttle/plugin.js'
import { roomRoutes } from './routes/rooms.js'
import { membershipRoutes } from './routes/memberships.js'
import { messageRoutes } from './routes/messages.js'
import { peopleRoutes } from './routes/people.js'
import { teamRoutes } from './routes/teams.js'
import { attachmentActionRoutes } from './routes/attachment-actions.js'
import { contentRoutes } from './routes/contents.js'
import { ContentStore } from './files/content-store.js'
import { eventRoutes } from './routes/events.js'
import { triggerRoutes, webhookRoutes } from './routes/webhooks.js'
import { TriggerRegistry } from './triggers/registry.js'
import { DeliveryLanes } from './triggers/lanes.js'
import { ThreadedDelivery } from './triggers/threaded.js'
import { LaneLeases } from './triggers/cluster.js'
import { LocalOutboxWriter } from './triggers/outcomes.js'
import { Checkpointer } from './store/checkpointer.js'
import { isComplianceOfficer } from './auth/rules.js'
import { registerDocs } from './connector/docs.js'
import { governanceRoutes } from './routes/governance.js'
import { RetentionSchedule } from './governance/schedule.js'
import { searchIndex } from './governance/search.js'
import { embeddedActions } from './governance/embedded-actions.js'
import { Dispositions } from './governance/dispositions.js'
import { OperationCatalog } from './flows/operations.js'
import { FlowRuntime } from './flows/runtime.js'
import { AppSettings } from './flows/app-settings.js'
import { WorkflowConnections } from './flows/workflow-connections.js'
import { Maps } from './flows/maps.js'
import { Ctx } from './store/ctx.js'
import { WebexInventory } from './governance/webex/inventory.js'
import { webexActions } from './governance/webex/actions.js'
import type { SpaceActions } from './governance/actions.js'
import { embeddedOwners, noOwners, WebexConnections, type FlowOwners } from './flows/owners.js'
import { flowRoutes } from './routes/flows.js'
import { flowCallbackRoutes } from './routes/flow-callbacks.js'
import { flowRunRoutes } from './routes/flow-runs.js'
import { viewerRoutes } from './routes/viewer.js'

/** Which backend serves the API: the one value every choice that depends on it is made from. */
export type BackendMode = { kind: 'embedded'; backend: EmbeddedBackend } | { kind: 'webex'; backend: WebexHttpBackend }

export interface AppDeps {
  /** A backend built by the caller (a test's Webex client on a fake clock), with its kind; else BACKEND's. */
  backend?: BackendMode
  /** Milliseconds since the epoch, for the throttle and the embedded store; tests control it. */
  clock?: () => number
  /** Jitter source for delivery backoff. */
  random?: () => number
  /** false: no retry timer; tests move the clock and call `worker.kick()`. */
  deliveryTimers?: boolean
  /** Flow delays (Wait, retries, timeouts): tests resolve them at once. */
  flowSleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Which definition app.swagger() produces: OpenAPI 3 (served live) or Swagger 2.0 (the connector). */
  docs?: 'openapi3' | 'swagger2'
}

export interface App {
  app: FastifyInstance
  backend: WebexBackend
  /** The backend with its kind. */
  mode: BackendMode
  registry: TriggerRegistry
  /** The in-process delivery worker (absent when deliveries go out from the delivery thread). */
  worker?: DeliveryLanes
  /** The workflow runtime (unless flows are disabled). */
  flows?: FlowRuntime
  /** Webex backend with GOVERNANCE_TOKEN: the synced inventory governance searches. */
  inventory?: WebexInventory
  /** The store everything keeps its state in: the configured one (STORE), shared by the embedded backend. */
  store: Ctx
  /** How governance acts on spaces and sends disposition notices (when governance is offered). */
  governance?: { actions: SpaceActions; dispositions: Dispositions }
}

/** Builds the service from a config object; nothing global, so tests run many side by side. */
export async function buildApp (config: Config, deps: AppDeps = {}): Promise<App> {
  // Read before anything is opened: a bad settings file stops the start with nothing to close.
  const appSettings = config.flows.enabled ? AppSettings.load(config.flows.appSettings) : undefined
  const workflowConnections = appSettings
    ? WorkflowConnections.load(config.flows.connectionsJson, appSettings)
    : undefined
  // The one store (STORE: SQLite's file, or PostgreSQL shared by every instance); a wrong DATABASE_URL stops here.
  const opened = await openStore(config, deps.clock ? { clock: deps.clock } : {})
  const store = new Ctx(opened)
  const mode = deps.backend ?? (await configuredMode(config, store, deps))
  const { backend } = mode
  const embedded = mode.kind === 'embedded' ? mode.backend : undefined
  const webex = mode.kind === 'webex' ? mode.backend : undefined
  const sqlite = opened.dialect === 'sqlite' ? opened.store : undefined
  const postgres = opened.dialect === 'postgres' ? opened.store : undefined
  const embeddedSees = embedded ? embedded.canSee : () => false
  // With the Webex backend, the store is fed by the relay of events from Webex.
  const relay = webex ? new WebexRelay(store, webex, config.webex.publicUrl) : undefined
  let threaded: ThreadedDelivery | undefined
  let checkpointer: Checkpointer | undefined
  const registry = new TriggerRegistry(store, {
    allowPrivateTargets: config.delivery.allowPrivateTargets,
    deadLetterCap: config.delivery.deadLetterCap,
    // A relayed event was seen by exactly one person's Webex webhook: only their subscriptions get it.
    canSee: (owner, e) =>
      // Governance's own events (disposition notices) are for the organisation's compliance officers.
      e.resource === 'dispositions'
        ? isComplianceOfficer(owner, e.orgId)
        : e.audience !== undefined
          ? e.audience === owner.personId
          : embeddedSees(owner, e),
    onChanged: () => threaded?.changed(),
  })
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // A flow's callback URL carries its signature: the request log shows the URL with it masked.
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: req.url.replace(/([?&]sig=)[^&]*/gi, '$1***'),
          host: req.host,
          remoteAddress: req.ip,
        }),
      },
    },
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    genReqId: newTrackingId,
    // Webex treats a trailing slash as no slash (the JS SDK asks for `/people/?id=`): so does every route here.
    routerOptions: { querystringParser: parseQuery, maxParamLength: 500, ignoreTrailingSlash: true },
    frameworkErrors,
    clientErrorHandler,
    // A request without Host reaches the app, which answers it in the Webex shape (Node's own 400 is bare).
    http: { requireHostHeader: false },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler())
  app.addSchema(ErrorBody)
  // Hooks on every request take the callback form where they need not wait: an async hook costs a promise and
  // a turn of the microtask queue per request (and AsyncLocalStorage's promise hooks on each).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('trackingid', request.id)
    done()
  })
  installBaseUrl(app, config.webex.publicUrl)
  installErrorHandling(app)
  installBodyParsers(app)
  // Writes commit in groups, once per event-loop turn: nobody hears of one before it is committed.
  app.addHook('onSend', (_request, _reply, payload, done) => {
    store.whenCommitted(err => {
      if (err) done(err)
      else done(null, payload)
    })
  })
  // Deliveries go out from a thread of their own (SQLite: it reads the file through a connection of its own)
  // unless the store is in memory or a test drives time.
  const inThread =
    sqlite !== undefined &&
    config.delivery.thread &&
    config.dataDir !== ':memory:' &&
    !deps.clock &&
    !deps.random &&
    deps.deliveryTimers !== false
  const { thread: _thread, leaseTtlMs, ...delivery } = config.delivery
  if (inThread && sqlite) {
    threaded = new ThreadedDelivery(store, registry, {
      dataDir: config.dataDir,
      synchronous: config.sqliteSynchronous,
      delivery,
      logLevel: config.logLevel,
    }, app.log)
    // With deliveries in a thread the service is built for load: WAL checkpoints leave the API's connection too.
    checkpointer = new Checkpointer(sqlite.db, config.dataDir)
  }
  // Several instances on PostgreSQL: each lane is worked by the holder of its lease, and writes under its fence.
  const leases = postgres
    ? new LaneLeases(postgres, registry, { ttlMs: leaseTtlMs, connectionString: config.databaseUrl, log: app.log })
    : undefined
  const worker = !threaded
    ? new DeliveryLanes(store, registry, {
      ...delivery,
      log: app.log,
      ...(leases ? { writer: new LocalOutboxWriter(store, registry, leases.fence, app.log) } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      ...(deps.deliveryTimers === false ? { timers: false } : {}),
    })
    : undefined
  if (leases && worker) leases.attach(worker)
  // Resume the outbox left by a previous run (or a crash) once the service is up.
  app.addHook('onReady', async () => {
    await leases?.start()
    await worker?.kick()
    await threaded?.start()
    await checkpointer?.start()
  })
  app.addHook('onClose', async () => {
    await worker?.stop()
    // After the lanes stopped: the other instances take them over from the watermarks written.
    await leases?.stop()
    await threaded?.stop()
    await checkpointer?.stop()
    await backend.close()
    // The embedded backend closed it with itself.
    if (!embedded) await store.close()
  })

  // Several instances on one database: this one's liveness lease (taken before anything claims work, released
  // after the flow runtime has stopped: onClose hooks run in reverse order) and the schedules' slots.
  const presence = postgres
    ? new Presence(postgres, { ttlMs: config.clusterLeaseMs, log: app.log, ...(deps.clock ? { timers: false } : {}) })
    : undefined
  const slots = postgres ? new ScheduleSlots(postgres, postgres.instanceId) : undefined
  if (presence) {
    app.addHook('onReady', async () => {
      await presence.start()
    })
    app.addHook('onClose', async () => {
      await presence.stop()
    })
  }

  await registerDocs(app, config, deps.docs ?? 'openapi3')
  // The root leads a newcomer to the run viewer, or to the API's documentation when flows are off.
  await app.register(viewerRoutes, { flows: config.flows.enabled })
  // Flows call the routes in-process; the catalog learns every operation as its route registers.
  const catalog = new OperationCatalog()
  catalog.collect(app)
  await app.register(authenticate, {
    backend,
    publicPrefixes: ['/documentation'],
    internal: token => catalog.resolve(token),
  })
  if (config.throttle.enabled) {
    await app.register(throttle, {
      limit: config.throttle.limit,
      windowMs: config.throttle.windowMs,
      ...(deps.clock ? { now: deps.clock } : {}),
      // Several instances on one database count together: exactly `limit` per token across all of them.
      ...(postgres
        ? { limiter: new ClusterLimiter(postgres, config.throttle.limit, config.throttle.windowMs, deps.clock) }
        : {}),
    })
  }
  const plain = [
    peopleRoutes,
    roomRoutes,
    membershipRoutes,
    teamRoutes,
    attachmentActionRoutes,
    contentRoutes,
    eventRoutes,
  ]
  for (const routes of plain) {
    await app.register(routes, { backend })
  }
  // Uploads are streamed to disk before they reach a backend: the embedded one keeps them, the Webex one
  // forwards them upstream from there.
  const contents = embedded ? embedded.contents : new ContentStore(store, config.dataDir, config.files.maxBytes)
  await app.register(messageRoutes, { backend, contents, cardMaxBytes: config.files.cardMaxBytes })
  if (embedded) {
    // File URLs are built on where clients reach the service: PUBLIC_URL, else the address it listens on.
    const ctx = store
    app.addHook('onListen', async () => {
      const at = app.server.address()
      ctx.publicBase =
        config.webex.publicUrl?.replace(/\/$/, '') ??
        (at && typeof at === 'object'
          ? `http://${at.family === 'IPv6' ? `[${at.address}]` : at.address}:${at.port}`
          : `http://127.0.0.1:${config.port}`)
    })
  }
  const beforeSubscribe = relay ? (request: FastifyRequest) => relay.ensure(request.caller, request) : undefined
  await app.register(webhookRoutes, { registry, ...(beforeSubscribe ? { beforeSubscribe } : {}) })
  await app.register(triggerRoutes, { registry, ...(beforeSubscribe ? { beforeSubscribe } : {}) })
  relay?.routes(app)
  let inventory: WebexInventory | undefined
  let actions: SpaceActions | undefined
  if (webex && config.governance.token) {
    // Governance over Webex: the same routes, over a synced inventory of the organisation's spaces, acting
    // through Webex with the compliance officer's token.
    const sync = (inventory = new WebexInventory(store, webex, config.governance.token, {
      intervalMs: config.governance.syncMinutes * 60_000,
      eventsIntervalMs: config.governance.eventsSeconds * 1000,
      log: app.log,
    }))
    actions = webexActions(store, webex, sync)
    // Tests that drive the clock sync and follow by hand.
    if (!deps.clock) {
      app.addHook('onReady', async () => {
        sync.start()
      })
    }
    app.addHook('onClose', async () => {
      sync.stop()
    })
  }
  if (embedded) actions = embeddedActions(store)
  let governance: App['governance']
  if (actions) {
    const dispositions = new Dispositions(store, actions, app.log)
    governance = { actions, dispositions }
    await app.register(governanceRoutes, { ctx: store, actions, dispositions })
    // Several instances: this one's search index records how far it has read the shared change log.
    presence?.every(() => searchIndex(store).keep())
    if (config.retention.scheduleEnabled) {
      const schedule = new RetentionSchedule(store, actions, dispositions, config.retention.at, {
        log: app.log,
        tickMs: config.retention.tickMs,
        ...(slots ? { slots } : {}),
      })
      app.addHook('onReady', async () => {
        schedule.start()
      })
      app.addHook('onClose', async () => {
        schedule.stop()
      })
    }
  }
  let flows: FlowRuntime | undefined
  if (config.flows.enabled) {
    const owners: FlowOwners = embedded
      ? embeddedOwners(store)
      : webex && relay
        ? new WebexConnections(webex, relay, config.flows.connections, app.log)
        : noOwners
    const runtime = (flows = new FlowRuntime(store, registry, catalog, {
      dir: config.flows.dir,
      concurrency: config.flows.concurrency,
      log: app.log,
      httpAllow: config.flows.httpAllow
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
        .map(s => new URL(s).origin),
      ownerOf: email => owners.get(email),
      resolveOwners: emails => owners.resolve(emails),
      ...(deps.flowSleep ? { sleep: deps.flowSleep } : {}),
      ...(deps.clock ? { timers: false } : {}),
      ...(config.webex.publicUrl ? { publicUrl: config.webex.publicUrl } : {}),
      responseTimeoutMs: config.flows.responseTimeoutMs,
      ...(appSettings ? { appSettings } : {}),
      ...(workflowConnections ? { workflowConnections } : {}),
      maps: new Maps(config.flows.mapsDir),
      inlineCode: {
        timeoutMs: config.flows.codeTimeoutMs,
        memoryMb: config.flows.codeMemoryMb,
        concurrency: config.flows.codeConcurrency,
      },
      ...(config.flows.identityEndpoint
        ? { identity: { endpoint: config.flows.identityEndpoint, header: config.flows.identityHeader } }
        : {}),
      ...(presence && slots
        ? {
            cluster: { instance: presence.id, alive: aliveSql, slots, staleQueuedMs: config.clusterLeaseMs },
          }
        : {}),
    }))
    presence?.every(() => runtime.sweep())
    await app.register(flowRoutes, { runtime })
    await app.register(flowRunRoutes, { runtime })
    await app.register(flowCallbackRoutes, {
      runtime,
      bodyLimit: config.flows.requestBodyLimit,
      rateLimit: config.flows.requestRateLimit,
      rateWindowMs: config.flows.requestRateWindowMs,
      ...(deps.clock ? { now: deps.clock } : {}),
      identify: async token => {
        const caller = await backend.authenticate(token)
        if (!caller) return undefined
        const me = await backend.getMe(caller)
        return { ids: [caller.personId, me.id], orgId: caller.orgId, emails: me.emails }
      },
    })
    app.addHook('onListen', async () => {
      const at = app.server.address()
      if (at && typeof at === 'object') {
        runtime.listeningAt(`http://${at.family === 'IPv6' ? `[${at.address}]` : at.address}:${at.port}`)
      }
    })
    app.addHook('onReady', async () => {
      await owners.load()
      await runtime.start()
    })
    app.addHook('onClose', async () => {
      await runtime.stop()
    })
    if (relay) {
      // Webex only tells a person's webhooks about what that person sees: each owner of an event-triggered
      // flow needs the relay webhook, pointing where Webex can reach us (PUBLIC_URL, else where we listen).
      app.addHook('onListen', async () =>
        runtime.connectWith(async () => {
          const at = app.server.address()
          const base =
            config.webex.publicUrl ??
            (at && typeof at === 'object'
              ? `http://${at.family === 'IPv6' ? `[${at.address}]` : at.address}:${at.port}`
              : `http://127.0.0.1:${config.port}`)
          if (!config.webex.publicUrl) {
            app.log.warn(`PUBLIC_URL is not set: Webex is asked to send flow events to ${base}.`)
          }
          for (const owner of runtime.eventOwners()) {
            await relay
              .ensureAt(owner, base)
              .catch((err: unknown) =>
                app.log.error(
                  { err, owner: owner.personId },
                  'The relay webhook for a flow owner could not be registered.'
                )
              )
          }
        })
      )
    }
  } else {
    // No runtime here: flow subscriptions left by an earlier run must not reach the HTTP outbox.
    await registry.syncLocal('flow', [])
  }
  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }))
  return {
    app,
    backend,
    mode,
    registry,
    worker,
    store,
    ...(flows ? { flows } : {}),
    ...(inventory ? { inventory } : {}),
    ...(governance ? { governance } : {}),
  }
}

/** The backend BACKEND names, on the store (the embedded one keeps its organisation there). */
async function configuredMode (config: Config, store: Ctx, deps: AppDeps): Promise<BackendMode> {
  if (config.backend === 'webex') {
    return {
      kind: 'webex',
      backend: new WebexHttpBackend({ ...config.webex, ...(deps.clock ? { clock: deps.clock } : {}) }),
    }
  }
  const backend = await EmbeddedBackend.open({
    ctx: store,
    dataDir: config.dataDir,
    seedDemo: config.seedDemo,
    // On PostgreSQL another instance's commit reaches this one's cache only with its NOTIFY, after the commit:
    // a read right after that write, through a load balancer, could be answered from the cache. So it is off.
    readCache: config.readCache && config.store === 'sqlite',
    files: config.files,
    allowPrivateTargets: config.delivery.allowPrivateTargets,
  })
  return { kind: 'embedded', backend }
}
