import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TeroError } from '@tero/sdk';
import { SUPPORTED_LOCALES } from '../../../core/src/i18n/i18n';
import { API_ERRORS, badCursor, badParameter, callNotFound, keyInvalid, keyMissing, keyNotFound, keyRevoked, rateLimited, scopeMissing, tooManyKeys, unknownParameter } from './api-keys.errors';

const root = join(__dirname, '../../../..');
const messagesOf = (locale: string) => (JSON.parse(readFileSync(join(root, 'locales', locale, 'errors.json'), 'utf8')) as { analytics: Record<string, string> }).analytics;
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

/** One of each refusal, with the params it really carries. */
const ERRORS: TeroError[] = [
  keyMissing(),
  keyInvalid(),
  keyRevoked('tero_live_ab12cd34'),
  keyNotFound(),
  tooManyKeys(20),
  scopeMissing('calls:read'),
  rateLimited(60, 12),
  unknownParameter('outcom', ['from', 'to']),
  badParameter('limit', 'a whole number from 1 to 100'),
  badCursor(),
  callNotFound(),
];

describe('client API errors', () => {
  it('covers every code once', () => {
    expect(ERRORS.map((e) => e.code).sort()).toEqual(Object.values(API_ERRORS).sort());
  });

  it.each(SUPPORTED_LOCALES)('has a message in %s for each, whose placeholders are the params it carries', (locale) => {
    const messages = messagesOf(locale);
    for (const error of ERRORS) {
      const text = messages[error.code.replace(/^analytics\./, '')];
      expect([error.code, typeof text]).toEqual([error.code, 'string']);
      for (const name of placeholders(text!)) expect([error.code, name, name in error.params]).toEqual([error.code, name, true]);
    }
  });

  it('answers with the status the API documents', () => {
    expect(ERRORS.map((e) => [e.code, e.options.status])).toEqual([
      [API_ERRORS.keyMissing, 401],
      [API_ERRORS.keyInvalid, 401],
      [API_ERRORS.keyRevoked, 401],
      [API_ERRORS.keyNotFound, 404],
      [API_ERRORS.tooManyKeys, 409],
      [API_ERRORS.scopeMissing, 403],
      [API_ERRORS.rateLimited, 429],
      [API_ERRORS.unknownParameter, 400],
      [API_ERRORS.badParameter, 400],
      [API_ERRORS.badCursor, 400],
      [API_ERRORS.callNotFound, 404],
    ]);
  });
});
