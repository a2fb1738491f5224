import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PAYMENT_ERRORS } from '@tero/sdk';
import { SUPPORTED_LOCALES } from '../../core/src/i18n/i18n';
import { BILLING_ERRORS } from './billing-errors';

const root = join(__dirname, '../../..');

/** TypeScript sources (not specs) under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every `billing.*` code thrown under libs/billing (literal codes, and the BILLING_ERRORS table), and the port's payment.* codes, which webhooks pass on. */
function thrownCodes(): string[] {
  const codes = new Set<string>([...Object.values(BILLING_ERRORS), ...Object.values(PAYMENT_ERRORS)]);
  for (const file of sources(join(root, 'libs/billing/src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:new TeroError|super)\(\s*'((?:billing|payment)\.[a-z_]+)'/g)) codes.add(match[1]!);
  }
  return [...codes].sort();
}

describe('billing error messages', () => {
  it('every billing.* and payment.* code has a message in the errors namespace of every locale', () => {
    const codes = thrownCodes();
    expect(codes).toEqual(expect.arrayContaining(['billing.currency_mismatch', 'billing.plan_not_found', 'billing.transition_refused', 'payment.signature_invalid']));
    for (const locale of SUPPORTED_LOCALES) {
      const errors = JSON.parse(readFileSync(join(root, 'locales', locale, 'errors.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
      const missing = codes.filter((code) => {
        const [namespace, key] = code.split('.') as [string, string];
        const message = errors[namespace]?.[key];
        return typeof message !== 'string' || message.trim() === '';
      });
      expect({ locale, missing }).toEqual({ locale, missing: [] });
    }
  });

  it('every language fills in the same params', () => {
    const en = JSON.parse(readFileSync(join(root, 'locales/en/errors.json'), 'utf8')) as { billing: Record<string, string> };
    // Placeholders must be the same in every language, so that no translation shows a raw {{name}}.
    for (const locale of SUPPORTED_LOCALES) {
      const other = JSON.parse(readFileSync(join(root, 'locales', locale, 'errors.json'), 'utf8')) as { billing: Record<string, string> };
      for (const [key, message] of Object.entries(en.billing)) {
        const names = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        expect({ locale, key, names: names(other.billing[key] ?? '') }).toEqual({ locale, key, names: names(message) });
      }
    }
  });
});
