import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Compiled, this file is dist/libs/core/src/plugins/sdk-resolution.js and the SDK dist/libs/sdk/src/*.js;
// from source both are .ts. Either way the SDK sits at the same relative place.
const extension = __filename.endsWith('.js') ? '.js' : '.ts';
const sdkDir = resolve(__dirname, '../../../sdk/src');

let installed = false;

/** The SDK file a `@tero/sdk` or `@tero/sdk/<sub>` specifier names, or `null` for any other specifier. */
export function sdkFileFor(specifier: string): string | null {
  if (specifier !== '@tero/sdk' && !specifier.startsWith('@tero/sdk/')) return null;
  const base = join(sdkDir, specifier === '@tero/sdk' ? 'index' : specifier.slice('@tero/sdk/'.length));
  const file = [base + extension, join(base, 'index' + extension)].find((path) => existsSync(path));
  return file ?? null;
}

/**
 * Installed plugin packages declare `@tero/sdk` as a peer dependency, which nothing in node_modules
 * provides: this instance's own SDK is the one they must share (port tokens, the plugin brand, errors).
 * Node 24's synchronous hooks cover both `require` and `import`. Installed once per process.
 */
export function installSdkResolution(): void {
  // Jest runs modules through its own loader, where jest.config's moduleNameMapper maps @tero/sdk, and
  // refuses registerHooks() (the hooks would attach to the loader running Jest itself).
  if (installed || process.env.JEST_WORKER_ID !== undefined) return;
  installed = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const file = sdkFileFor(specifier);
      if (!file) return nextResolve(specifier, context);
      return { url: pathToFileURL(file).href, shortCircuit: true };
    },
  });
}
