import 'reflect-metadata';
import { loadInstanceConfig } from '@tero/core';
import { createKernel } from '../../server/src/kernel';
import { projectRoot } from '../../server/src/project-root';

/**
 * The job worker: same kernel as the server, no HTTP, processes every registered queue. With Redis it
 * runs beside one or more servers started with JOBS_IN_SERVER=false; without Redis there is nothing to
 * share, so it refuses to start (the server processes jobs in-process).
 */
async function main(): Promise<void> {
  const rootDir = projectRoot();
  const config = loadInstanceConfig(process.env, { cwd: rootDir });
  if (!config.REDIS_URL) throw new Error('REDIS_URL: the worker needs Redis; without it the server runs jobs in-process');
  const kernel = await createKernel(config, { rootDir, processJobs: true });
  kernel.logger.info({ prefix: config.REDIS_PREFIX }, 'worker processing jobs');
  const stop = async () => {
    await kernel.jobs.drain().catch(() => undefined);
    await kernel.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Tero Voice worker cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
