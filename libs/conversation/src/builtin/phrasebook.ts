import type { i18n as I18n, TFunction } from 'i18next';
import type { AgentKnowledge } from '../engine.port';

/**
 * The `calls` sentences of one locale, as the built-in engine says them. i18next's `t` copies its
 * whole option set on every call, which made it the largest single cost of a turn; a phrasebook asks
 * i18next once per key for the sentence (language fallback included) and keeps it split around its
 * `{{name}}` placeholders, then fills them in as i18next would (a value given fills it, a name given
 * as undefined or null empties it, a name not given stays as written). Anything else i18next would
 * treat specially (nesting, formats, plurals or context, post-processing, escaping) is left to
 * i18next itself, key by key and call by call, so the words said never differ.
 *
 * It also keeps sentences built from one business's knowledge (the week's hours, say), which change
 * only with that knowledge: see {@link Phrasebook.remember}.
 */
export class Phrasebook {
  private static readonly books = new WeakMap<I18n, Map<string, Phrasebook>>();

  private readonly t: TFunction;
  private readonly compiled = new Map<string, Template | null>();
  private readonly remembered = new WeakMap<AgentKnowledge, Map<string, unknown>>();
  /** Whether the instance's interpolation is the plain one this class reproduces. */
  private readonly plain: boolean;

  /** The phrasebook of `locale` over `i18n`, built on first use and then shared. */
  static of(i18n: I18n, locale: string): Phrasebook {
    let byLocale = Phrasebook.books.get(i18n);
    if (!byLocale) {
      byLocale = new Map();
      Phrasebook.books.set(i18n, byLocale);
    }
    let book = byLocale.get(locale);
    if (!book) {
      book = new Phrasebook(i18n, locale);
      byLocale.set(locale, book);
    }
    return book;
  }

  private constructor(
    private readonly i18n: I18n,
    readonly locale: string,
  ) {
    this.t = i18n.getFixedT(locale, 'calls');
    const options = i18n.options;
    const interpolation = options.interpolation ?? {};
    this.plain =
      interpolation.escapeValue === false &&
      (interpolation.prefix ?? '{{') === '{{' &&
      (interpolation.suffix ?? '}}') === '}}' &&
      !interpolation.prefixEscaped &&
      !interpolation.suffixEscaped &&
      (interpolation.unescapePrefix ?? '-') === '-' &&
      !interpolation.unescapeSuffix &&
      (interpolation.nestingPrefix ?? '$t(') === '$t(' &&
      !interpolation.alwaysFormat &&
      !interpolation.defaultVariables &&
      interpolation.skipOnVariables !== false &&
      !options.missingInterpolationHandler &&
      !options.postProcess &&
      !i18n.services?.i18nFormat;
  }

  /** The sentence `key` of the `calls` namespace with `params` filled in. */
  text(key: string, params?: Record<string, string>): string {
    let template = this.compiled.get(key);
    if (template === undefined) {
      template = this.compile(key);
      this.compiled.set(key, template);
    }
    if (template === null || (params !== undefined && hasOptionName(params))) return this.t(key, params ?? {}) as string;
    return template.fill(params);
  }

  /**
   * A value derived from `knowledge` in this locale, made once by `make` and then kept as long as
   * that knowledge object lives: the business's hours or prices as the agent says them.
   */
  remember<T>(knowledge: AgentKnowledge, key: string, make: () => T): T {
    let values = this.remembered.get(knowledge);
    if (!values) {
      values = new Map();
      this.remembered.set(knowledge, values);
    }
    if (values.has(key)) return values.get(key) as T;
    const value = make();
    values.set(key, value);
    return value;
  }

  /** The key's sentence split around its placeholders, or null when i18next has to say it itself. */
  private compile(key: string): Template | null {
    if (!this.plain || !this.i18n.exists(key, { lng: this.locale, ns: 'calls' })) return null;
    const raw: unknown = this.t(key, { skipInterpolation: true, returnObjects: true });
    if (typeof raw !== 'string' || raw.includes('$t(')) return null;
    return Template.parse(raw);
  }
}

/** i18next reads these names in a call's values as options (plurals, context, language…), not as placeholders. */
const OPTION_NAMES = new Set([
  'count',
  'context',
  'ordinal',
  'defaultValue',
  'replace',
  'lng',
  'lngs',
  'fallbackLng',
  'ns',
  'keyPrefix',
  'keySeparator',
  'nsSeparator',
  'returnObjects',
  'returnDetails',
  'joinArrays',
  'postProcess',
  'interpolation',
  'skipInterpolation',
  'nest',
  'appendNamespaceToCIMode',
  'appendNamespaceToMissingKey',
  'missingKeyNoValueFallbackToKey',
  'applyPostProcessor',
]);

function hasOptionName(params: Record<string, string>): boolean {
  for (const name in params) if (OPTION_NAMES.has(name) || name.startsWith('defaultValue')) return true;
  return false;
}

const PLACEHOLDER = /\{\{(.+?)\}\}/g;
const PLAIN_NAME = /^[A-Za-z_$][\w$]*$/;

/** A sentence as literal pieces and placeholder names, alternating: `pieces[0] names[0] pieces[1] …`. */
class Template {
  private constructor(
    private readonly pieces: string[],
    /** Each placeholder's name, and how it was written (kept when no value is given for it). */
    private readonly slots: { name: string; written: string }[],
  ) {}

  /** The template of `raw`, or null when a placeholder is more than a plain name (a format, a path, an unescape). */
  static parse(raw: string): Template | null {
    const pieces: string[] = [];
    const slots: { name: string; written: string }[] = [];
    let last = 0;
    for (const match of raw.matchAll(PLACEHOLDER)) {
      const name = match[1]!.trim();
      if (!PLAIN_NAME.test(name) || OPTION_NAMES.has(name) || name.startsWith('defaultValue')) return null;
      pieces.push(raw.slice(last, match.index));
      slots.push({ name, written: match[0] });
      last = match.index + match[0].length;
    }
    pieces.push(raw.slice(last));
    return new Template(pieces, slots);
  }

  fill(params: Record<string, string> | undefined): string {
    if (this.slots.length === 0) return this.pieces[0]!;
    let text = this.pieces[0]!;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      // i18next reads only a value's own properties: a name not given keeps its placeholder, one given as undefined or null says nothing.
      if (!params || !Object.prototype.hasOwnProperty.call(params, slot.name)) text += slot.written;
      else {
        const value: unknown = params[slot.name];
        text += value === undefined || value === null ? '' : String(value);
      }
      text += this.pieces[i + 1]!;
    }
    return text;
  }
}
