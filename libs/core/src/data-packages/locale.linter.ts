import { join, resolve } from 'node:path';
import { LOCALE_NAMESPACES, REFERENCE_LOCALE } from '@tero/sdk';
import { FindingSink, toReport, type LintReport } from './lint-report';
import { displayPath, listDirectories, listFiles, readJsonFile } from './package-files';
import type { LintOptions } from './pack.linter';

const namespaces: ReadonlySet<string> = new Set(LOCALE_NAMESPACES);
const LOCALE_FOLDER = /^[a-z]{2,3}(-[A-Z]{2})?$/;
// i18next plural and ordinal suffixes: `items_one`, `place_ordinal_two`. Locales differ in which forms
// they need (French has `_many`), so keys are compared by their base.
const PLURAL_SUFFIX = /_(ordinal_)?(zero|one|two|few|many|other)$/;
// `{{name}}`, `{{- name}}` (unescaped), `{{count, number}}` (formatted).
const INTERPOLATION = /\{\{-?\s*([^,}\s]+)\s*(?:,[^}]*)?\}\}/g;

export interface LocaleInspection {
  /** Locales (folder names) without errors. */
  valid: string[];
  sink: FindingSink;
}

/** Flattened strings of one namespace file: dotted key → text. */
type Strings = Map<string, string>;

/** Lints `locales/<lng>/<namespace>.json` against `en` (rules LOCALE0xx). */
export async function lintLocales(localesDir: string, options: LintOptions = {}): Promise<LintReport> {
  return toReport((await inspectLocales(localesDir, options)).sink.findings);
}

export async function inspectLocales(localesDir: string, options: LintOptions = {}): Promise<LocaleInspection> {
  const absDir = resolve(localesDir);
  const root = resolve(options.root ?? process.cwd());
  const sink = new FindingSink();
  const loaded = new Map<string, Map<string, Strings>>(); // locale → namespace → strings
  const unreadable = new Set<string>(); // `locale/ns` files already reported as LOCALE001
  const fileOf = (locale: string, ns: string) => displayPath(root, join(absDir, locale, `${ns}.json`));

  const locales = await listDirectories(absDir);
  for (const locale of locales) {
    if (!LOCALE_FOLDER.test(locale)) {
      sink.add(displayPath(root, join(absDir, locale)), 'LOCALE002', `"${locale}" is not a language code (en, es, pt-BR)`);
      continue;
    }
    const byNamespace = new Map<string, Strings>();
    loaded.set(locale, byNamespace);
    for (const name of await listFiles(join(absDir, locale))) {
      const ns = name.replace(/\.json$/, '');
      const file = displayPath(root, join(absDir, locale, name));
      if (!name.endsWith('.json') || !namespaces.has(ns)) {
        sink.add(file, 'LOCALE002', `unknown namespace file; expected one of ${LOCALE_NAMESPACES.map((n) => `${n}.json`).join(', ')}`);
        continue;
      }
      const read = await readJsonFile(join(absDir, locale, name));
      const strings = read.ok ? flatten(read.value, '', file, sink) : undefined;
      if (!read.ok) sink.add(file, 'LOCALE001', read.message, read);
      if (!strings) {
        unreadable.add(`${locale}/${ns}`);
        continue;
      }
      byNamespace.set(ns, strings);
      for (const [key, text] of strings) if (text.trim() === '') sink.add(file, 'LOCALE013', `"${key}" is empty`);
    }
  }

  const reference = loaded.get(REFERENCE_LOCALE);
  if (!reference) {
    if (locales.length > 0) sink.add(displayPath(root, absDir), 'LOCALE003', `reference locale "${REFERENCE_LOCALE}" is missing`);
  } else {
    for (const [locale, byNamespace] of loaded) {
      if (locale === REFERENCE_LOCALE) continue;
      const readable = (ns: string) => !unreadable.has(`${locale}/${ns}`);
      compareWithReference(reference, byNamespace, readable, (ns) => fileOf(locale, ns), sink);
    }
  }

  const broken = new Set(sink.findings.filter((f) => f.level === 'error').map((f) => f.file.split('/').at(-2)));
  const valid = reference && !broken.has(REFERENCE_LOCALE) ? [...loaded.keys()].filter((l) => !broken.has(l)) : [];
  return { valid, sink };
}

function flatten(value: unknown, prefix: string, file: string, sink: FindingSink, out: Strings = new Map()): Strings | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    sink.add(file, 'LOCALE001', `${prefix || 'the file'} must be an object of strings or nested objects`);
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === 'string') out.set(path, child);
    else if (!flatten(child, path, file, sink, out)) return undefined;
  }
  return out;
}

const baseKey = (key: string) => key.replace(PLURAL_SUFFIX, '');

/** Variables used by every form of each base key. */
function variablesByBase(strings: Strings): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [key, text] of strings) {
    const vars = out.get(baseKey(key)) ?? new Set<string>();
    for (const match of text.matchAll(INTERPOLATION)) vars.add(match[1]);
    out.set(baseKey(key), vars);
  }
  return out;
}

function compareWithReference(
  reference: Map<string, Strings>,
  locale: Map<string, Strings>,
  readable: (ns: string) => boolean,
  fileOf: (ns: string) => string,
  sink: FindingSink,
) {
  for (const ns of new Set([...reference.keys(), ...locale.keys()])) {
    if (!readable(ns)) continue;
    const file = fileOf(ns);
    const ref = reference.get(ns);
    const own = locale.get(ns);
    if (!ref) {
      if (own) for (const key of own.keys()) sink.add(file, 'LOCALE011', `"${key}" is not in ${REFERENCE_LOCALE}`);
      continue;
    }
    if (!own) {
      sink.add(file, 'LOCALE010', `namespace file missing (${ref.size} key${ref.size === 1 ? '' : 's'} in ${REFERENCE_LOCALE})`);
      continue;
    }
    const refVars = variablesByBase(ref);
    const ownVars = variablesByBase(own);
    for (const [key, vars] of refVars) {
      const mine = ownVars.get(key);
      if (!mine) {
        sink.add(file, 'LOCALE010', `"${key}" is missing (present in ${REFERENCE_LOCALE})`);
        continue;
      }
      const lacking = [...vars].filter((v) => !mine.has(v));
      const extra = [...mine].filter((v) => !vars.has(v));
      if (lacking.length > 0 || extra.length > 0) {
        const parts = [
          lacking.length ? `lacks ${lacking.map((v) => `{{${v}}}`).join(', ')}` : '',
          extra.length ? `has ${extra.map((v) => `{{${v}}}`).join(', ')} not in ${REFERENCE_LOCALE}` : '',
        ].filter(Boolean);
        sink.add(file, 'LOCALE012', `"${key}" ${parts.join(' and ')}`);
      }
    }
    for (const key of ownVars.keys()) {
      if (!refVars.has(key)) sink.add(file, 'LOCALE011', `"${key}" is not in ${REFERENCE_LOCALE}`);
    }
  }
}
