import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUPPORTED_LOCALES } from '../../../core/src/i18n/i18n';
import { JAMBONZ_API_ERRORS, JambonzApiError, jambonzErrorCodeFor } from './jambonz-api.errors';

const root = join(__dirname, '../../../..');
const errorsOf = (locale: string) => JSON.parse(readFileSync(join(root, 'locales', locale, 'errors.json'), 'utf8')) as { jambonz: Record<string, string> };
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('JambonzApiError', () => {
  it('maps statuses to codes: 401, 403, 404 apart; 400/422 and other 4xx rejected; 429 and 5xx unavailable', () => {
    expect([401, 403, 404, 400, 409, 422, 429, 500, 502, 503].map(jambonzErrorCodeFor)).toEqual([
      'jambonz.unauthorized',
      'jambonz.forbidden',
      'jambonz.not_found',
      'jambonz.rejected',
      'jambonz.rejected',
      'jambonz.rejected',
      'jambonz.unavailable',
      'jambonz.unavailable',
      'jambonz.unavailable',
      'jambonz.unavailable',
    ]);
  });

  it('is retryable only when jambonz was unavailable or silent, and answers our callers with a gateway status', () => {
    const make = (status: number) => new JambonzApiError(jambonzErrorCodeFor(status), { status, endpoint: 'GET /v1/Accounts', jambonzMessage: 'x' });
    expect([401, 404, 422, 429, 500].map((s) => [make(s).retryable, make(s).options.status])).toEqual([
      [false, 502],
      [false, 502],
      [false, 422],
      [true, 503],
      [true, 503],
    ]);
    const silent = new JambonzApiError(JAMBONZ_API_ERRORS.timeout, { status: 0, endpoint: 'GET /v1/Accounts', reason: 'no answer within 10 ms' });
    expect(silent).toMatchObject({ retryable: true, status: 0, message: 'jambonz did not answer GET /v1/Accounts: no answer within 10 ms', messageKey: 'errors:jambonz.timeout' });
  });

  it('every code has a message in every locale, with the same placeholders as English', () => {
    const en = errorsOf('en').jambonz;
    for (const locale of SUPPORTED_LOCALES) {
      const messages = errorsOf(locale).jambonz;
      // The API's codes, and the provisioning's own.
      for (const code of [...Object.values(JAMBONZ_API_ERRORS), 'jambonz.not_connected']) {
        const key = code.split('.')[1]!;
        expect({ locale, key, ok: typeof messages[key] === 'string' && messages[key]!.trim() !== '' }).toEqual({ locale, key, ok: true });
        expect({ locale, key, names: placeholders(messages[key]!) }).toEqual({ locale, key, names: placeholders(en[key]!) });
      }
    }
  });
});
