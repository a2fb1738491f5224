import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { createI18n } from '@tero/core';
import i18next, { type i18n as I18n } from 'i18next';
import type { AgentKnowledge } from '../engine.port';
import { Phrasebook } from './phrasebook';

const repo = resolve(__dirname, '../../../..');

/** Every key of a nested translation file, with the placeholder names of its sentence. */
function keysOf(tree: Record<string, unknown>, prefix = ''): { key: string; names: string[] }[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string'
      ? [{ key: `${prefix}${k}`, names: [...v.matchAll(/\{\{(.+?)\}\}/g)].map((m) => m[1]!.trim()) }]
      : keysOf(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

describe('Phrasebook', () => {
  let i18n: I18n;
  const keys = keysOf(JSON.parse(readFileSync(join(repo, 'locales/en/calls.json'), 'utf8')) as Record<string, unknown>);

  beforeAll(async () => {
    i18n = await createI18n(join(repo, 'locales'));
  });

  it('says every sentence of the calls namespace as i18next does, whatever values are given or left out', () => {
    expect(keys.length).toBeGreaterThan(50);
    for (const locale of ['en', 'es', 'fr', 'fr-CA', 'de']) {
      const book = Phrasebook.of(i18n, locale);
      const t = i18n.getFixedT(locale, 'calls');
      for (const { key, names } of keys) {
        const cases: Record<string, string>[] = [
          {},
          Object.fromEntries(names.map((n, i) => [n, `value ${i}`])),
          Object.fromEntries(names.map((n) => [n, '{{business}} $t(agent.goodbye) {{- x}}'])),
          Object.fromEntries(names.slice(1).map((n) => [n, ''])),
          { ...Object.fromEntries(names.map((n) => [n, undefined as unknown as string])), unrelated: 'x' },
          Object.fromEntries(names.map((n) => [n, null as unknown as string])),
        ];
        for (const params of cases) expect(`${locale} ${key}: ${book.text(key, params)}`).toBe(`${locale} ${key}: ${t(key, params)}`);
        expect(book.text(key)).toBe(t(key, {}));
      }
    }
  });

  it('leaves to i18next what it treats as options, missing keys and sentences it nests or formats', async () => {
    const custom = i18next.createInstance();
    await custom.init({
      lng: 'en',
      fallbackLng: 'en',
      interpolation: { escapeValue: false },
      initAsync: false,
      showSupportNotice: false,
      resources: {
        en: {
          calls: {
            nested: 'Hello $t(calls:name)',
            name: 'Ava',
            formatted: 'At {{when, uppercase}}',
            items_one: 'one item',
            items_other: '{{count}} items',
            item: 'plain {{count}}',
            tree: { leaf: 'leaf' },
            greet: 'Hello',
            greet_other: 'Hello all',
            greet_formal: 'Good day',
          },
        },
      },
    } as Parameters<I18n['init']>[0]);
    custom.services.formatter?.add('uppercase', (value: string) => value.toUpperCase());
    const book = Phrasebook.of(custom, 'en');
    const t = custom.getFixedT('en', 'calls');
    for (const [key, params] of [
      ['nested', {}],
      ['formatted', { when: 'noon' }],
      ['items', { count: 3 as unknown as string }],
      ['item', { count: 1 as unknown as string }],
      ['tree', {}],
      ['greet', {}],
      ['greet', { count: 2 as unknown as string }],
      ['greet', { context: 'formal' }],
      ['absent.key', { x: 'y' }],
    ] as const) {
      expect(book.text(key, params)).toBe(t(key, params));
    }
    expect(book.text('nested')).toBe('Hello Ava');
    expect(book.text('items', { count: 3 as unknown as string })).toBe('3 items');
    expect(book.text('greet', { context: 'formal' })).toBe('Good day');
  });

  it('escapes values as i18next does when the instance escapes them', async () => {
    const escaping = i18next.createInstance();
    await escaping.init({ lng: 'en', initAsync: false, showSupportNotice: false, resources: { en: { calls: { hi: 'Hi {{name}}' } } } } as Parameters<I18n['init']>[0]);
    expect(Phrasebook.of(escaping, 'en').text('hi', { name: '<b>' })).toBe(escaping.getFixedT('en', 'calls')('hi', { name: '<b>' }));
  });

  it('remembers a value per knowledge object, made once', () => {
    const book = Phrasebook.of(i18n, 'en');
    const one = {} as AgentKnowledge;
    const other = {} as AgentKnowledge;
    let made = 0;
    const make = () => `made ${++made}`;
    expect(book.remember(one, 'week', make)).toBe('made 1');
    expect(book.remember(one, 'week', make)).toBe('made 1');
    expect(book.remember(other, 'week', make)).toBe('made 2');
    expect(Phrasebook.of(i18n, 'es').remember(one, 'week', make)).toBe('made 3');
  });
});
