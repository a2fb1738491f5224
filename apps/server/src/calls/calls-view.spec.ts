import { join } from 'node:path';
import { createI18n } from '@tero/core';
import { eventLabel } from './calls-view';

describe('timeline labels', () => {
  it('translates a step, a step taken once per booking by the part before its colon, and shows an unknown one as it is', async () => {
    const i18n = await createI18n(join(__dirname, '../../../../locales'));
    const en = i18n.getFixedT('en');
    const fr = i18n.getFixedT('fr');
    expect(eventLabel(en, 'status:ringing')).toBe('Ringing');
    expect(eventLabel(en, 'confirmation_texted:0a1b2c3d4e5f.mmkq2x80')).toBe('Confirmation texted');
    expect(eventLabel(fr, 'confirmation_failed:0a1b2c3d4e5f.mmkq2x80')).toBe('Échec du SMS de confirmation');
    expect(eventLabel(en, 'status:weird')).toBe('status:weird');
    expect(eventLabel(en, 'something_new')).toBe('something_new');
  });
});
