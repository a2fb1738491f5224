import { join } from 'node:path';
import { createI18n } from '@tero/core';
import type { i18n as I18n } from 'i18next';
import { rememberUtterance, whisperSummary } from './whisper-summary';

describe('whisper summary', () => {
  let i18n: I18n;
  beforeAll(async () => {
    i18n = await createI18n(join(__dirname, '../../../../locales'));
  });
  const t = (lng: string) => (key: string, vars?: Record<string, unknown>) => i18n.t(`calls:hooks.${key}`, { lng, ...vars });

  it('keeps the caller\'s last three utterances, clipped', () => {
    let recent: string[] = [];
    for (const line of ['one', '  ', 'two', 'three', 'four']) recent = rememberUtterance(recent, line);
    expect(recent).toEqual(['two', 'three', 'four']);
    expect(rememberUtterance(null, 'x'.repeat(400))[0]).toHaveLength(160);
  });

  it('says who calls, from which number, and what they said', () => {
    const text = whisperSummary(t('en'), { business: 'Bright Smile', callerName: 'Maria Lopez', from: '+15557770001', recent: ['My tooth hurts', 'Can I talk to someone?'], reason: 'human' });
    expect(text).toBe('Maria Lopez is calling Bright Smile, from 1, 5 5 5, 7 7 7, 0 0 0 1. They said: My tooth hurts. Can I talk to someone? Connecting you now.');
  });

  it('puts urgency first for an emergency, and copes with an unknown caller who said nothing', () => {
    const text = whisperSummary(t('fr'), { business: 'Plomberie Dupont', callerName: null, from: 'anonymous', recent: null, reason: 'emergency' });
    expect(text).toBe('Appel urgent. Un appel pour Plomberie Dupont, depuis un numéro inconnu. Je vous passe l\'appel.');
  });
});
