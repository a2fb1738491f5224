// `npm run bench [-- <name>…]`: runs bench/<name>.bench.mjs, or every benchmark when none is named.
// Each module's default export receives `{ print }` and prints its tables (see lib/report.mjs): the
// figures of ours, of the named baseline, their ratios and the targets. Nothing passes or fails on
// figures; the exit code is non-zero only when a benchmark could not run.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .map((f) => f.replace(/\.bench\.mjs$/, ''))
  .sort();

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !available.includes(name));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(2);
}

const print = (text) => process.stdout.write(`${text}\n`);
let failed = 0;
for (const name of asked.length ? asked : available) {
  const bench = await import(pathToFileURL(join(here, `${name}.bench.mjs`)).href);
  const started = performance.now();
  print(`\n▶ ${name}: ${bench.description}`);
  try {
    await bench.default({ print });
    print(`\n${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed++;
    print(`\n${name} could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
process.exit(failed ? 1 : 0);
