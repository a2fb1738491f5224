import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import semver from 'semver';
import { compileConfigSchema } from './plugin-config';
import { checkManifest } from './plugin-manifest.schema';
import type { DiscoveredPlugin, PluginReport, PluginSource, RejectedPlugin } from './plugin.types';

export interface Scan {
  plugins: DiscoveredPlugin[];
  rejected: RejectedPlugin[];
}

function isDirectory(path: string): boolean {
  // statSync follows symlinks: workspaces and `npm link` install plugins as links.
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function subdirectories(dir: string, match: (name: string) => boolean): string[] {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir)
    .filter((name) => match(name) && isDirectory(join(dir, name)))
    .sort()
    .map((name) => join(dir, name));
}

/** Folders that may hold a plugin, with where they come from. */
function candidateFolders(rootDir: string): { dir: string; source: PluginSource }[] {
  const modules = join(rootDir, 'node_modules');
  const isPluginPackage = (name: string) => name.startsWith('tero-plugin-');
  return [
    ...subdirectories(join(rootDir, 'plugins'), () => true).map((dir) => ({ dir, source: 'local' as const })),
    ...subdirectories(modules, isPluginPackage).map((dir) => ({ dir, source: 'package' as const })),
    ...subdirectories(modules, (name) => name.startsWith('@'))
      .flatMap((scope) => subdirectories(scope, isPluginPackage))
      .map((dir) => ({ dir, source: 'package' as const })),
  ];
}

function readPackageJson(dir: string): Record<string, unknown> | string | null {
  let text: string;
  try {
    text = readFileSync(join(dir, 'package.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : 'package.json must hold a JSON object';
  } catch (error) {
    return `package.json is not valid JSON: ${(error as Error).message}`;
  }
}

/** Reads every candidate folder's manifest and checks it; executes nothing. */
export function scanPlugins(rootDir: string, coreVersion: string): Scan {
  const plugins: DiscoveredPlugin[] = [];
  const rejected: RejectedPlugin[] = [];
  for (const { dir: absoluteDir, source } of candidateFolders(rootDir)) {
    const dir = relative(rootDir, absoluteDir).split(sep).join('/');
    const pkg = readPackageJson(absoluteDir);
    if (pkg === null) continue;
    if (typeof pkg === 'string') {
      rejected.push({ dir, reason: pkg });
      continue;
    }
    if (pkg.tero === undefined) continue; // an ordinary package or folder, not a plugin
    const tero = pkg.tero as Record<string, unknown> | null;
    const id = tero && typeof tero === 'object' && typeof tero.id === 'string' ? tero.id : undefined;
    const reject = (reason: string) => rejected.push({ ...(id !== undefined && { id }), dir, reason });

    const checked = checkManifest(tero);
    if ('reason' in checked) {
      reject(checked.reason);
      continue;
    }
    const { manifest } = checked;
    const version = pkg.version;
    if (typeof version !== 'string' || !semver.valid(version)) {
      reject('package.json version must be a semver version such as "1.0.0"');
      continue;
    }
    if (!semver.satisfies(coreVersion, manifest.compatibility, { includePrerelease: true })) {
      reject(`requires core ${manifest.compatibility}, this is ${coreVersion}`);
      continue;
    }
    const instanceValidator = manifest.instanceConfig && compileConfigSchema(manifest.instanceConfig);
    if (typeof instanceValidator === 'string') {
      reject(`manifest.instanceConfig is not a valid JSON Schema: ${instanceValidator}`);
      continue;
    }
    const tenantValidator = manifest.tenantConfig && compileConfigSchema(manifest.tenantConfig);
    if (typeof tenantValidator === 'string') {
      reject(`manifest.tenantConfig is not a valid JSON Schema: ${tenantValidator}`);
      continue;
    }
    const main = typeof pkg.main === 'string' ? pkg.main : undefined;
    plugins.push({ manifest, version, source, dir, absoluteDir, main, instanceValidator, tenantValidator });
  }

  // Two folders claiming one id: neither wins, since which one would depend on folder order.
  const byId = new Map<string, DiscoveredPlugin[]>();
  for (const plugin of plugins) byId.set(plugin.manifest.id, [...(byId.get(plugin.manifest.id) ?? []), plugin]);
  const unique: DiscoveredPlugin[] = [];
  for (const [id, group] of byId) {
    if (group.length === 1) {
      unique.push(group[0]);
      continue;
    }
    for (const plugin of group) {
      const others = group.filter((other) => other !== plugin).map((other) => other.dir);
      rejected.push({ id, dir: plugin.dir, reason: `duplicate id "${id}", also declared by ${others.join(', ')}` });
    }
  }
  return { plugins: unique, rejected };
}

/**
 * Lists the plugins under `<rootDir>/plugins/*` and `<rootDir>/node_modules/(@*\/)tero-plugin-*` with
 * the reasons the unusable ones are refused. Runs no plugin code and never throws for a bad plugin:
 * this is what `tero plugins` prints.
 */
export function discoverPlugins(rootDir: string, coreVersion: string, enabled: readonly string[] = []): PluginReport {
  return reportOf(scanPlugins(rootDir, coreVersion), enabled);
}

/** The printable report of a scan. */
export function reportOf({ plugins, rejected }: Scan, enabled: readonly string[]): PluginReport {
  return {
    discovered: plugins.map((plugin) => ({
      id: plugin.manifest.id,
      version: plugin.version,
      source: plugin.source,
      dir: plugin.dir,
      kinds: plugin.manifest.kinds,
      displayName: plugin.manifest.displayName,
      enabled: enabled.includes(plugin.manifest.id),
    })),
    rejected,
  };
}

/** The core version: the root package.json `version`. */
export function readCoreVersion(rootDir: string): string {
  const pkg = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`${join(rootDir, 'package.json')} has no version`);
  return pkg.version;
}
