/**
 * Every rule the data-package linter checks, with its fixed level. Codes are stable: CI logs, the upload
 * page and the docs refer to them. A new check gets a new code; a code is never reused.
 */
export const LINT_RULES = {
  PACK001: { level: 'error', summary: 'pack.json missing or not valid JSON' },
  PACK002: { level: 'error', summary: 'pack.json does not match the schema' },
  PACK003: { level: 'error', summary: 'pack id differs from its folder name' },
  PACK010: { level: 'error', summary: 'prompt template missing for a supported locale' },
  PACK011: { level: 'error', summary: 'prompt template syntax error' },
  PACK012: { level: 'error', summary: 'unknown variable, helper or partial in a prompt template' },
  PACK020: { level: 'error', summary: 'duplicate service id' },
  PACK021: { level: 'error', summary: 'service price is not a non-negative integer of minor units' },
  PACK022: { level: 'error', summary: 'duplicate FAQ id' },
  PACK023: { level: 'error', summary: 'opening hours intervals not ascending or overlapping' },
  PACK030: { level: 'warning', summary: 'a text lacks a supported locale' },
  PACK031: { level: 'error', summary: 'emergency keywords missing for a supported locale' },
  PACK040: { level: 'error', summary: 'scenario file invalid' },
  PACK041: { level: 'warning', summary: 'no scenario for a supported locale' },
  PACK042: { level: 'error', summary: 'scenario locale not supported by the pack' },
  PACK043: { level: 'error', summary: 'duplicate scenario id' },
  THEME001: { level: 'error', summary: 'theme.json missing or not valid JSON' },
  THEME002: { level: 'error', summary: 'theme.json does not match the schema' },
  THEME003: { level: 'error', summary: 'theme id differs from its folder name' },
  THEME004: { level: 'error', summary: 'engine range not satisfied by this theme engine' },
  THEME010: { level: 'error', summary: 'required layout or page missing' },
  THEME011: { level: 'error', summary: 'template syntax error' },
  THEME012: { level: 'error', summary: 'unknown partial' },
  THEME013: { level: 'error', summary: 'unknown helper' },
  THEME020: { level: 'error', summary: 'invalid colour' },
  THEME030: { level: 'warning', summary: 'partial never used' },
  LOCALE001: { level: 'error', summary: 'locale file not valid JSON or not nested strings' },
  LOCALE002: { level: 'error', summary: 'unknown namespace file or locale folder' },
  LOCALE003: { level: 'error', summary: 'reference locale en missing' },
  LOCALE010: { level: 'error', summary: 'key of en missing in another locale' },
  LOCALE011: { level: 'warning', summary: 'key not present in en' },
  LOCALE012: { level: 'error', summary: 'interpolation variables differ from en' },
  LOCALE013: { level: 'error', summary: 'empty string' },
} as const satisfies Record<string, { level: 'error' | 'warning'; summary: string }>;

export type LintRuleCode = keyof typeof LINT_RULES;
