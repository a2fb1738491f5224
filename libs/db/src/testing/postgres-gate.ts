import { execFileSync } from 'node:child_process';
import { TEST_POSTGRES_URL } from './test-database';

/**
 * Whether the PostgreSQL test suites run. In CI (`CI=true`) PostgreSQL is required: unreachable means the
 * run fails. On a developer machine without it, the suites are skipped and say so.
 */
export function postgresAvailable(): boolean {
  if (process.env.TEST_SKIP_POSTGRES === 'true' && process.env.CI !== 'true') return false;
  const url = new URL(TEST_POSTGRES_URL);
  const probe = `const s=require('net').connect(${Number(url.port || 5432)},'${url.hostname}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000)`;
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI but not reachable at ${url.host}`);
    console.warn(`PostgreSQL not reachable at ${url.host}: PostgreSQL suites skipped`);
    return false;
  }
}
