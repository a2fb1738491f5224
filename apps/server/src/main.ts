import 'reflect-metadata';
const bootStarted = performance.now();
import { seedDemo } from '@tero/accounts';
import { ConfigError, PluginLoadError, loadInstanceConfig } from '@tero/core';
import { PluginConfigError } from '@tero/sdk';
import { createHttpApp } from './app';
import { demoCallSetup } from './hooks/conversation-runtime';
import { createKernel } from './kernel';
import { projectRoot } from './project-root';

/** `npm start`: migrate, seed the demo on the first run, serve. Prints the boot time, URLs and demo logins. */
async function main(): Promise<void> {
  const rootDir = projectRoot();
  const config = loadInstanceConfig(process.env, { cwd: rootDir });
  const kernel = await createKernel(config, { rootDir, processJobs: !config.REDIS_URL || config.JOBS_IN_SERVER });
  const applied = await kernel.db.migrate();
  if (applied.length) kernel.logger.info({ migrations: applied }, 'migrations applied');
  const calls = demoCallSetup(kernel.packs, kernel.telephony.accounts);
  const seeded = config.SEED_DEMO ? await seedDemo(kernel.db, kernel.accounts, config.DATA_DIR, config.BASE_DOMAIN, calls) : null;
  const app = await createHttpApp(kernel);
  await app.listen(config.PORT, config.HOST);
  const bootMs = Math.round(performance.now() - bootStarted);
  const url = new URL(config.PUBLIC_URL);
  const at = (host: string) => `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`;
  const lines = [
    '',
    `Tero Voice is ready in ${bootMs} ms (${kernel.db.kind}${config.REDIS_URL ? ' + Redis' : ', in-process jobs'}) at ${config.PUBLIC_URL}`,
    `  data: ${config.DATA_DIR}   e-mail: ${config.EMAIL_TRANSPORT}   plugins: ${kernel.plugins.plugins.map((p) => p.manifest.id).join(', ') || 'none'}`,
  ];
  if (config.JAMBONZ_SIGNATURES === 'off') lines.push('  WARNING: JAMBONZ_SIGNATURES=off — jambonz webhooks are NOT verified. Development only.');
  if (seeded?.logins.length) {
    lines.push(seeded.created ? '  Demo data created. Sign in with:' : '  Demo logins:');
    for (const login of seeded.logins) lines.push(`    ${login.role.padEnd(28)} ${at(login.host).padEnd(44)} ${login.email} / ${login.password}`);
  }
  if (seeded?.lines.length) {
    lines.push(`  Demo phone lines (jambonz call hook ${config.PUBLIC_URL}/hooks/jambonz/call, status hook …/status; secrets in ${config.DATA_DIR}/demo-lines.json):`);
    for (const line of seeded.lines) lines.push(`    ${line.number.padEnd(16)} ${line.client.padEnd(28)} jambonz account ${line.accountSid}`);
    lines.push(`  Try one: npm run tero -- call --to ${seeded.lines[0]!.number} --url ${config.PUBLIC_URL}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  kernel.logger.info({ bootMs }, 'ready');
  const stop = async () => {
    await app.close();
    await kernel.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof PluginLoadError || error instanceof PluginConfigError) {
    process.stderr.write(`\nTero Voice cannot start.\n${error.message}\n\n`);
  } else {
    process.stderr.write(`\nTero Voice cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n\n`);
  }
  process.exit(1);
});
