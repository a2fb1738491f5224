import { transformFileSync, transformSync, type Options } from '@swc/core';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { writeInstalledPlugins } from '../../../../test/fixtures/plugins/installed-packages';
import { sdkFileFor } from './sdk-resolution';

const root = resolve(__dirname, '../../../..');
const fixtures = join(root, 'test/fixtures/plugins');

describe('sdkFileFor', () => {
  it('maps @tero/sdk and its subpaths to this project’s SDK sources, and nothing else', () => {
    expect(sdkFileFor('@tero/sdk')).toBe(join(root, 'libs/sdk/src/index.ts'));
    expect(sdkFileFor('@tero/sdk/port')).toBe(join(root, 'libs/sdk/src/port.ts'));
    expect(sdkFileFor('@tero/sdk/no-such-file')).toBeNull();
    expect(sdkFileFor('@tero/sdkx')).toBeNull();
    expect(sdkFileFor('semver')).toBeNull();
  });
});

/**
 * Jest loads modules with its own loader (and refuses `module.registerHooks`), so the hook is checked
 * where it matters: plain Node 24 running a compiled copy laid out like `dist/`, as `npm start` does.
 */
describe('installed plugin packages under compiled core (child Node process)', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tero-sdk-resolution-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const swc = (filename: string): Options => ({
    filename,
    jsc: {
      parser: { syntax: 'typescript' },
      target: 'es2023',
      baseUrl: root,
      paths: { '@tero/sdk': ['libs/sdk/src/index.ts'], '@tero/sdk/*': ['libs/sdk/src/*'] },
    },
    module: { type: 'commonjs', strictMode: true },
  });

  function compileTree(dir: string): void {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) compileTree(path);
      else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        const target = join(work, 'dist', path.replace(/\.ts$/, '.js'));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, transformFileSync(join(root, path), swc(join(root, path))).code);
      }
    }
  }

  it('resolves @tero/sdk for a package to the compiled SDK, shared with core and compiled local plugins', () => {
    compileTree('libs/sdk/src');
    compileTree('libs/core/src/plugins');
    // A local plugin as the build leaves it: manifest in plugins/good, compiled entry in dist/plugins/good.
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'root', version: '0.1.0' }));
    cpSync(join(fixtures, 'good/package.json'), join(work, 'plugins/good/package.json'), { recursive: true });
    const goodSource = readFileSync(join(fixtures, 'good/src/index.ts'), 'utf8');
    const goodTarget = join(work, 'dist/plugins/good/src/index.js');
    mkdirSync(dirname(goodTarget), { recursive: true });
    writeFileSync(goodTarget, transformSync(goodSource, swc(join(root, 'plugins/good/src/index.ts'))).code);
    writeInstalledPlugins(work);

    const script = join(work, 'check.js');
    writeFileSync(
      script,
      `
      const dist = ${JSON.stringify(join(work, 'dist'))};
      let before;
      try { require('@tero/sdk'); before = 'resolved'; } catch (error) { before = error.code; }
      const core = require(dist + '/libs/core/src/plugins/index.js');
      const sdk = require(dist + '/libs/sdk/src/index.js');
      const silent = { debug() {}, info() {}, warn() {}, error() {} };
      const loaded = core.loadPlugins({ rootDir: ${JSON.stringify(work)}, enabled: ['good', 'pkg-echo'], env: {}, coreVersion: '0.1.0', logger: silent });
      const registry = new core.PluginRegistry(loaded, new core.InMemoryTenantPluginConfigSource());
      const ctx = sdk.instanceContext();
      const message = { from: 'a@x.test', to: ['b@x.test'], subject: 's', text: 't' };
      Promise.all(['good', 'pkg-echo'].map((id) => registry.get(sdk.EMAIL, ctx, id).then((t) => t.send(ctx, message)))).then((receipts) => {
        console.log(JSON.stringify({
          before,
          sources: loaded.plugins.map((p) => p.source),
          sameToken: loaded.plugins.map((p) => p.definition.provides[0].port === sdk.EMAIL),
          subpath: require('@tero/sdk/port').definePort === sdk.definePort,
          sdkCopies: Object.keys(require.cache).filter((file) => file.endsWith('/sdk/src/index.js')).map((file) => file.slice(dist.length)),
          messageIds: receipts.map((r) => r.messageId),
        }));
      });
      `,
    );
    const env: Record<string, string | undefined> = { ...process.env, NODE_PATH: join(root, 'node_modules') };
    delete env.JEST_WORKER_ID; // the child is plain Node, not a Jest worker
    const output = execFileSync(process.execPath, [script], { env, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      before: 'MODULE_NOT_FOUND',
      sources: ['local', 'package'],
      sameToken: [true, true],
      subpath: true,
      sdkCopies: ['/libs/sdk/src/index.js'],
      messageIds: ['instance@localhost|no-key|1', 'pkg-echo'],
    });
    expect(relative(work, goodTarget)).toBe('dist/plugins/good/src/index.js');
  });
});
