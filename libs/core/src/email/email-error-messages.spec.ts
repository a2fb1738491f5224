import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SUPPORTED_LOCALES } from '../i18n/i18n';

const root = join(__dirname, '../../../..');

/** TypeScript sources (not specs) under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.parentPath.includes('node_modules'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every `email.*` error code the e-mail transports throw (the outbox and the e-mail plugins). */
function thrownEmailCodes(): Set<string> {
  const files = [...sources(join(root, 'libs/core/src/email')), ...sources(join(root, 'plugins')).filter((file) => file.includes('/email-'))];
  const codes = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/new TeroError\(\s*'(email\.[a-z_]+)'/g)) codes.add(match[1]);
  }
  return codes;
}

describe('e-mail error messages', () => {
  it('every email.* code a transport throws has a message in the errors namespace of every locale', () => {
    const codes = thrownEmailCodes();
    expect([...codes].sort()).toEqual(expect.arrayContaining(['email.auth_failed', 'email.outbox_invalid_id', 'email.rejected', 'email.unavailable']));
    for (const locale of SUPPORTED_LOCALES) {
      const errors = JSON.parse(readFileSync(join(root, 'locales', locale, 'errors.json'), 'utf8')) as { email?: Record<string, unknown> };
      const missing = [...codes].filter((code) => {
        const message = errors.email?.[code.slice('email.'.length)];
        return typeof message !== 'string' || message.trim() === '';
      });
      expect({ locale, missing }).toEqual({ locale, missing: [] });
    }
  });
});
