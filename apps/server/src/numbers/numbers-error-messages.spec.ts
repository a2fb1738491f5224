import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NUMBER_ERRORS } from '@tero/telephony';
import { SUPPORTED_LOCALES } from '../../../../libs/core/src/i18n/i18n';
import { UPLOAD_ERRORS } from '../http/multipart-form';

const root = join(__dirname, '../../../..');
const errorsOf = (locale: string) => JSON.parse(readFileSync(join(root, 'locales', locale, 'errors.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
const names = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('number pool and porting error messages', () => {
  const codes = [...Object.values(NUMBER_ERRORS), ...Object.values(UPLOAD_ERRORS)];

  it('every code has a message in the errors namespace of every locale, with the same params as in English', () => {
    expect(codes).toEqual(expect.arrayContaining(['numbers.taken', 'porting.document_type', 'numbers.upload_too_large']));
    const en = errorsOf('en');
    for (const locale of SUPPORTED_LOCALES) {
      const errors = errorsOf(locale);
      for (const code of codes) {
        const [namespace, key] = code.split('.') as [string, string];
        const message = errors[namespace]?.[key];
        expect({ locale, code, ok: typeof message === 'string' && message.trim() !== '' }).toEqual({ locale, code, ok: true });
        expect({ locale, code, names: names(message as string) }).toEqual({ locale, code, names: names(en[namespace]![key] as string) });
      }
    }
  });
});
