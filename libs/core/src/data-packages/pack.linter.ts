import { basename, join, normalize, resolve } from 'node:path';
import { PACK_INTENTS, PROMPT_HELPERS, PROMPT_VARIABLES, WEEKDAYS } from '@tero/sdk';
import type { LocalizedText, PackScenario, ProfessionPackManifest } from '@tero/sdk';
import { FindingSink, toReport, type LintReport } from './lint-report';
import { displayPath, listFiles, readJsonFile, readText } from './package-files';
import { checkScenario, checkScenarioSet, scenarioSchemaRule } from './scenario.checks';
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
/** Schema problems that have a rule of their own rather than PACK002. */
const POINTER_RULES: [RegExp, 'PACK021' | 'PACK024' | 'PACK025', string][] = [
  [/^\/services\/\d+\/priceMinor$/, 'PACK021', 'price must be an integer number of minor units (cents), 0 or more'],
  [/^\/services\/\d+\/bufferMinutes$/, 'PACK024', 'buffer must be an integer number of minutes, 0 or more'],
  [/^\/capacity$/, 'PACK025', 'capacity must be an integer, 1 or more'],
];

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
    const own = POINTER_RULES.find(([pointer]) => pointer.test(problem.pointer));
    if (own) {
      sink.add(manifestFile, own[1], `${problem.pointer}: ${own[2]}`);
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
  checkKeywords(manifest, manifestFile, sink);
  checkIntents(manifest, manifestFile, sink);
  checkGreeting(manifest, manifestFile, sink);

  for (const locale of manifest.locales) {
    if (!manifest.emergencyPolicy.say[locale]?.trim()) {
      sink.add(manifestFile, 'PACK035', `emergencyPolicy.say has no text for supported locale "${locale}"`);
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

/** Emergency, FAQ and service keywords: present per locale where required (PACK031, PACK032, PACK038), lower case and trimmed (PACK036). */
function checkKeywords(manifest: ProfessionPackManifest, file: string, sink: FindingSink) {
  const lists: [string, Record<string, string[]> | undefined, 'PACK031' | 'PACK032' | 'PACK038'][] = [
    ['emergencyKeywords', manifest.emergencyKeywords, 'PACK031'],
    ...manifest.faq.map((f, i): [string, Record<string, string[]>, 'PACK032'] => [`faq[${i}] (${f.id}).keywords`, f.keywords, 'PACK032']),
    ...manifest.services.map((s, i): [string, Record<string, string[]> | undefined, 'PACK038'] => [`services[${i}] (${s.id}).keywords`, s.keywords, 'PACK038']),
  ];
  for (const [where, perLocale, missingRule] of lists) {
    // Service keywords are optional; once given, they are expected in every locale.
    if (perLocale === undefined) continue;
    for (const locale of manifest.locales) {
      if (!perLocale[locale]?.length) sink.add(file, missingRule, `${where} has no keywords for supported locale "${locale}"`);
    }
    for (const [locale, keywords] of Object.entries(perLocale)) {
      for (const keyword of keywords) {
        if (keyword !== keyword.toLocaleLowerCase(locale).replace(/\s+/g, ' ').trim()) {
          sink.add(file, 'PACK036', `${where}.${locale}: "${keyword}" must be lower case, without extra spaces (callers' words are compared in lower case)`);
        }
      }
    }
  }
}

/** Every listed intent has phrasings in every supported locale (PACK033); every known intent is listed (PACK037). */
function checkIntents(manifest: ProfessionPackManifest, file: string, sink: FindingSink) {
  for (const intent of PACK_INTENTS) {
    const perLocale = manifest.intents[intent];
    if (!perLocale) {
      sink.add(file, 'PACK037', `intents.${intent} has no example phrasings; the agent falls back on its generic lexicon`);
      continue;
    }
    for (const locale of manifest.locales) {
      if (!perLocale[locale]?.length) sink.add(file, 'PACK033', `intents.${intent} has no phrasings for supported locale "${locale}"`);
    }
  }
}

/** The greeting exists in every supported locale and is a template over the prompt variables and helpers only (PACK034). */
function checkGreeting(manifest: ProfessionPackManifest, file: string, sink: FindingSink) {
  for (const locale of manifest.locales) {
    const greeting = manifest.greeting[locale];
    if (!greeting?.trim()) {
      sink.add(file, 'PACK034', `greeting has no text for supported locale "${locale}"`);
      continue;
    }
    const scan = scanTemplate(greeting, { helpers: promptHelpers, context: promptContext, allowPartials: false });
    if (!scan.ok) {
      sink.add(file, 'PACK034', `greeting.${locale}: ${scan.syntaxError.message}`);
      continue;
    }
    for (const issue of scan.issues) sink.add(file, 'PACK034', `greeting.${locale}: ${issue.message}`);
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
      for (const problem of problems) sink.add(file, scenarioSchemaRule(problem.pointer), problem.message);
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
    checkScenario(scenario, manifest, file, sink);
    inspection.scenarios.push(scenario);
  }
  checkScenarioSet(inspection.scenarios, displayPath(root, scenarioDir), sink);
  for (const locale of manifest.locales) {
    if (!inspection.scenarios.some((s) => s.locale === locale)) {
      sink.add(displayPath(root, scenarioDir), 'PACK041', `no scenario for supported locale "${locale}"`);
    }
  }
}
