/**
 * Data packages: profession packs, themes and locales. They are folders of JSON and Handlebars files,
 * never executed as code: `tero lint` (and the boot, and the upload) validates them with numbered rules
 * (`PACK010`, `THEME020`, `LOCALE012`…) before anything reads them.
 *
 * This file holds their types, the JSON Schemas the linter validates manifests against, and the fixed
 * vocabularies (template variables and helpers) that templates may use.
 *
 * @packageDocumentation
 */

/** A language code as used in folder names and manifest keys: `en`, `es`, `fr`, `pt-BR`. */
export type LocaleCode = string;

/**
 * A text in several languages, keyed by {@link LocaleCode}: `{ "en": "Cleaning", "es": "Limpieza" }`.
 * Every locale a pack lists in `locales` should have an entry (rule PACK030 warns otherwise).
 */
export type LocalizedText = Record<LocaleCode, string>;

/** Weekday keys of {@link WeeklyHours}, Monday first. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Opening hours per weekday, in the business's local time: a list of `[open, close]` intervals in
 * 24-hour `HH:MM` (`24:00` allowed as a close), ascending and not overlapping. `[]` means closed.
 *
 * @example `{ "mon": [["08:00", "12:00"], ["13:00", "17:00"]], "sun": [] }`
 */
export type WeeklyHours = Record<Weekday, [string, string][]>;

// ---------------------------------------------------------------------------------------------------
// Profession packs
// ---------------------------------------------------------------------------------------------------

/**
 * A service the business offers, as a default the owner edits at onboarding.
 */
export interface PackService {
  /** kebab-case, unique within the pack (PACK020): `cleaning`. */
  id: string;
  name: LocalizedText;
  /** How long a booking of this service lasts, in minutes. */
  durationMinutes: number;
  /** Default price in minor units of `currency` (cents): an integer ≥ 0 (PACK021). `0` means free. */
  priceMinor: number;
  /** ISO 4217 code, upper case (`USD`). Absent: the client's billing currency. */
  currency?: string;
  /** Whether the agent may book it on the phone; when false it only describes it and takes a message. */
  bookable: boolean;
  /** Minutes kept free after a booking of it (clean-up, travel): an integer ≥ 0 (PACK024). Absent: 0. */
  bufferMinutes?: number;
  /** Other words callers use for it, per locale, lower case: `{ "en": ["hygiene", "polish"] }`. */
  keywords?: Record<LocaleCode, string[]>;
}

/** A question callers often ask, with the answer the agent gives. */
export interface PackFaqEntry {
  /** kebab-case, unique within the pack: `insurance`. */
  id: string;
  question: LocalizedText;
  answer: LocalizedText;
  /** Words that, in a caller's question, point at this answer, per locale, lower case (PACK032). */
  keywords: Record<LocaleCode, string[]>;
}

/**
 * What a caller may want; the built-in engine recognises them from a generic lexicon per locale plus
 * the pack's {@link ProfessionPackManifest.intents} phrasings.
 */
export const PACK_INTENTS = ['book', 'reschedule', 'cancel', 'hours', 'faq', 'location', 'emergency', 'message', 'human'] as const;
export type PackIntent = (typeof PACK_INTENTS)[number];

/** What the agent does when a caller says an emergency keyword. */
export interface PackEmergencyPolicy {
  /** `transfer`: to the client's on-call number (a message when it has none); `message`: an urgent message. */
  action: 'transfer' | 'message';
  /** What the agent says first, per locale: "I'm putting you through to our on-call technician now." */
  say: LocalizedText;
}

/**
 * `profession-packs/<id>/pack.json`: what the agent of a business of this profession knows by default.
 *
 * Beside it, in the same folder:
 * - `prompts/<locale>.hbs`: the agent's system prompt per locale, a Handlebars template that may use only
 *   {@link PROMPT_VARIABLES} and {@link PROMPT_HELPERS} (PACK012). It is rendered with a {@link PromptContext}.
 * - `scenarios/*.json`: scripted calls ({@link PackScenario}) that the conversation tests replay; at least
 *   8 (PACK044), showing each of booked, message_taken, transferred and answered (PACK048), and at least
 *   one per supported locale (PACK041). Their conventions are in `profession-packs/README.md`.
 */
export interface ProfessionPackManifest {
  /** Optional pointer to a JSON Schema, for editors; ignored. */
  $schema?: string;
  /** kebab-case; must equal the folder name (PACK003). */
  id: string;
  /** Semver of the pack's content: `1.2.0`. */
  version: string;
  /** Name of the profession, shown when a client picks a pack: `{ "en": "Dental practice" }`. */
  name: LocalizedText;
  /** Locales the pack supports; each needs a prompt, emergency keywords and a scenario. */
  locales: LocaleCode[];
  description: LocalizedText;
  services: PackService[];
  faq: PackFaqEntry[];
  /**
   * Words or phrases that, heard from a caller, mean an emergency: the agent stops and transfers the
   * call to a human. Per locale, lower case, each list non-empty (PACK031).
   */
  emergencyKeywords: Record<LocaleCode, string[]>;
  /** Default opening hours the owner starts from. */
  hours: WeeklyHours;
  /** Path of the prompt template per locale, relative to the pack folder, under `prompts/`: `prompts/en.hbs`. */
  prompts: Record<LocaleCode, string>;
  /**
   * The agent's first words per locale, a Handlebars template over the same {@link PROMPT_VARIABLES}:
   * "Thank you for calling {{business.name}}, this is {{agent.name}}, a virtual assistant. How can I help?"
   */
  greeting: LocalizedText;
  /** Example phrasings per intent and locale that this profession's callers use (PACK033: each locale, each listed intent non-empty). */
  intents: Partial<Record<PackIntent, Record<LocaleCode, string[]>>>;
  emergencyPolicy: PackEmergencyPolicy;
  /** How many bookings can run at the same time by default (chairs, vans, staff): an integer ≥ 1 (PACK025). */
  capacity: number;
}

/** What a scenario turn expects the agent to have understood. */
export type ScenarioIntent = PackIntent;

/** Outcomes a scenario may expect; the same words as a call record's outcome. */
export const SCENARIO_OUTCOMES = ['booked', 'rescheduled', 'cancelled', 'message_taken', 'transferred', 'answered'] as const;
export type ScenarioOutcomeKind = (typeof SCENARIO_OUTCOMES)[number];

/** What the whole call must have produced; checked against the call record, the ledger and the messages. */
export interface ScenarioOutcome {
  outcome: ScenarioOutcomeKind;
  /** `booked`/`rescheduled`: the service id booked. */
  service?: string;
  /** `booked`/`rescheduled`: local start `YYYY-MM-DDTHH:MM` in the client's time zone. */
  start?: string;
  /** `message_taken`: the callback number stored, E.164. */
  callbackNumber?: string;
  /** `answered`: the FAQ entry whose answer the agent gave. */
  faq?: string;
  /** `transferred`: which of the client's numbers the call went to. */
  transferTo?: 'onCall' | 'transfer';
  /** The agent ended the call politely (said goodbye and hung up) rather than the caller hanging up. */
  endedByAgent?: boolean;
}

/** Bookings that exist before a scenario's call (for reschedule/cancel scenarios, or a busy calendar). */
export interface ScenarioExistingBooking {
  service: string;
  /** Local `YYYY-MM-DDTHH:MM`. */
  start: string;
  callerName: string;
  callerPhone: string;
}

/** One caller utterance and what the agent's reply must show. */
export interface ScenarioTurn {
  /** What the caller says. */
  caller: string;
  expect: {
    /** The intent the agent must recognise. */
    intent?: ScenarioIntent;
    /** Substrings (case-insensitive) the agent's reply must contain. */
    contains?: string[];
  };
}

/** `profession-packs/<id>/scenarios/<name>.json`: a scripted call in one locale. */
export interface PackScenario {
  $schema?: string;
  /** kebab-case, unique within the pack. */
  id: string;
  /** One of the pack's `locales`. */
  locale: LocaleCode;
  /** What the scenario checks, for people. */
  description: string;
  /** Caller id jambonz sends (`from`, E.164) and, optionally, `caller_name`. */
  caller: { number: string; name?: string };
  /** When the call happens, local `YYYY-MM-DDTHH:MM` in the client's time zone: relative dates ("tomorrow") resolve from it. */
  at: string;
  /** Bookings already in the calendar when the call starts. */
  existingBookings?: ScenarioExistingBooking[];
  turns: ScenarioTurn[];
  /** What the call must have produced. */
  expect: ScenarioOutcome;
}

/** An amount of money as prompt templates receive it: format it with `{{formatMoney price}}`. */
export interface Money {
  /** Integer minor units (cents). */
  amountMinor: number;
  /** ISO 4217 code. */
  currency: string;
}

/**
 * The data a pack's prompt template is rendered with. The renderer builds it from the client's own
 * settings (which start from the pack's defaults), in the call's locale.
 */
export interface PromptContext {
  business: { name: string; phone: string; address: string; timezone: string };
  /** One entry per weekday, Monday first. */
  hours: {
    /** Weekday name in the template's locale: `Monday`, `lunes`. */
    day: string;
    closed: boolean;
    intervals: [string, string][];
  }[];
  services: { name: string; durationMinutes: number; price: Money }[];
  faq: { question: string; answer: string }[];
  agent: { name: string };
  locale: LocaleCode;
}

/**
 * Every variable a prompt template may read; anything else is rule PACK012. `a.b` is a field of an
 * object, `a[].b` a field of each item of a list (read inside `{{#each a}}`, or through `this`,
 * `../`, `@root` and block parameters). A list or object itself (`services`, `business`) may be passed
 * to `each`, `with`, `if` or a helper. Inside `each`, `@index`, `@first` and `@last` are also allowed.
 */
export const PROMPT_VARIABLES = [
  'business.name',
  'business.phone',
  'business.address',
  'business.timezone',
  'hours[].day',
  'hours[].closed',
  'hours[].intervals',
  'services[].name',
  'services[].durationMinutes',
  'services[].price',
  'faq[].question',
  'faq[].answer',
  'agent.name',
  'locale',
] as const;

/**
 * Every helper a prompt template may call; anything else is rule PACK012. Partials are not available.
 * - `each`, `if`, `unless`, `with`: Handlebars built-ins.
 * - `eq a b`: strict equality, for `{{#if (eq locale "fr")}}`.
 * - `formatMoney price`: a {@link Money} as text in the template's locale: `$120.00`, `120,00 $US`.
 * - `formatHours hours`: the whole week as lines `Monday: 8:00 AM – 5:00 PM`; given one item of
 *   `hours`, that day's intervals only, or the locale's word for closed.
 */
export const PROMPT_HELPERS = ['each', 'if', 'unless', 'with', 'eq', 'formatMoney', 'formatHours'] as const;

// ---------------------------------------------------------------------------------------------------
// Themes
// ---------------------------------------------------------------------------------------------------

/** Version of the theme engine this release of Tero ships; a theme's `engine` range must accept it (THEME004). */
export const THEME_ENGINE_VERSION = '1.0.0';

/** Design tokens, exposed to CSS as custom properties. Colours are `#rgb` or `#rrggbb` (THEME020). */
export interface ThemeTokens {
  colorPrimary: string;
  /** Text on a `colorPrimary` background. */
  colorPrimaryText: string;
  colorAccent: string;
  colorBackground: string;
  /** Cards, panels. */
  colorSurface: string;
  colorText: string;
  colorMuted: string;
  /** A CSS `font-family` value. */
  fontFamily: string;
  /** A CSS length for corner radius: `6px`, `0.5rem`, `0`. */
  radius: string;
}

/**
 * A custom setting a brand can change in the portal without editing the theme (Ghost's custom
 * settings). `default` must match `type`; a `select` lists its `options` and its default is one of them.
 */
export type ThemeSetting =
  | { type: 'color'; default: string; description?: string }
  | { type: 'text'; default: string; description?: string }
  | { type: 'boolean'; default: boolean; description?: string }
  | { type: 'select'; default: string; options: string[]; description?: string };

/**
 * `themes/<id>/theme.json`. Beside it:
 * - `layouts/main.hbs` (required): wraps every page, which it receives as `{{{body}}}`;
 * - `pages/<name>.hbs`, at least {@link REQUIRED_THEME_PAGES};
 * - `partials/<name>.hbs`, included as `{{> name}}` (top-level files only: sub-folders are ignored);
 * - `assets/theme.css` (optional), inlined by the layout from `{{{themeCss}}}`.
 *
 * Templates may call only {@link THEME_HELPERS} (THEME013), and include only partials that exist (THEME012).
 * A block (`{{#name}}`) must be a helper: implicit sections over data are refused, so that a typo is
 * caught rather than rendered as nothing.
 */
export interface ThemeManifest {
  $schema?: string;
  /** kebab-case; must equal the folder name (THEME003). */
  id: string;
  name: string;
  /** Semver of the theme. */
  version: string;
  /** Semver range of the theme engine the theme works with: `^1.0.0`. */
  engine: string;
  tokens: ThemeTokens;
  /** Keys are camelCase. */
  settings?: Record<string, ThemeSetting>;
}

/** Pages every theme provides (`pages/<name>.hbs`), rule THEME010. */
export const REQUIRED_THEME_PAGES = [
  'login',
  'magic-link',
  'magic-link-sent',
  'dashboard',
  'brand-clients',
  'operator-plugins',
  'operator-outbox',
  'error',
] as const;

/**
 * Helpers the theme engine registers; templates may call no others (THEME013).
 * - Built-ins: `if`, `unless`, `each`, `with`, `lookup`, `log`.
 * - `t key [var=value…]`: translation from the `ui` namespace (or `ns:key`) in the request's locale.
 * - `eq a b`, `not a`, `and a b…`, `or a b…`: logic for `{{#if (and a (not b))}}`.
 * - `json value`: JSON text (with `<` escaped), for embedding data in a `<script type="application/json">`.
 * - `formatDate value`, `formatNumber value`: `Intl` formatting in the request's locale.
 *
 * Variables are page-specific and not checked by the linter; every page and the layout also receive
 * `locale`, `tokens` (the theme's {@link ThemeTokens} with the brand's overrides) and `themeCss`, and
 * the layout receives `body` and `title`.
 */
export const THEME_HELPERS = [
  'if',
  'unless',
  'each',
  'with',
  'lookup',
  'log',
  't',
  'eq',
  'not',
  'and',
  'or',
  'json',
  'formatDate',
  'formatNumber',
] as const;

// ---------------------------------------------------------------------------------------------------
// Locales
// ---------------------------------------------------------------------------------------------------

/**
 * i18next namespaces: each locale is a folder `locales/<lng>/` holding one `<namespace>.json` per
 * namespace, nested keys, `{{var}}` interpolation, plural forms as `key_one` / `key_other`. `en` is
 * the reference: other locales have the same keys (LOCALE010) with the same variables (LOCALE012).
 */
export const LOCALE_NAMESPACES = ['ui', 'emails', 'calls', 'errors', 'billing', 'numbers', 'monitoring', 'recordings', 'onboarding', 'voices', 'prompts', 'analytics'] as const;
export type LocaleNamespace = (typeof LOCALE_NAMESPACES)[number];

/** The locale every other one is compared with. */
export const REFERENCE_LOCALE = 'en';

/** Content of one namespace file: nested objects whose leaves are non-empty strings. */
export interface LocaleResource {
  [key: string]: string | LocaleResource;
}

// ---------------------------------------------------------------------------------------------------
// JSON Schemas (draft-07, Ajv strict mode with `discriminator: true`). Cross-field rules (locales present, ids unique, prices,
// colours, engine range) are checked by the linter with their own rule codes.
// ---------------------------------------------------------------------------------------------------

const kebabId = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 } as const;
const localeCode = { type: 'string', pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' } as const;
const semverPattern =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';
const localizedText = {
  type: 'object',
  minProperties: 1,
  propertyNames: localeCode,
  additionalProperties: { type: 'string', minLength: 1 },
} as const;
const time = { type: 'string', pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$' } as const;
const dayHours = { type: 'array', items: { type: 'array', items: time, minItems: 2, maxItems: 2 } } as const;
const colorPattern = '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$';
const color = { type: 'string', pattern: colorPattern } as const;

const keywordList = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true } as const;
const keywordsPerLocale = { type: 'object', propertyNames: localeCode, additionalProperties: keywordList } as const;
/** A local date-time `YYYY-MM-DDTHH:MM` (the linter checks that the date exists, PACK046). */
const localDateTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$' } as const;
/** E.164: `+` and 7 to 15 digits, the first not 0 (PACK046). */
const e164 = { type: 'string', pattern: '^\\+[1-9]\\d{6,14}$' } as const;

/** JSON Schema of {@link ProfessionPackManifest}. */
export const professionPackManifestSchema = {
  $id: 'https://tero.voice/schemas/profession-pack.json',
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'version',
    'name',
    'locales',
    'description',
    'services',
    'faq',
    'emergencyKeywords',
    'hours',
    'prompts',
    'greeting',
    'intents',
    'emergencyPolicy',
    'capacity',
  ],
  properties: {
    $schema: { type: 'string' },
    id: kebabId,
    version: { type: 'string', pattern: semverPattern },
    name: localizedText,
    locales: { type: 'array', items: localeCode, minItems: 1, uniqueItems: true },
    description: localizedText,
    services: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'durationMinutes', 'priceMinor', 'bookable'],
        properties: {
          id: kebabId,
          name: localizedText,
          durationMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
          priceMinor: { type: 'integer', minimum: 0 },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          bookable: { type: 'boolean' },
          bufferMinutes: { type: 'integer', minimum: 0, maximum: 1440 },
          keywords: keywordsPerLocale,
        },
      },
    },
    faq: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'question', 'answer', 'keywords'],
        properties: { id: kebabId, question: localizedText, answer: localizedText, keywords: keywordsPerLocale },
      },
    },
    emergencyKeywords: keywordsPerLocale,
    hours: {
      type: 'object',
      additionalProperties: false,
      required: [...WEEKDAYS],
      properties: Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours])),
    },
    prompts: {
      type: 'object',
      propertyNames: localeCode,
      additionalProperties: { type: 'string', pattern: '^prompts/[A-Za-z0-9._/-]+\\.hbs$' },
    },
    greeting: localizedText,
    intents: {
      type: 'object',
      propertyNames: { enum: [...PACK_INTENTS] },
      additionalProperties: {
        type: 'object',
        propertyNames: localeCode,
        additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      },
    },
    emergencyPolicy: {
      type: 'object',
      additionalProperties: false,
      required: ['action', 'say'],
      properties: { action: { enum: ['transfer', 'message'] }, say: localizedText },
    },
    capacity: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;

const existingBooking = {
  type: 'object',
  additionalProperties: false,
  required: ['service', 'start', 'callerName', 'callerPhone'],
  properties: {
    service: kebabId,
    start: localDateTime,
    callerName: { type: 'string', minLength: 1 },
    callerPhone: e164,
  },
} as const;

/** JSON Schema of {@link PackScenario}. */
export const packScenarioSchema = {
  $id: 'https://tero.voice/schemas/pack-scenario.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'locale', 'description', 'caller', 'at', 'turns', 'expect'],
  properties: {
    $schema: { type: 'string' },
    id: kebabId,
    locale: localeCode,
    description: { type: 'string', minLength: 1 },
    caller: {
      type: 'object',
      additionalProperties: false,
      required: ['number'],
      properties: { number: e164, name: { type: 'string', minLength: 1 } },
    },
    at: localDateTime,
    existingBookings: { type: 'array', items: existingBooking },
    turns: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['caller', 'expect'],
        properties: {
          caller: { type: 'string', minLength: 1 },
          expect: {
            type: 'object',
            additionalProperties: false,
            properties: {
              intent: { enum: [...PACK_INTENTS] },
              contains: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
            },
          },
        },
      },
    },
    expect: {
      type: 'object',
      additionalProperties: false,
      required: ['outcome'],
      properties: {
        outcome: { enum: [...SCENARIO_OUTCOMES] },
        service: kebabId,
        start: localDateTime,
        callbackNumber: e164,
        faq: kebabId,
        transferTo: { enum: ['onCall', 'transfer'] },
        endedByAgent: { type: 'boolean' },
      },
    },
  },
} as const;

const settingBase = { description: { type: 'string' } } as const;

/** JSON Schema of {@link ThemeManifest}. */
export const themeManifestSchema = {
  $id: 'https://tero.voice/schemas/theme.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'version', 'engine', 'tokens'],
  properties: {
    $schema: { type: 'string' },
    id: kebabId,
    name: { type: 'string', minLength: 1 },
    version: { type: 'string', pattern: semverPattern },
    engine: { type: 'string', minLength: 1 },
    tokens: {
      type: 'object',
      additionalProperties: false,
      required: [
        'colorPrimary',
        'colorPrimaryText',
        'colorAccent',
        'colorBackground',
        'colorSurface',
        'colorText',
        'colorMuted',
        'fontFamily',
        'radius',
      ],
      properties: {
        colorPrimary: color,
        colorPrimaryText: color,
        colorAccent: color,
        colorBackground: color,
        colorSurface: color,
        colorText: color,
        colorMuted: color,
        fontFamily: { type: 'string', minLength: 1 },
        radius: { type: 'string', pattern: '^(0|\\d+(\\.\\d+)?(px|rem|em|%))$' },
      },
    },
    settings: {
      type: 'object',
      propertyNames: { type: 'string', pattern: '^[a-z][a-zA-Z0-9]*$' },
      // `discriminator` (Ajv option `discriminator: true`) picks the branch by `type`, so errors name one branch.
      additionalProperties: {
        type: 'object',
        discriminator: { propertyName: 'type' },
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'default'],
            properties: { ...settingBase, type: { const: 'color' }, default: color },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'default'],
            properties: { ...settingBase, type: { const: 'text' }, default: { type: 'string' } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'default'],
            properties: { ...settingBase, type: { const: 'boolean' }, default: { type: 'boolean' } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'default', 'options'],
            properties: {
              ...settingBase,
              type: { const: 'select' },
              default: { type: 'string' },
              options: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
            },
          },
        ],
      },
    },
  },
} as const;
