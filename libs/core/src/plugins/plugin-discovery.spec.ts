import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPackageRoot } from '../../../../test/fixtures/plugins/installed-packages';
import { discoverPlugins, readCoreVersion } from './plugin-discovery';

const fixtures = resolve(__dirname, '../../../../test/fixtures');
const packages = createPackageRoot();
const packageRoot = packages.root;
afterAll(() => packages.remove());

describe('discoverPlugins', () => {
  const report = discoverPlugins(fixtures, '0.1.0', ['good']);

  it('lists usable local plugins with version, kinds and whether they are enabled', () => {
    expect(report.discovered.find((plugin) => plugin.id === 'good')).toEqual({
      id: 'good',
      version: '1.2.3',
      source: 'local',
      dir: 'plugins/good',
      kinds: ['email'],
      displayName: 'Good (echo e-mail)',
      enabled: true,
    });
    expect(report.discovered.find((plugin) => plugin.id === 'mail-relay')?.enabled).toBe(false);
  });

  it('refuses a manifest without kinds, naming the field', () => {
    expect(report.rejected).toContainEqual({
      id: 'bad-manifest',
      dir: 'plugins/bad-manifest',
      reason: 'manifest.kinds must be a non-empty array of port ids such as ["email"]',
    });
  });

  it('refuses a plugin whose compatibility range excludes this core', () => {
    expect(report.rejected).toContainEqual({
      id: 'incompatible',
      dir: 'plugins/incompatible',
      reason: 'requires core ^9.0.0, this is 0.1.0',
    });
  });

  it('refuses both folders that declare the same id, naming each other', () => {
    const twins = report.rejected.filter((plugin) => plugin.id === 'twin');
    expect(twins).toEqual([
      { id: 'twin', dir: 'plugins/duplicate-a', reason: 'duplicate id "twin", also declared by plugins/duplicate-b' },
      { id: 'twin', dir: 'plugins/duplicate-b', reason: 'duplicate id "twin", also declared by plugins/duplicate-a' },
    ]);
    expect(report.discovered.map((plugin) => plugin.id)).not.toContain('twin');
  });

  it('finds installed tero-plugin-* packages, scoped or not, and ignores look-alikes without a manifest', () => {
    const packages = discoverPlugins(packageRoot, '0.1.0');
    expect(packages.discovered.map(({ id, dir, source, version }) => ({ id, dir, source, version }))).toEqual([
      { id: 'pkg-echo', dir: 'node_modules/tero-plugin-x', source: 'package', version: '2.1.0' },
      { id: 'scoped-echo', dir: 'node_modules/@acme/tero-plugin-scoped', source: 'package', version: '0.9.0-beta.1' },
    ]);
    expect(packages.rejected).toEqual([]);
  });

  it('checks compatibility including prereleases of core', () => {
    const packages = discoverPlugins(packageRoot, '0.2.0-rc.1');
    expect(packages.discovered.map((plugin) => plugin.id)).toEqual(['scoped-echo']);
    expect(packages.rejected).toEqual([
      { id: 'pkg-echo', dir: 'node_modules/tero-plugin-x', reason: 'requires core ^0.1.0, this is 0.2.0-rc.1' },
    ]);
  });

  describe('manifest checks', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'tero-discovery-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    function plugin(dir: string, pkg: unknown): void {
      mkdirSync(join(root, 'plugins', dir), { recursive: true });
      writeFileSync(join(root, 'plugins', dir, 'package.json'), typeof pkg === 'string' ? pkg : JSON.stringify(pkg));
    }
    const valid = { id: 'ok', kinds: ['email'], displayName: 'Ok', compatibility: '^0.1.0' };
    const reasonFor = (tero: unknown, version: unknown = '1.0.0') => {
      plugin('p', { name: 'p', version, tero });
      return discoverPlugins(root, '0.1.0').rejected[0]?.reason;
    };

    it('accepts a minimal manifest', () => {
      expect(reasonFor(valid)).toBeUndefined();
    });

    it('skips folders whose package.json has no tero field, and folders without a package.json', () => {
      plugin('not-a-plugin', { name: 'not-a-plugin', version: '1.0.0' });
      mkdirSync(join(root, 'plugins', 'empty'));
      plugin('ok', { name: 'ok', version: '1.0.0', tero: valid });
      const found = discoverPlugins(root, '0.1.0');
      expect(found.discovered.map((p) => p.dir)).toEqual(['plugins/ok']);
      expect(found.rejected).toEqual([]);
    });

    it.each([
      [{ ...valid, id: 'Email_SMTP' }, 'manifest.id must be a kebab-case string such as "email-smtp"'],
      [{ ...valid, kinds: [] }, 'manifest.kinds must be a non-empty array of port ids such as ["email"]'],
      [{ ...valid, kinds: [3] }, 'manifest.kinds must be a non-empty array of port ids such as ["email"]'],
      [{ ...valid, displayName: undefined }, 'manifest.displayName must be a non-empty string'],
      [{ ...valid, compatibility: 'latest please' }, 'manifest.compatibility must be a semver range of core versions such as "^0.1.0"'],
      [{ ...valid, tenantconfig: {} }, 'manifest has unknown field "tenantconfig"'],
      [{ ...valid, instanceConfig: { type: 'string' } }, 'manifest.instanceConfig must be a JSON Schema of an object ({ "type": "object", "properties": … })'],
      ['email-smtp', 'manifest (package.json "tero") must be an object'],
    ])('refuses %j', (tero, reason) => {
      expect(reasonFor(tero)).toBe(reason);
    });

    it('refuses config schemas Ajv cannot compile', () => {
      const reason = reasonFor({ ...valid, tenantConfig: { type: 'object', properties: { key: { type: 'strng' } } } });
      expect(reason).toMatch(/^manifest\.tenantConfig is not a valid JSON Schema: /);
      expect(reasonFor({ ...valid, instanceConfig: { type: 'object', secret: true } })).toMatch(
        /^manifest\.instanceConfig is not a valid JSON Schema: .*unknown keyword: "secret"/,
      );
    });

    it('refuses a package without a semver version', () => {
      expect(reasonFor(valid, 'one')).toBe('package.json version must be a semver version such as "1.0.0"');
    });

    it('refuses a package.json that is not JSON, keeping the folder name', () => {
      plugin('broken', '{ "tero": ');
      expect(discoverPlugins(root, '0.1.0').rejected).toEqual([
        { dir: 'plugins/broken', reason: expect.stringMatching(/^package\.json is not valid JSON: /) },
      ]);
    });

    it('finds nothing in a root without plugins or node_modules', () => {
      expect(discoverPlugins(root, '0.1.0')).toEqual({ discovered: [], rejected: [] });
    });
  });
});

describe('readCoreVersion', () => {
  it('reads the root package.json version', () => {
    expect(readCoreVersion(packageRoot)).toBe('0.1.0');
  });
});
