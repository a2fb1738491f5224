import 'reflect-metadata';
import fastifyCookie from '@fastify/cookie';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PassportModule } from '@nestjs/passport';
import { WsAdapter } from '@nestjs/platform-ws';
import { pluginModules } from '@tero/core';
import { AgentTestCallsController } from './api/agent-test-calls.controller';
import { ApiDocsController } from './api-v1/api-docs.controller';
import { ApiKeysPagesController } from './api-v1/api-keys-pages.controller';
import { ClientApiController } from './api-v1/client-api.controller';
import { AgentTestCallsHost } from './api/agent-test-calls.host';
import { ApiAuthController, ApiController } from './api/api.controller';
import { JwtStrategy } from './api/jwt.strategy';
import { BillingPagesController } from './billing/billing-pages.controller';
import { CallsPagesController } from './calls/calls-pages.controller';
import { BrandOverviewPagesController } from './brand-overview/brand-overview-pages.controller';
import { paymentHookRoutes } from './billing/payment-hooks.routes';
import { emailTrackingRoutes } from './email-tracking/email-tracking.routes';
import { ExportsPagesController } from './exports/exports-pages.controller';
import { DashboardController } from './dashboard/dashboard.controller';
import { HealthController } from './health/health.controller';
import { jambonzHookDispatcher, jambonzHookRoutes, serverWithHooks } from './hooks/jambonz-hooks.routes';
import { ErrorsFilter } from './http/errors.filter';
import { requestContextHook } from './http/request-context';
import { KERNEL } from './http/tokens';
import type { Kernel } from './kernel';
import { LiveGateway } from './live/live.gateway';
import { registerMultipartRoutes } from './http/multipart-form';
import { NUMBER_UPLOAD_LIMITS, NumbersPagesController } from './numbers/numbers-pages.controller';
import { MonitoringPagesController } from './monitoring/monitoring-pages.controller';
import { PagesController } from './pages/pages.controller';
import { PromptsPagesController } from './prompts/prompts-pages.controller';
import { ReportsPagesController } from './reports/reports-pages.controller';
import { ListenStreamsEndpoint } from './recordings/listen-streams.endpoint';
import { RecordingsApiController, RecordingsPagesController } from './recordings/recordings.controller';
import { TelephonyPagesController } from './telephony/telephony-pages.controller';
import { SetupPagesController } from './setup/setup-pages.controller';
import { VOICE_UPLOAD_LIMITS, VoicePagesController } from './voices/voice-pages.controller';

function appModule(kernel: Kernel): DynamicModule {
  @Module({})
  class AppModule {}
  return {
    module: AppModule,
    imports: [PassportModule, ...pluginModules(kernel.plugins)],
    controllers: [HealthController, PagesController, CallsPagesController, BrandOverviewPagesController, DashboardController, BillingPagesController, NumbersPagesController, MonitoringPagesController, ApiAuthController, ApiController, AgentTestCallsController, RecordingsApiController, RecordingsPagesController, TelephonyPagesController, PromptsPagesController, VoicePagesController, SetupPagesController, ClientApiController, ApiDocsController, ApiKeysPagesController, ExportsPagesController, ReportsPagesController],
    providers: [{ provide: KERNEL, useValue: kernel }, JwtStrategy, LiveGateway, AgentTestCallsHost, ListenStreamsEndpoint],
  };
}

/** Builds the HTTP application on Fastify around a kernel (the server's main and the e2e tests share it). */
export async function createHttpApp(kernel: Kernel): Promise<NestFastifyApplication> {
  // jambonz's hooks are answered on the HTTP server itself, before Fastify and Nest (see hooks/); the
  // same hooks as Fastify routes serve in-process requests (inject).
  const hookLogger = kernel.logger.child({ part: 'jambonz-hooks' });
  const hooks = jambonzHookDispatcher(kernel.telephony.hooks, hookLogger, kernel.metrics);
  const adapter = new FastifyAdapter({ trustProxy: kernel.config.TRUST_PROXY, bodyLimit: 1_048_576, loggerInstance: kernel.logger, serverFactory: serverWithHooks(hooks) });
  const app = await NestFactory.create<NestFastifyApplication>(appModule(kernel), adapter, { logger: ['error', 'warn'], abortOnError: false });
  await app.register(fastifyCookie as never);
  // File uploads (CSV imports, porting documents) on the routes that take them, each up to its own size.
  registerMultipartRoutes(app.getHttpAdapter().getInstance(), { ...NUMBER_UPLOAD_LIMITS, ...VOICE_UPLOAD_LIMITS });
  await app.register(jambonzHookRoutes(kernel.telephony.hooks, hookLogger, kernel.metrics) as never);
  await app.register(paymentHookRoutes(kernel.billing.webhooks, kernel.logger.child({ part: 'payment-hooks' })) as never);
  // Tracking pixel, click redirects and unsubscribe links of our e-mails, and e-mail vendors' event webhooks.
  await app.register(emailTrackingRoutes(kernel) as never);
  app.getHttpAdapter().getInstance().addHook('onRequest', requestContextHook(kernel));
  app.useGlobalFilters(new ErrorsFilter(kernel));
  // WebSockets on Fastify's own HTTP server (the adapter listens for its `upgrade` events): /live.
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
