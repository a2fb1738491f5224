import { join, resolve } from 'node:path';
import { EMAIL, PluginConfigError, TeroError, instanceContext, type PluginLogger } from '@tero/sdk';
import { createPackageRoot } from '../../../../test/fixtures/plugins/installed-packages';
import { loadPlugins, type LoadPluginsOptions } from './plugin-loader';
import { PluginLoadError } from './plugin-load.error';
import { pluginModules } from './plugin-modules';

const fixtures = resolve(__dirname, '../../../../test/fixtures');

function recordingLogger(): PluginLogger & { lines: { level: string; obj: unknown; msg?: string }[] } {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const relayEnv = { MAIL_RELAY_URL: 'smtp://127.0.0.1:2525' };

function load(enabled: string[], overrides: Partial<LoadPluginsOptions> = {}) {
  return loadPlugins({ rootDir: fixtures, enabled, env: relayEnv, coreVersion: '0.1.0', logger: recordingLogger(), ...overrides });
}

function loadError(enabled: string[], overrides: Partial<LoadPluginsOptions> = {}): TeroError {
  try {
    load(enabled, overrides);
  } catch (error) {
    return error as TeroError;
  }
  throw new Error('loadPlugins did not throw');
}

describe('loadPlugins', () => {
  it('loads the enabled plugins only; the rest, including one that throws when required, never run', () => {
    const loaded = load(['good', 'mail-relay']);
    expect(loaded.plugins.map((plugin) => [plugin.manifest.id, plugin.version, plugin.source])).toEqual([
      ['good', '1.2.3', 'local'],
      ['mail-relay', '0.3.0', 'local'],
    ]);
    expect(loaded.plugins[0].definition.provides[0].port).toBe(EMAIL);
    const enabled = loaded.report.discovered.filter((plugin) => plugin.enabled).map((plugin) => plugin.id);
    expect(enabled).toEqual(['mail-relay', 'good']); // discovery order: folder names
    expect(loaded.report.discovered.map((plugin) => plugin.id)).toContain('throws-on-load');
    expect(loaded.report.rejected.map((plugin) => plugin.id)).toEqual(
      expect.arrayContaining(['bad-manifest', 'incompatible', 'twin']),
    );
  });

  it('logs what it loaded and what it refused', () => {
    const logger = recordingLogger();
    load(['good'], { logger });
    expect(logger.lines).toContainEqual({
      level: 'info',
      obj: { plugin: 'good', version: '1.2.3', source: 'local' },
      msg: 'plugin loaded',
    });
    expect(logger.lines).toContainEqual({
      level: 'warn',
      obj: { plugin: 'incompatible', dir: 'plugins/incompatible', reason: 'requires core ^9.0.0, this is 0.1.0' },
      msg: 'plugin refused (not enabled)',
    });
  });

  it('loads nothing when nothing is enabled', () => {
    expect(load([]).plugins).toEqual([]);
  });

  describe('stops the boot, naming the plugin and the reason, when an enabled plugin', () => {
    it('is not found', () => {
      const error = loadError(['good', 'foo']);
      expect(error).toBeInstanceOf(PluginLoadError);
      expect(error.code).toBe('plugin.load_failed');
      expect(error.message).toBe('plugin "foo" is enabled in PLUGINS but was not found under plugins/ or node_modules');
    });

    it('has a bad manifest', () => {
      expect(loadError(['bad-manifest']).message).toBe(
        'plugin "bad-manifest": manifest.kinds must be a non-empty array of port ids such as ["email"]',
      );
    });

    it('is incompatible with this core', () => {
      expect(loadError(['incompatible']).message).toBe('plugin "incompatible": requires core ^9.0.0, this is 0.1.0');
    });

    it('shares its id with another plugin', () => {
      expect(loadError(['twin']).message).toBe(
        'plugin "twin": duplicate id "twin", also declared by plugins/duplicate-b',
      );
    });

    it('does not export a definePlugin() result', () => {
      const error = loadError(['wrong-export']);
      expect(error).toBeInstanceOf(PluginLoadError);
      expect(error.message).toMatch(/^plugin "wrong-export": its entry .*wrong-export\/src\/index\.ts must export \(default or `plugin`\) the result of definePlugin\(\)$/);
    });

    it('throws while its entry is required, keeping the cause', () => {
      const error = loadError(['throws-on-load']);
      expect(error).toBeInstanceOf(PluginLoadError);
      expect(error.message).toMatch(/^plugin "throws-on-load": its entry .* threw while loading: cannot reach the licence server$/);
      expect((error.cause as Error).message).toBe('cannot reach the licence server');
    });

    it('provides a port its manifest does not declare', () => {
      expect(loadError(['undeclared-port']).message).toBe(
        'plugin "undeclared-port": provides port "email" which manifest.kinds (sms) does not declare',
      );
    });

    it('defines another id than its manifest', () => {
      const goodEntry = join(fixtures, 'plugins/good/src/index.ts');
      const error = loadError(['mail-relay'], { resolveEntry: () => goodEntry });
      expect(error.message).toBe('plugin "mail-relay": its entry defines plugin "good" but the manifest id is "mail-relay"');
    });

    it('has an entry that cannot be resolved', () => {
      const error = loadError(['good'], {
        resolveEntry: () => {
          throw new Error('compiled entry dist/plugins/good/src/index.js does not exist (run npm run build)');
        },
      });
      expect(error.message).toBe('plugin "good": compiled entry dist/plugins/good/src/index.js does not exist (run npm run build)');
    });
  });

  describe('instance configuration from the environment', () => {
    it('reads <ID>_<KEY> variables, coerces their types and fills defaults', () => {
      const loaded = load(['mail-relay', 'good'], {
        env: {
          MAIL_RELAY_URL: 'smtps://mail.example.test',
          MAIL_RELAY_SECURE: 'true',
          MAIL_RELAY_ALLOWED_DOMAINS: 'a.test, b.test',
          GOOD_POOL_SIZE: '4',
          GOOD_FROM: '',
        },
      });
      expect(loaded.plugins[0].instanceConfig).toEqual({
        url: 'smtps://mail.example.test',
        poolSize: 2,
        secure: true,
        allowedDomains: ['a.test', 'b.test'],
      });
      expect(loaded.plugins[1].instanceConfig).toEqual({ from: 'instance@localhost', poolSize: 4 });
    });

    it('names the environment key of a missing required setting', () => {
      const error = loadError(['mail-relay'], { env: {} });
      expect(error).toBeInstanceOf(PluginConfigError);
      expect(error.code).toBe('plugin.config_invalid');
      expect(error.message).toBe('plugin "mail-relay": config key "MAIL_RELAY_URL" is required');
    });

    it('names the environment key of a value of the wrong type', () => {
      const error = loadError(['mail-relay'], { env: { ...relayEnv, MAIL_RELAY_POOL_SIZE: 'many' } });
      expect(error).toBeInstanceOf(PluginConfigError);
      expect(error.message).toBe('plugin "mail-relay": config key "MAIL_RELAY_POOL_SIZE" must be integer');
      expect(error.params).toEqual({ pluginId: 'mail-relay', key: 'MAIL_RELAY_POOL_SIZE', reason: 'must be integer' });
    });

    it('names the environment key of a value that breaks the schema', () => {
      expect(loadError(['mail-relay'], { env: { MAIL_RELAY_URL: 'http://nope' } }).message).toBe(
        'plugin "mail-relay": config key "MAIL_RELAY_URL" must match pattern "^smtps?://"',
      );
    });
  });

  describe('installed packages', () => {
    const packages = createPackageRoot();
    afterAll(() => packages.remove());

    it('loads a plain-JS tero-plugin-* package that requires @tero/sdk as a peer', async () => {
      const loaded = loadPlugins({
        rootDir: packages.root,
        enabled: ['pkg-echo', 'scoped-echo'],
        env: {},
        coreVersion: '0.1.0',
        logger: recordingLogger(),
      });
      expect(loaded.plugins.map((plugin) => [plugin.manifest.id, plugin.source])).toEqual([
        ['pkg-echo', 'package'],
        ['scoped-echo', 'package'],
      ]);
      // The package got this project's SDK: the very same port token object.
      const provision = loaded.plugins[0].definition.provides[0];
      expect(provision.port).toBe(EMAIL);
      const transport = provision.create({ config: {}, logger: recordingLogger() });
      await expect(transport.send(instanceContext(), { from: 'a@x.test', to: ['b@x.test'], subject: 's', text: 't' })).resolves.toEqual({
        messageId: 'pkg-echo',
        accepted: ['b@x.test'],
        rejected: [],
      });
    });
  });
});

describe('pluginModules', () => {
  it('returns the Nest modules of enabled plugins, built from their instance config', () => {
    const modules = pluginModules(load(['mail-relay', 'good'], { env: { ...relayEnv, GOOD_FROM: 'ops@x.test' } }));
    expect(modules).toHaveLength(1);
    expect(modules[0].module.name).toBe('GoodModule');
    expect(modules[0].providers).toEqual([{ provide: 'GOOD_CONFIG', useValue: { from: 'ops@x.test', poolSize: 1 } }]);
  });

  it('names the plugin whose module() throws', () => {
    const loaded = load(['good']);
    loaded.plugins[0].definition = {
      ...loaded.plugins[0].definition,
      module: () => {
        throw new Error('missing route prefix');
      },
    };
    expect(() => pluginModules(loaded)).toThrow('plugin "good": its module() threw: missing route prefix');
  });
});
