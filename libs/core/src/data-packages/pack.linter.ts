import { basename, join, normalize, resolve } from 'node:path';
import { PROMPT_HELPERS, PROMPT_VARIABLES, WEEKDAYS } from '@tero/sdk';
import type { LocalizedText, PackScenario, ProfessionPackManifest } from '@tero/sdk';
import { FindingSink, toReport, type LintReport } from './lint-report';
import { displayPath, listFiles, readJsonFile, readText } from './package-files';
import { validatePackManifest, validateScenario } from './schema-validation';
import { scanTemplate, typeFromPaths } from './template.scanner';

export interface LintOptions {
  /** Findings name files relative to this folder (the repository root in CI). Default: the working directory. */
  root?: string;
}

/** A pack as read from disk, with everything the linter found. `manifest` is set when pack.json is valid. */
export interface PackInspection {
  dir: string;
  manifest?: ProfessionPackManifest;
  /** Prompt template source per locale, for the prompts that exist. */
  prompts: Record<string, string>;
  /** Scenarios that passed validation. */
  scenarios: PackScenario[];
  sink: FindingSink;
}

const promptContext = typeFromPaths(PROMPT_VARIABLES);
const promptHelpers: ReadonlySet<string> = new Set(PROMPT_HELPERS);
const PRICE_POINTER = /^\/services\/\d+\/priceMinor$/;

/** Lints `profession-packs/<id>/`: pack.json, its prompt templates and its scenarios (rules PACK0xx). */
export async function lintPack(dir: string, options: LintOptions = {}): Promise<LintReport> {
  return toReport((await inspectPack(dir, options)).sink.findings);
}

export async function inspectPack(dir: string, options: LintOptions = {}): Promise<PackInspection> {
  const absDir = resolve(dir);
  const root = resolve(options.root ?? process.cwd());
  const sink = new FindingSink();
  const inspection: PackInspection = { dir: absDir, prompts: {}, scenarios: [], sink };
  const manifestPath = join(absDir, 'pack.json');
  const manifestFile = displayPath(root, manifestPath);

  const read = await readJsonFile(manifestPath);
  if (!read.ok) {
    sink.add(manifestFile, 'PACK001', read.missing ? 'pack.json not found' : read.message, read);
    return inspection;
  }
  let structural = false;
  for (const problem of validatePackManifest(read.value)) {
    if (PRICE_POINTER.test(problem.pointer)) {
      sink.add(manifestFile, 'PACK021', `${problem.pointer}: price must be an integer number of minor units (cents), 0 or more`);
    } else {
      sink.add(manifestFile, 'PACK002', problem.message);
      structural = true;
    }
  }
  // Later checks assume the documented shape; a broken shape is reported above and stops here.
  if (structural) return inspection;
  const manifest = read.value as ProfessionPackManifest;

  const folder = basename(absDir);
  if (manifest.id !== folder) sink.add(manifestFile, 'PACK003', `id "${manifest.id}" differs from its folder "${folder}"`);

  checkTexts(manifest, manifestFile, sink);
  checkUniqueIds(manifest.services, 'services', 'PACK020', manifestFile, sink);
  checkUniqueIds(manifest.faq, 'faq', 'PACK022', manifestFile, sink);
  checkHours(manifest, manifestFile, sink);

  for (const locale of manifest.locales) {
    const keywords = manifest.emergencyKeywords[locale];
    if (!keywords || keywords.length === 0) {
      sink.add(manifestFile, 'PACK031', `emergencyKeywords has no keywords for supported locale "${locale}"`);
    }
    const promptPath = manifest.prompts[locale];
    if (!promptPath) {
      sink.add(manifestFile, 'PACK010', `prompts has no template for supported locale "${locale}"`);
      continue;
    }
    if (!normalize(promptPath).startsWith(`prompts/`)) {
      sink.add(manifestFile, 'PACK002', `/prompts/${locale}: "${promptPath}" must stay inside prompts/`);
      continue;
    }
    const absPrompt = join(absDir, promptPath);
    const promptFile = displayPath(root, absPrompt);
    const source = await readText(absPrompt);
    if (source === undefined) {
      sink.add(manifestFile, 'PACK010', `prompt template "${promptPath}" for locale "${locale}" not found`);
      continue;
    }
    inspection.prompts[locale] = source;
    const scan = scanTemplate(source, { helpers: promptHelpers, context: promptContext, allowPartials: false });
    if (!scan.ok) {
      sink.add(promptFile, 'PACK011', scan.syntaxError.message, scan.syntaxError);
      continue;
    }
    for (const issue of scan.issues) sink.add(promptFile, 'PACK012', issue.message, issue);
  }

  await checkScenarios(absDir, root, manifest, inspection);
  if (sink.findings.every((f) => f.level !== 'error')) inspection.manifest = manifest;
  return inspection;
}

function checkTexts(manifest: ProfessionPackManifest, file: string, sink: FindingSink) {
  const texts: [string, LocalizedText][] = [
    ['name', manifest.name],
    ['description', manifest.description],
    ...manifest.services.map((s, i): [string, LocalizedText] => [`services[${i}] (${s.id}).name`, s.name]),
    ...manifest.faq.flatMap((f, i): [string, LocalizedText][] => [
      [`faq[${i}] (${f.id}).question`, f.question],
      [`faq[${i}] (${f.id}).answer`, f.answer],
    ]),
  ];
  for (const [where, text] of texts) {
    for (const locale of manifest.locales) {
      if (!text[locale]?.trim()) sink.add(file, 'PACK030', `${where} has no text for supported locale "${locale}"`);
    }
  }
}

function checkUniqueIds(items: { id: string }[], list: string, rule: 'PACK020' | 'PACK022', file: string, sink: FindingSink) {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.id);
    if (first === undefined) seen.set(item.id, i);
    else sink.add(file, rule, `${list}[${i}] repeats id "${item.id}" of ${list}[${first}]`);
  });
}

function checkHours(manifest: ProfessionPackManifest, file: string, sink: FindingSink) {
  for (const day of WEEKDAYS) {
    let previousClose = '';
    for (const [open, close] of manifest.hours[day]) {
      // Zero-padded HH:MM strings compare in time order.
      if (open >= close) sink.add(file, 'PACK023', `hours.${day}: interval ${open}-${close} closes before it opens`);
      else if (open < previousClose) sink.add(file, 'PACK023', `hours.${day}: interval ${open}-${close} overlaps or precedes the one before`);
      previousClose = close;
    }
  }
}

async function checkScenarios(absDir: string, root: string, manifest: ProfessionPackManifest, inspection: PackInspection) {
  const { sink } = inspection;
  const scenarioDir = join(absDir, 'scenarios');
  const seenIds = new Map<string, string>();
  for (const name of await listFiles(scenarioDir)) {
    const file = displayPath(root, join(scenarioDir, name));
    if (!name.endsWith('.json')) {
      sink.add(file, 'PACK040', 'only .json scenario files belong in scenarios/');
      continue;
    }
    const read = await readJsonFile(join(scenarioDir, name));
    if (!read.ok) {
      sink.add(file, 'PACK040', read.message, read);
      continue;
    }
    const problems = validateScenario(read.value);
    if (problems.length > 0) {
      for (const problem of problems) sink.add(file, 'PACK040', problem.message);
      continue;
    }
    const scenario = read.value as PackScenario;
    if (!manifest.locales.includes(scenario.locale)) {
      sink.add(file, 'PACK042', `locale "${scenario.locale}" is not one of the pack's locales (${manifest.locales.join(', ')})`);
      continue;
    }
    const other = seenIds.get(scenario.id);
    if (other) {
      sink.add(file, 'PACK043', `scenario id "${scenario.id}" is already used by ${other}`);
      continue;
    }
    seenIds.set(scenario.id, file);
    inspection.scenarios.push(scenario);
  }
  for (const locale of manifest.locales) {
    if (!inspection.scenarios.some((s) => s.locale === locale)) {
      sink.add(displayPath(root, scenarioDir), 'PACK041', `no scenario for supported locale "${locale}"`);
    }
  }
}
