import { basename, join, resolve } from 'node:path';
import semver from 'semver';
import { REQUIRED_THEME_PAGES, THEME_ENGINE_VERSION, THEME_HELPERS } from '@tero/sdk';
import type { ThemeManifest } from '@tero/sdk';
import { FindingSink, toReport, type LintReport } from './lint-report';
import { displayPath, listFiles, readJsonFile, readText } from './package-files';
import type { LintOptions } from './pack.linter';
import { validateThemeManifest } from './schema-validation';
import { scanTemplate, type PartialUse } from './template.scanner';

export interface ThemeInspection {
  dir: string;
  /** Set when the theme has no errors. */
  manifest?: ThemeManifest;
  sink: FindingSink;
}

const themeHelpers: ReadonlySet<string> = new Set(THEME_HELPERS);
const COLOR_POINTER = /^\/(tokens\/color[A-Za-z]+|settings\/[^/]+\/default)$/;

/**
 * Files of a theme's optional `emails/` folder: the HTML layout and its plain-text twin (together, or the
 * theme falls back to `default`'s e-mails), and the unsubscribe confirm page.
 */
export const THEME_EMAIL_TEMPLATES = ['layout.hbs', 'layout.txt.hbs', 'unsubscribe.hbs'] as const;

/** Lints `themes/<id>/`: theme.json, layouts, pages, partials and e-mails (rules THEME0xx). */
export async function lintTheme(dir: string, options: LintOptions = {}): Promise<LintReport> {
  return toReport((await inspectTheme(dir, options)).sink.findings);
}

export async function inspectTheme(dir: string, options: LintOptions = {}): Promise<ThemeInspection> {
  const absDir = resolve(dir);
  const root = resolve(options.root ?? process.cwd());
  const sink = new FindingSink();
  const manifestPath = join(absDir, 'theme.json');
  const manifestFile = displayPath(root, manifestPath);
  let manifest: ThemeManifest | undefined;

  const read = await readJsonFile(manifestPath);
  if (!read.ok) {
    sink.add(manifestFile, 'THEME001', read.missing ? 'theme.json not found' : read.message, read);
  } else {
    let structural = false;
    for (const problem of validateThemeManifest(read.value)) {
      if (COLOR_POINTER.test(problem.pointer) && problem.message.includes('pattern')) {
        sink.add(manifestFile, 'THEME020', `${problem.pointer}: must be a colour #rgb or #rrggbb`);
      } else {
        sink.add(manifestFile, 'THEME002', problem.message);
        structural = true;
      }
    }
    if (!structural) {
      manifest = read.value as ThemeManifest;
      checkManifest(manifest, basename(absDir), manifestFile, sink);
    }
  }
  // Templates are checked even when the manifest is broken: an author fixes everything in one pass.
  await checkTemplates(absDir, root, sink);
  await checkEmailTemplates(absDir, root, sink);
  return { dir: absDir, manifest: manifest && sink.findings.every((f) => f.level !== 'error') ? manifest : undefined, sink };
}

function checkManifest(manifest: ThemeManifest, folder: string, file: string, sink: FindingSink) {
  if (manifest.id !== folder) sink.add(file, 'THEME003', `id "${manifest.id}" differs from its folder "${folder}"`);
  if (semver.validRange(manifest.engine) === null) {
    sink.add(file, 'THEME004', `engine "${manifest.engine}" is not a semver range`);
  } else if (!semver.satisfies(THEME_ENGINE_VERSION, manifest.engine)) {
    sink.add(file, 'THEME004', `engine "${manifest.engine}" does not accept theme engine ${THEME_ENGINE_VERSION}`);
  }
  for (const [key, setting] of Object.entries(manifest.settings ?? {})) {
    if (setting.type === 'select' && !setting.options.includes(setting.default)) {
      sink.add(file, 'THEME002', `/settings/${key}/default: "${setting.default}" is not one of its options`);
    }
  }
}

async function checkTemplates(absDir: string, root: string, sink: FindingSink) {
  const templates = new Map<string, string>(); // path relative to the theme → display path
  const partialNames = new Set<string>();
  for (const folder of ['layouts', 'pages', 'partials']) {
    for (const name of await listFiles(join(absDir, folder))) {
      // Only top-level `<folder>/*.hbs` are templates: that is what the theme engine registers.
      if (!name.endsWith('.hbs') || name.includes('/')) continue;
      templates.set(`${folder}/${name}`, displayPath(root, join(absDir, folder, name)));
      if (folder === 'partials') partialNames.add(name.slice(0, -'.hbs'.length));
    }
  }
  const required = ['layouts/main.hbs', ...REQUIRED_THEME_PAGES.map((p) => `pages/${p}.hbs`)];
  for (const path of required) {
    if (!templates.has(path)) sink.add(displayPath(root, absDir), 'THEME010', `required template ${path} is missing`);
  }

  const used = new Set<string>();
  for (const [path, file] of templates) {
    const source = (await readText(join(absDir, path))) ?? '';
    const scan = scanTemplate(source, { helpers: themeHelpers, allowPartials: true });
    if (!scan.ok) {
      sink.add(file, 'THEME011', scan.syntaxError.message, scan.syntaxError);
      continue;
    }
    for (const issue of scan.issues) sink.add(file, 'THEME013', issue.message, issue);
    for (const partial of scan.partials) checkPartial(partial, partialNames, used, file, sink);
  }
  for (const name of partialNames) {
    if (!used.has(name)) sink.add(templates.get(`partials/${name}.hbs`)!, 'THEME030', `partial "${name}" is never used`);
  }
}

function checkPartial(partial: PartialUse, known: Set<string>, used: Set<string>, file: string, sink: FindingSink) {
  if (known.has(partial.name)) used.add(partial.name);
  else sink.add(file, 'THEME012', `unknown partial "${partial.name}" (no partials/${partial.name}.hbs)`, partial);
}

/** `emails/`: the theme helpers only, no partials (an e-mail is rendered outside the page's partials). */
async function checkEmailTemplates(absDir: string, root: string, sink: FindingSink) {
  const dir = join(absDir, 'emails');
  const files = await listFiles(dir);
  if (files.length === 0) return;
  const known: ReadonlySet<string> = new Set(THEME_EMAIL_TEMPLATES);
  for (const name of files) {
    const file = displayPath(root, join(dir, name));
    if (!known.has(name)) {
      sink.add(file, 'THEME015', `emails/${name} is not one of ${THEME_EMAIL_TEMPLATES.join(', ')}`);
      continue;
    }
    const scan = scanTemplate((await readText(join(dir, name))) ?? '', { helpers: themeHelpers, allowPartials: false });
    if (!scan.ok) {
      sink.add(file, 'THEME011', scan.syntaxError.message, scan.syntaxError);
      continue;
    }
    for (const issue of scan.issues) sink.add(file, issue.kind === 'partial' ? 'THEME012' : 'THEME013', issue.message, issue);
  }
  const html = files.includes('layout.hbs');
  const text = files.includes('layout.txt.hbs');
  if (html !== text) {
    sink.add(displayPath(root, dir), 'THEME014', `emails/${html ? 'layout.txt.hbs' : 'layout.hbs'} is missing: the HTML layout and its plain-text twin come together`);
  }
}
