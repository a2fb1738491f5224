// Compiles every TypeScript source of apps/, libs/ and plugins/ to dist/ with swc (type-checking is
// `npm run typecheck`, a separate step), rewriting the @tero/* path aliases to relative requires.
// Source maps go beside each file (`x.js.map`, named by a `sourceMappingURL` comment) rather than inline:
// V8 keeps every loaded module's source text in the heap for the life of the process, and inline maps
// (with the TypeScript they embed) were two thirds of our part of it: 15 MB of the server's boot RSS.
import { transformFile } from '@swc/core';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const sourceRoots = ['apps', 'libs', 'plugins'];

export function swcOptions() {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
      baseUrl: root,
      paths: JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions.paths,
    },
    module: { type: 'commonjs', strictMode: true },
    sourceMaps: true,
  };
}

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.endsWith('.spec.ts')) yield path;
  }
}

async function build() {
  const started = performance.now();
  const options = swcOptions();
  let count = 0;
  const jobs = [];
  for (const top of sourceRoots) {
    const dir = join(root, top);
    if (!(await stat(dir).catch(() => null))) continue;
    for await (const file of sources(dir)) {
      jobs.push(
        (async () => {
          const { code, map } = await transformFile(file, { ...options, filename: file });
          const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, `${code}\n//# sourceMappingURL=${basename(target)}.map\n`);
          await writeFile(`${target}.map`, map);
          count++;
        })(),
      );
    }
  }
  await Promise.all(jobs);
  console.log(`built ${count} files in ${Math.round(performance.now() - started)} ms`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
