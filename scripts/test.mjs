// `npm test`: build, unit tests, e2e on SQLite, e2e again on PostgreSQL + Redis (BullMQ), browser tests in
// Chromium. In CI (CI=true) a missing PostgreSQL, Redis or Chromium fails the run; on a developer machine
// without them those suites are skipped and say why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

const ci = process.env.CI === 'true';
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings`.trim() };
const results = [];

function run(name, command, args, extraEnv = {}) {
  const started = Date.now();
  process.stdout.write(`\n=== ${name} ===\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
  results.push({ name, ok: result.status === 0, seconds: Math.round((Date.now() - started) / 1000) });
  return result.status === 0;
}

function reachable(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2000);
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => (socket.destroy(), resolve(false)));
  });
}

function skip(name, reason) {
  if (ci) {
    process.stdout.write(`\n=== ${name} ===\nFAILED: ${reason} (required in CI)\n`);
    results.push({ name, ok: false, seconds: 0 });
  } else {
    process.stdout.write(`\n=== ${name} ===\nSKIPPED: ${reason}\n`);
    results.push({ name, ok: true, skipped: true, seconds: 0 });
  }
}

run('build', 'node', ['scripts/build.mjs']);
run('unit tests', 'node', ['node_modules/jest/bin/jest.js']);
run('e2e on SQLite, in-process jobs', 'node', ['node_modules/jest/bin/jest.js', '-c', 'jest.e2e.config.js']);
const [pg, redis] = await Promise.all([reachable(5432), reachable(6379)]);
if (pg && redis) run('e2e on PostgreSQL + Redis (BullMQ)', 'node', ['node_modules/jest/bin/jest.js', '-c', 'jest.e2e.config.js'], { TEST_BACKEND: 'postgres-redis' });
else skip('e2e on PostgreSQL + Redis (BullMQ)', `${pg ? '' : 'PostgreSQL not reachable at 127.0.0.1:5432 '}${redis ? '' : 'Redis not reachable at 127.0.0.1:6379'}`.trim());
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromium)) run('browser tests (Chromium)', 'node', ['node_modules/jest/bin/jest.js', '-c', 'jest.browser.config.js'], { CHROMIUM_PATH: chromium });
else skip('browser tests (Chromium)', `no Chromium at ${chromium} (apt-get install chromium)`);

process.stdout.write('\n=== summary ===\n');
for (const r of results) process.stdout.write(`${r.ok ? (r.skipped ? 'SKIP' : 'PASS') : 'FAIL'}  ${r.name} (${r.seconds} s)\n`);
const failed = results.filter((r) => !r.ok).length;
process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
