import { join } from 'node:path';
import { createI18n } from '@tero/core';
import type { i18n as I18n } from 'i18next';
import { CONFIRMATION_TEXT_MAX, confirmationText } from './confirmation-text';

const TUESDAY_10_NY = new Date('2026-03-10T14:00:00Z');

describe('confirmationText', () => {
  let i18n: I18n;
  beforeAll(async () => {
    i18n = await createI18n(join(__dirname, '../../../../locales'));
  });

  const facts = { timezone: 'America/New_York', business: 'Bright Smile Dental', service: 'Teeth cleaning', startsAt: TUESDAY_10_NY, phone: '+15550100100' };

  it('names the business, the service and the local date and time, in the client\'s language', () => {
    expect(confirmationText(i18n, { ...facts, locale: 'en' })).toBe(
      'Bright Smile Dental: your appointment for Teeth cleaning is confirmed for Tuesday, March 10, 2026 at 10:00 AM. To change it, call +15550100100.',
    );
    expect(confirmationText(i18n, { ...facts, locale: 'es', service: 'Limpieza dental' })).toBe(
      'Bright Smile Dental: su cita para Limpieza dental está confirmada para el martes, 10 de marzo de 2026, 10:00. Para cambiarla, llame al +15550100100.',
    );
    expect(confirmationText(i18n, { ...facts, locale: 'fr', service: 'Détartrage' })).toBe(
      'Bright Smile Dental : votre rendez-vous pour Détartrage est confirmé le mardi 10 mars 2026 à 10:00. Pour le modifier, appelez le +15550100100.',
    );
  });

  it('tells the time of the business\'s zone, not the server\'s, and leaves out the number when there is none', () => {
    expect(confirmationText(i18n, { ...facts, locale: 'en', timezone: 'Europe/Paris', phone: null })).toBe(
      'Bright Smile Dental: your appointment for Teeth cleaning is confirmed for Tuesday, March 10, 2026 at 3:00 PM.',
    );
    expect(confirmationText(i18n, { ...facts, locale: 'de' })).toMatch(/^Bright Smile Dental: your appointment/);
  });

  it('stays within the limit however long the names, shortening them rather than the time', () => {
    for (const locale of ['en', 'es', 'fr']) {
      const text = confirmationText(i18n, { ...facts, locale, business: 'B'.repeat(120), service: 'S '.repeat(100), phone: '+15550100100' });
      expect(text.length).toBeLessThanOrEqual(CONFIRMATION_TEXT_MAX);
      expect(text).toContain(`${'B'.repeat(59)}…`);
      expect(text).toContain('2026');
      expect(text).toContain('+15550100100');
    }
  });
});
