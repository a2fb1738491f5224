import { join } from 'node:path';
import { AccountsService, AuthService, CsrfTokens, TenantResolver } from '@tero/accounts';
import {
  ActiveCallsTracker,
  type InstanceConfig,
  type FileStorage,
  type JobQueue,
  Keyring,
  LocalDiskFileStorage,
  type LoadedPlugins,
  MemoryRateLimiter,
  Metrics,
  PluginRegistry,
  type RateLimiter,
  RedisRateLimiter,
  ThemeRenderer,
  createI18n,
  createJobQueue,
  instrumentJobQueue,
  loadPlugins,
  readCoreVersion,
} from '@tero/core';
import { OutboxEmailTransport, OutboxReader } from '@tero/core';
import { createEventBus, type EventBus } from '@tero/core';
import { ApiKeys, ClientApiReads } from '@tero/analytics';
import { type Analytics, createAnalytics } from '@tero/analytics';
import { type BrandOverview, type CallLog, createBrandOverview, createCallLog } from '@tero/analytics';
import { DataExports, Reports } from '@tero/analytics';
import { BILLING_EVENTS, type Billing, createBilling } from '@tero/billing';
import { BookingLedger } from '@tero/booking';
import { Brand, Database, PluginSettingsStore } from '@tero/db';
import { EmailTemplates, EmailTracking, MailService, OutboxRetention, SequenceEngine, TrackingTokens, magicLinkEmail } from '@tero/notifications';
import { OnboardingEmails, type Prompts, VoiceEngines, type Voices, type Wizard, createPrompts, createVoices, createWizard } from '@tero/onboarding';
import { CALL_EVENTS, type Monitoring, type Telephony, TransferNotices, createMonitoring, createTelephony } from '@tero/telephony';
import { type Numbers, createNumbers } from '@tero/telephony';
import { DIRECTORY_CHANGED, type Provisioning, createProvisioning } from '@tero/telephony';
import { type Recordings, createRecordings } from '@tero/telephony';
import type { Redis } from 'ioredis';
import type { i18n as I18nInstance } from 'i18next';
import pino, { type Logger } from 'pino';
import { PackShelf, createConversationRuntime } from './hooks/conversation-runtime';

/**
 * The composition root: every long-lived service of a server or worker process, built once from the
 * validated configuration. Nest controllers receive it; nothing else builds these services.
 */
export interface Kernel {
  config: InstanceConfig;
  rootDir: string;
  logger: Logger;
  db: Database;
  redis: Redis | null;
  keyring: Keyring;
  plugins: LoadedPlugins;
  registry: PluginRegistry;
  pluginSettings: PluginSettingsStore;
  jobs: JobQueue;
  events: EventBus;
  limiter: RateLimiter;
  resolver: TenantResolver;
  accounts: AccountsService;
  auth: AuthService;
  csrf: CsrfTokens;
  i18n: I18nInstance;
  views: ThemeRenderer;
  mail: MailService;
  outbox: OutboxReader;
  /** Profession packs, loaded on first use. */
  packs: PackShelf;
  ledger: BookingLedger;
  /** The jambonz webhooks and the call path. */
  telephony: Telephony;
  /** Plans, subscriptions, payment webhooks, invoices, dunning, usage and quotas. */
  billing: Billing;
  /** The number pool (import, search, assign, release, quarantine), its CSV imports and porting requests. */
  numbers: Numbers;
  /** The brands' jambonz connections, the reconciler that keeps jambonz in step, speech credentials. */
  provisioning: Provisioning;
  /** Files (recordings, porting documents…), per tenant: on local disk under DATA_DIR/files. */
  storage: FileStorage;
  /** Call recordings from jambonz listen streams: the streams, playback, deletion on request, retention. */
  recordings: Recordings;
  /** This process's Prometheus metrics (`GET /metrics`): hook latency, active calls, jobs, errors. */
  metrics: Metrics;
  /** The brands' jambonz watched: RecentCalls and Alerts polled every minute, the monitoring pages' figures, operator alerts. */
  monitoring: Monitoring;
  /** Owners' voices: samples analysed and stored, cloning jobs, the standard voice, previews. */
  voices: Voices;
  /** E-mail sequences (onboarding's welcome, reminders, first call, follow-ups): enrollments, the sweep, goals, unsubscribes. */
  emailSequences: SequenceEngine;
  /** The agent's prompt per client: versions, diff, rollback, "talk to your agent", scenario runs on a draft. */
  prompts: Prompts;
  /** Opens, clicks and unsubscribes, from our signed links and the e-mail vendors' events. */
  emailTracking: EmailTracking;
  /** Signs and reads the tokens of tracking and unsubscribe links. */
  trackingTokens: TrackingTokens;
  /** Themes' e-mail layouts and the unsubscribe page. */
  emailTemplates: EmailTemplates;
  /** The setup wizard of clients created by the public sign-up: its checklist, steps and completion. */
  wizard: Wizard;
  /** The dashboard's figures (daily rollups, kept current by jobs) and the calls in progress. */
  analytics: Analytics;
  /** The client API's keys: made, listed and revoked by the owner; checked, scoped and rate-limited on every request. */
  apiKeys: ApiKeys;
  /** The client API's reads (calls, turns, bookings, messages), paged by cursor in the key's tenant. */
  clientApi: ClientApiReads;
  /** The client's call log: search with signed cursors, a call's detail. */
  callLog: CallLog;
  /** The brand admin's overview of its clients (calls, revenue, health) and the audit of drill-downs into a client. */
  brandOverview: BrandOverview;
  /** Exports of calls, bookings and messages (CSV, PDF): streamed when small, a job with progress and a file kept a day when large. */
  dataExports: DataExports;
  /** Daily, weekly and monthly reports as PDF: on demand, and e-mailed by an hourly sweep once per client and period. */
  reports: Reports;
  close(): Promise<void>;
}

export interface KernelOptions {
  rootDir: string;
  /** Environment for plugin settings (`EMAIL_SMTP_URL`…). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Whether this process runs job processors. */
  processJobs: boolean;
  /** The time calls and bookings happen at (scenario tests pin it); the real time when absent. */
  clock?: () => Date;
}

export async function createKernel(config: InstanceConfig, options: KernelOptions): Promise<Kernel> {
  const { rootDir } = options;
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL, base: { app: 'tero' } });
  const keyring = Keyring.fromConfig(config.ENCRYPTION_KEYS);
  const plugins = loadPlugins({
    rootDir,
    enabled: config.PLUGINS,
    env: options.env ?? process.env,
    coreVersion: readCoreVersion(rootDir),
    logger: logger.child({ part: 'plugins' }),
  });

  const metrics = new Metrics();
  const db = await Database.open({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const closers: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    // ioredis (~20 MB resident) is loaded only when Redis is configured.
    const redis = config.REDIS_URL ? new (await import('ioredis')).Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true }) : null;
    if (redis) {
      await redis.connect();
      closers.push(() => redis.quit());
    }
    const pluginSettings = new PluginSettingsStore(db, keyring);
    const registry = new PluginRegistry(plugins, pluginSettings);
    const jobs = instrumentJobQueue(await createJobQueue({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, logger: logger.child({ part: 'jobs' }) }), metrics);
    closers.unshift(() => jobs.close());
    // Events are published on the connection the call path's sessions use, so that both leave in one write.
    const events = await createEventBus({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, logger: logger.child({ part: 'events' }), publisher: redis ?? undefined });
    closers.unshift(() => events.close());
    const activeCalls = new ActiveCallsTracker(events, { startedEvent: CALL_EVENTS.started, endedEvent: CALL_EVENTS.ended });
    metrics.setActiveCallsSource(() => activeCalls.count());
    metrics.setJobCountsSource(() => jobs.counts());
    closers.unshift(async () => activeCalls.stop());
    const limiter: RateLimiter = redis ? new RedisRateLimiter(redis, config.REDIS_PREFIX) : new MemoryRateLimiter();

    const i18n = await createI18n(join(rootDir, 'locales'));
    const views = ThemeRenderer.load(join(rootDir, 'themes'), i18n);
    const outboxDir = join(config.DATA_DIR, 'outbox');
    const mail = new MailService(jobs, registry, new OutboxEmailTransport(outboxDir), config.EMAIL_TRANSPORT);
    mail.register();
    const outboxRetention = new OutboxRetention(jobs, { dir: outboxDir, retentionDays: config.OUTBOX_RETENTION_DAYS, logger: logger.child({ part: 'outbox' }) });
    outboxRetention.register();

    const storage = new LocalDiskFileStorage({ dataDir: config.DATA_DIR });
    const packs = new PackShelf(rootDir);
    const ledger = new BookingLedger(db, { clock: options.clock });
    // The call path reads the client's published prompt; `prompts` is built below, once telephony exists.
    const runtime = createConversationRuntime({ packs, i18n, registry, logger: logger.child({ part: 'conversation' }), publishedPrompts: (ctx) => prompts.published(ctx) });
    const telephony = createTelephony({
      config,
      db,
      redis,
      keyring,
      events,
      i18n,
      logger,
      ledger,
      runtime,
      jobs,
      clock: options.clock,
    });
    closers.unshift(() => telephony.close());
    // A published prompt reaches calls on every replica: its cache is dropped, then the directory (whose
    // generation keys the call path's knowledge), so no knowledge built in between outlives the change.
    const prompts = createPrompts({
      db,
      jobs,
      i18n,
      logger: logger.child({ part: 'prompts' }),
      packs,
      engines: runtime,
      clock: options.clock,
      onPublished: (ctx) => {
        telephony.directory.invalidate();
        events.publish({ type: DIRECTORY_CHANGED, brandId: ctx.brandId, clientId: ctx.clientId, payload: { what: 'agent_prompt' } }).catch((err: unknown) => logger.warn({ err }, 'telling other replicas about a published prompt failed; their calls keep the previous one until their directory next changes'));
      },
    });
    prompts.start();
    const offPromptChanges = events.subscribe(DIRECTORY_CHANGED, (event) => {
      if (event.clientId && (event.payload as { what?: unknown } | undefined)?.what === 'agent_prompt') {
        prompts.forget(event.clientId);
        telephony.directory.invalidate();
      }
    });
    closers.unshift(async () => {
      offPromptChanges();
      prompts.stop();
    });
    // Recorded calls stream their audio here; the hourly sweep (where jobs run) deletes what expired.
    const recordings = createRecordings({ config, db, storage, sessions: telephony.sessions, jobs, logger, clock: options.clock });
    closers.unshift(() => recordings.close());
    // A transfer nobody took is e-mailed to the client's owners: one job per call, whichever replica hears the event.
    const transferNotices = new TransferNotices({ db, jobs, mail, i18n, logger: logger.child({ part: 'transfers' }) });
    transferNotices.register();
    const offTransferNotices = transferNotices.listen(events);
    closers.unshift(async () => offTransferNotices());

    const resolver = new TenantResolver(db, config.BASE_DOMAIN);
    const accounts = new AccountsService(db, () => {
      resolver.invalidate();
      telephony.directory.invalidate();
    });
    const auth = new AuthService(
      db,
      resolver,
      limiter,
      {
        appSecret: config.APP_SECRET,
        sessionTtlHours: config.SESSION_TTL_HOURS,
        magicLinkTtlMinutes: config.MAGIC_LINK_TTL_MINUTES,
        loginRateLimit: config.LOGIN_RATE_LIMIT,
        loginRateWindowSeconds: config.LOGIN_RATE_WINDOW_SECONDS,
        publicUrl: config.PUBLIC_URL,
      },
      async (ctx, to, url) => {
        const brand = ctx.clientId !== undefined && ctx.brandId !== '__instance__' ? await db.forTenant(ctx).findOne(Brand, { id: ctx.brandId }) : null;
        const from = brand ? `${brand.name} <${brand.senderEmail}>` : config.EMAIL_FROM;
        await mail.send(ctx, magicLinkEmail(i18n, { name: brand?.name ?? 'Tero Voice', from }, to, url, config.MAGIC_LINK_TTL_MINUTES));
      },
    );

    const publicUrl = new URL(config.PUBLIC_URL);
    const billing = createBilling({
      db,
      registry,
      plugins,
      pluginSettings,
      jobs,
      events,
      mail,
      i18n,
      logger,
      links: { clientUrl: (brand, client) => `${publicUrl.protocol}//${resolver.clientHost(brand, client.slug)}${publicUrl.port ? `:${publicUrl.port}` : ''}` },
      themeTokens: (themeId) => views.tokensOf(themeId),
      onAgentLimitsChanged: () => telephony.directory.invalidate(),
      clock: options.clock,
    });
    // A client suspended or reactivated by billing is routed accordingly from its next call, on every replica.
    const offClientStatus = events.subscribe(BILLING_EVENTS.clientStatusChanged, () => {
      resolver.invalidate();
      telephony.directory.invalidate();
    });
    closers.unshift(async () => {
      offClientStatus();
      billing.stop();
    });
    await billing.start({ processJobs: options.processJobs });
    // A client whose subscription is canceled gives its numbers back (into quarantine).
    const numbers = createNumbers({ db, jobs, events, storage, logger, directory: telephony.directory, quarantineDays: config.NUMBER_QUARANTINE_DAYS, clientStatusEvent: BILLING_EVENTS.clientStatusChanged, clock: options.clock });
    closers.unshift(async () => numbers.stop());
    await numbers.start({ processJobs: options.processJobs });

    // jambonz is kept in step with our numbers, application and webhook secret: a pass every minute, and
    // one soon after a number changes (on whichever replica runs jobs).
    const provisioning = createProvisioning({
      db,
      keyring,
      accounts: telephony.accounts,
      jobs,
      events,
      logger,
      publicUrl: config.PUBLIC_URL,
      timeoutMs: config.JAMBONZ_API_TIMEOUT_MS,
      onDirectoryChange: (ctx) => {
        telephony.directory.invalidate();
        events.publish({ type: DIRECTORY_CHANGED, brandId: ctx.brandId, clientId: ctx.clientId, payload: { what: 'agent_voice' } }).catch((err: unknown) => logger.warn({ err }, 'telling other replicas about a voice change failed; they notice within 30 s'));
      },
    });
    const offNumberChanges = events.subscribe(DIRECTORY_CHANGED, (event) => {
      if (event.brandId && (event.payload as { what?: unknown } | undefined)?.what === 'phone_number') {
        provisioning.requestSync(event.brandId).catch((err: unknown) => logger.warn({ err, brandId: event.brandId }, 'could not ask for a jambonz pass after a number change'));
      }
    });
    closers.unshift(async () => {
      offNumberChanges();
      provisioning.stop();
    });
    await provisioning.start({ processJobs: options.processJobs });

    const monitoring = createMonitoring({
      db,
      keyring,
      jobs,
      i18n,
      logger,
      notify: (ctx, message) => mail.send(ctx, message),
      from: config.EMAIL_FROM,
      operatorUrl: (brandId) => new URL(`/operator/monitoring?brand=${encodeURIComponent(brandId)}`, config.PUBLIC_URL).toString(),
      metrics,
      timeoutMs: config.JAMBONZ_API_TIMEOUT_MS,
      clock: options.clock,
    });
    closers.unshift(async () => monitoring.stop());
    await monitoring.start({ processJobs: options.processJobs });

    // Owners' cloned voices: a new voice reaches calls like provisioning's voice changes (the directory
    // forgets the client, other replicas hear the event); a deleted client's vendor voice is deleted by a job.
    const voices = createVoices({
      db,
      storage,
      jobs,
      registry,
      engines: new VoiceEngines({ registry, plugins, settings: pluginSettings, preferred: config.VOICE_ENGINE ?? null }),
      i18n,
      logger,
      onVoiceChange: (ctx) => {
        telephony.directory.invalidate();
        events.publish({ type: DIRECTORY_CHANGED, brandId: ctx.brandId, clientId: ctx.clientId, payload: { what: 'agent_voice' } }).catch((err: unknown) => logger.warn({ err }, 'telling other replicas about a voice change failed; they notice within 30 s'));
      },
    });
    voices.register();
    // Before a client's rows go: its vendor voice is deleted (by a job that carries what the rows held), its
    // numbers go back to the pool through quarantine (the cascade would leave them `assigned` to nobody), and
    // its files (recordings, samples, exports) are removed, since no row will point at them any more.
    const offClientDeleting = [
      accounts.onClientDeleting((ctx) => voices.forgetClient(ctx)),
      accounts.onClientDeleting(async (ctx) => void (await numbers.pool.releaseAllOf(ctx, ctx.clientId!))),
      accounts.onClientDeleting(async (ctx) => {
        for (const file of await storage.list(ctx)) await storage.delete(ctx, file.key);
      }),
    ];
    closers.unshift(async () => offClientDeleting.forEach((off) => off()));

    // The setup wizard of signed-up clients; at its end a client goes live only if billing says its subscription serves.
    const wizard = createWizard({
      db,
      events,
      packs,
      numbers: numbers.pool,
      voiceState: (ctx) => voices.state(ctx),
      promptState: (ctx) => prompts.state(ctx),
      billingAllowsActive: async (ctx) => Boolean((await billing.subscriptions.current(ctx, ctx.clientId!))?.serving),
      onClientChanged: () => {
        resolver.invalidate();
        telephony.directory.invalidate();
      },
      logger: logger.child({ part: 'wizard' }),
      clock: options.clock,
    });

    // Onboarding e-mails: enrolled on sign-up, completion and the first call, sent by a sweep every five minutes.
    const emailTemplates = EmailTemplates.load(join(rootDir, 'themes'), i18n);
    const emailTracking = new EmailTracking(db);
    const trackingTokens = new TrackingTokens(config.APP_SECRET);
    const emailSequences = new SequenceEngine({
      db,
      jobs,
      mail,
      templates: emailTemplates,
      tokens: trackingTokens,
      tracking: emailTracking,
      themeTokens: (themeId) => views.tokensOf(themeId),
      clientUrl: (brand, client) => `${publicUrl.protocol}//${resolver.clientHost(brand, client.slug)}${publicUrl.port ? `:${publicUrl.port}` : ''}`,
      logger: logger.child({ part: 'email-sequences' }),
      clock: options.clock,
    });
    const onboardingEmails = new OnboardingEmails({ db, engine: emailSequences, logger: logger.child({ part: 'onboarding-emails' }) });
    emailSequences.register();
    const offSequenceGoals = emailSequences.listen(events);
    const offOnboardingEmails = onboardingEmails.listen(events);
    closers.unshift(async () => {
      offSequenceGoals();
      offOnboardingEmails();
      emailSequences.stop();
    });
    await emailSequences.start({ processJobs: options.processJobs });

    // The dashboard's figures: daily rollups recomputed on call.ended (debounced per client and date) and by an hourly catch-up.
    const analytics = createAnalytics({ db, jobs, events, logger, clock: options.clock });
    closers.unshift(async () => analytics.stop());
    await analytics.start({ processJobs: options.processJobs });

    // Exports and reports: large exports are jobs writing to storage; reports read the dashboard's own summary.
    const dataExports = new DataExports({ db, jobs, storage, i18n, themeTokens: (themeId) => views.tokensOf(themeId), logger: logger.child({ part: 'exports' }), clock: options.clock });
    dataExports.register();
    closers.unshift(async () => dataExports.stop());
    await dataExports.start({ processJobs: options.processJobs });
    const reports = new Reports({
      db,
      jobs,
      i18n,
      send: (ctx, message) => mail.send(ctx, message),
      clientUrl: (brand, client) => `${publicUrl.protocol}//${resolver.clientHost(brand, client.slug)}${publicUrl.port ? `:${publicUrl.port}` : ''}`,
      themeTokens: (themeId) => views.tokensOf(themeId),
      logger: logger.child({ part: 'reports' }),
      clock: options.clock,
      summary: (ctx, range) => analytics.summary(ctx, range),
    });
    reports.register();
    closers.unshift(async () => reports.stop());
    await reports.start({ processJobs: options.processJobs });

    await jobs.start({ process: options.processJobs });
    recordings.start({ processJobs: options.processJobs });
    if (options.processJobs) {
      closers.unshift(async () => outboxRetention.stop());
      await outboxRetention.start();
    }

    const callLog = createCallLog({ db, appSecret: config.APP_SECRET, clock: options.clock });
    return {
      config,
      rootDir,
      logger,
      db,
      redis,
      keyring,
      plugins,
      registry,
      pluginSettings,
      jobs,
      events,
      limiter,
      resolver,
      accounts,
      auth,
      csrf: new CsrfTokens(config.APP_SECRET),
      i18n,
      views,
      mail,
      outbox: new OutboxReader(outboxDir),
      packs,
      ledger,
      telephony,
      billing,
      numbers,
      provisioning,
      storage,
      recordings,
      metrics,
      monitoring,
      voices,
      emailSequences,
      prompts,
      emailTracking,
      trackingTokens,
      emailTemplates,
      wizard,
      analytics,
      apiKeys: new ApiKeys(db, limiter, { clock: options.clock }),
      // The API's summary is the dashboard's own, so both give the same figures…
      // …and its calls the call log's own search, so both list the same calls.
      clientApi: new ClientApiReads(db, { clock: options.clock, summary: (ctx, range) => analytics.summary(ctx, range), callLog }),
      callLog,
      // The overview's figures are the dashboard's own summary; failed payments are billing's word.
      brandOverview: createBrandOverview({
        db,
        summaries: (ctx, ranges) => analytics.summaries(ctx, ranges),
        paymentStates: async (ctx) => (await billing.subscriptions.clientsOfBrand(ctx)).map((c) => ({ clientId: c.clientId, subscriptionStatus: c.subscription?.status ?? null })),
      }),
      dataExports,
      reports,
      close: async () => {
        for (const close of closers) await close().catch((error) => logger.warn({ err: error }, 'error while closing'));
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
