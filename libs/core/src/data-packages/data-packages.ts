import { join, resolve } from 'node:path';
import type { PackScenario, ProfessionPackManifest, ThemeManifest } from '@tero/sdk';
import { LintError, mergeReports, toReport, type LintReport } from './lint-report';
import { inspectLocales } from './locale.linter';
import { inspectPack, type LintOptions } from './pack.linter';
import { isDirectory, listDirectories } from './package-files';
import { inspectTheme } from './theme.linter';

/** Where data packages live under a root (the repository, or the instance's data folder). */
export const DATA_PACKAGE_FOLDERS = { packs: 'profession-packs', themes: 'themes', locales: 'locales' } as const;

/** A profession pack ready to use: its validated manifest, prompt sources per locale and scenarios. */
export interface LoadedPack {
  id: string;
  /** Absolute path of the pack folder. */
  dir: string;
  manifest: ProfessionPackManifest;
  /** Handlebars source of the system prompt per locale (compile it with the prompt helpers; it was linted, not run). */
  prompts: Record<string, string>;
  scenarios: PackScenario[];
}

export interface DiscoveredDataPackages {
  packs: { id: string; dir: string; manifest: ProfessionPackManifest }[];
  themes: { id: string; dir: string; manifest: ThemeManifest }[];
  /** Locale codes whose files have no errors (`en` first). */
  locales: string[];
}

/** Lints every pack, theme and the locales under `rootDir`; file paths in findings are relative to it. */
export async function lintAll(rootDir: string): Promise<LintReport> {
  const root = resolve(rootDir);
  const reports: LintReport[] = [];
  for (const id of await listDirectories(join(root, DATA_PACKAGE_FOLDERS.packs))) {
    reports.push(toReport((await inspectPack(join(root, DATA_PACKAGE_FOLDERS.packs, id), { root })).sink.findings));
  }
  for (const id of await listDirectories(join(root, DATA_PACKAGE_FOLDERS.themes))) {
    reports.push(toReport((await inspectTheme(join(root, DATA_PACKAGE_FOLDERS.themes, id), { root })).sink.findings));
  }
  const localesDir = join(root, DATA_PACKAGE_FOLDERS.locales);
  if (await isDirectory(localesDir)) reports.push(toReport((await inspectLocales(localesDir, { root })).sink.findings));
  return mergeReports(reports);
}

/**
 * Finds the packs, themes and locales under `rootDir` that have no lint errors (warnings are fine).
 * Invalid ones are left out silently here: `lintAll` is what reports them.
 */
export async function discoverDataPackages(rootDir: string): Promise<DiscoveredDataPackages> {
  const root = resolve(rootDir);
  const found: DiscoveredDataPackages = { packs: [], themes: [], locales: [] };
  for (const id of await listDirectories(join(root, DATA_PACKAGE_FOLDERS.packs))) {
    const pack = await inspectPack(join(root, DATA_PACKAGE_FOLDERS.packs, id), { root });
    if (pack.manifest) found.packs.push({ id, dir: pack.dir, manifest: pack.manifest });
  }
  for (const id of await listDirectories(join(root, DATA_PACKAGE_FOLDERS.themes))) {
    const theme = await inspectTheme(join(root, DATA_PACKAGE_FOLDERS.themes, id), { root });
    if (theme.manifest) found.themes.push({ id, dir: theme.dir, manifest: theme.manifest });
  }
  const localesDir = join(root, DATA_PACKAGE_FOLDERS.locales);
  if (await isDirectory(localesDir)) {
    const { valid } = await inspectLocales(localesDir, { root });
    found.locales = valid.sort((a, b) => (a === 'en' ? -1 : b === 'en' ? 1 : a.localeCompare(b)));
  }
  return found;
}

/** Reads and validates one pack. Throws {@link LintError} (code `data_package.invalid`) listing every error. */
export async function loadPack(dir: string, options: LintOptions = {}): Promise<LoadedPack> {
  const pack = await inspectPack(dir, options);
  if (!pack.manifest) {
    throw new LintError(`profession pack ${dir}`, pack.sink.findings.filter((f) => f.level === 'error'));
  }
  return { id: pack.manifest.id, dir: pack.dir, manifest: pack.manifest, prompts: pack.prompts, scenarios: pack.scenarios };
}
