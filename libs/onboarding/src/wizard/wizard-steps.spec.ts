import type { ProfileFaq, ProfileService } from '@tero/db';
import {
  checkAfterHours,
  checkBusiness,
  checkFaq,
  checkNumberChoice,
  checkServices,
  checkTextConfirmations,
  checkTransfer,
  formatExceptions,
  isIanaZone,
  nextStep,
  parseAmount,
  parseIntervals,
  previousStep,
} from './wizard-steps';

const WEEK = { mon: '07:00-18:00', tue: '07:00-18:00', wed: '07:00-18:00', thu: '07:00-18:00', fri: '07:00-12:00, 13:00-18:00', sat: '8:00-14:00', sun: '' };
const codes = (checked: { ok: boolean; problems?: { field: string; code: string }[] }) => (checked.ok ? [] : checked.problems!.map((p) => `${p.field}:${p.code}`));

describe('wizard steps', () => {
  it('orders the steps', () => {
    expect(nextStep('business')).toBe('services');
    expect(nextStep('testCall')).toBeNull();
    expect(previousStep('business')).toBeNull();
    expect(previousStep('number')).toBe('prompt');
  });

  describe('business', () => {
    it('takes a name, an address, an IANA zone, weekly hours and exception days', () => {
      const checked = checkBusiness({ name: ' Flow Plumbing ', address: '1 Main St', timezone: 'America/Chicago', hours: WEEK, exceptions: '2026-12-25 Christmas\n2026-12-24 09:00-12:00 Christmas Eve' });
      expect(checked).toEqual({
        ok: true,
        value: {
          name: 'Flow Plumbing',
          address: '1 Main St',
          timezone: 'America/Chicago',
          hours: { mon: [['07:00', '18:00']], tue: [['07:00', '18:00']], wed: [['07:00', '18:00']], thu: [['07:00', '18:00']], fri: [['07:00', '12:00'], ['13:00', '18:00']], sat: [['08:00', '14:00']], sun: [] },
          exceptions: [
            { date: '2026-12-24', hours: [['09:00', '12:00']], name: 'Christmas Eve' },
            { date: '2026-12-25', hours: [], name: 'Christmas' },
          ],
        },
      });
      if (checked.ok) expect(formatExceptions(checked.value.exceptions)).toBe('2026-12-24 09:00-12:00 Christmas Eve\n2026-12-25 Christmas');
    });

    it('names every bad field with its reason', () => {
      const checked = checkBusiness({ name: '', address: 'x'.repeat(301), timezone: 'EST', hours: { ...WEEK, mon: '9-5', tue: '18:00-07:00', wed: '08:00-12:00, 11:00-13:00' }, exceptions: '2026-02-30 Nope\n2026-12-25\n2026-12-25 again' });
      expect(codes(checked)).toEqual([
        'name:required',
        'address:too_long',
        'timezone:timezone_unknown',
        'hours.mon:hours_format',
        'hours.tue:hours_order',
        'hours.wed:hours_overlap',
        'exceptions:exception_format',
        'exceptions:exception_duplicate',
      ]);
    });

    it('refuses a week that is never open', () => {
      const closed = Object.fromEntries(Object.keys(WEEK).map((d) => [d, 'closed']));
      expect(codes(checkBusiness({ name: 'A', address: 'B', timezone: 'Europe/Madrid', hours: closed }))).toEqual(['hours.mon:hours_never_open']);
    });

    it('knows IANA zones only', () => {
      expect(isIanaZone('Europe/Madrid')).toBe(true);
      expect(isIanaZone('America/Argentina/Buenos_Aires')).toBe(true);
      expect(isIanaZone('UTC')).toBe(true);
      expect(isIanaZone('Mars/Olympus')).toBe(false);
      expect(isIanaZone('GMT+2')).toBe(false);
      expect(isIanaZone('PST')).toBe(false);
    });

    it('parses intervals', () => {
      expect(parseIntervals('')).toEqual({ intervals: [] });
      expect(parseIntervals('Cerrado')).toEqual({ intervals: [] });
      expect(parseIntervals('13:00-17:00; 8:00-12:00')).toEqual({ intervals: [['08:00', '12:00'], ['13:00', '17:00']] });
      expect(parseIntervals('24:00-25:00')).toEqual({ code: 'hours_format' });
    });
  });

  describe('services', () => {
    const current: ProfileService[] = [
      { id: 'drain-cleaning', name: { en: 'Drain cleaning', es: 'Destape' }, keywords: { en: ['drain'] }, durationMinutes: 90, bufferMinutes: 30, priceMinor: 22500, bookable: true },
      { id: 'water-heater', name: { en: 'Water heater' }, durationMinutes: 120, bufferMinutes: 0, priceMinor: 30000, bookable: true },
    ];

    it('edits a service in the owner’s language, keeping the others and its keywords; removes and adds', () => {
      const checked = checkServices(
        [
          { id: 'drain-cleaning', name: 'Destape de drenaje', durationMinutes: '60', price: '199.5', bookable: 'on' },
          { id: 'water-heater', name: 'Water heater', durationMinutes: '120', price: '300', remove: 'on' },
          { name: 'Inspección con cámara', durationMinutes: '45', price: '150.00' },
          { name: '', durationMinutes: '', price: '' },
        ],
        current,
        'es',
        'USD',
      );
      expect(checked).toEqual({
        ok: true,
        value: [
          { id: 'drain-cleaning', name: { en: 'Drain cleaning', es: 'Destape de drenaje' }, keywords: { en: ['drain'] }, durationMinutes: 60, bufferMinutes: 30, priceMinor: 19950, bookable: true },
          { id: 'inspeccion-con-camara', name: { es: 'Inspección con cámara' }, keywords: {}, durationMinutes: 45, bufferMinutes: 0, priceMinor: 15000, bookable: false },
        ],
      });
    });

    it('explains bad rows, an unknown id and an empty list', () => {
      expect(codes(checkServices([{ id: 'drain-cleaning', name: '', durationMinutes: '2', price: '-5' }, { id: 'nope', name: 'X', durationMinutes: '30', price: '1' }], current, 'en', 'USD'))).toEqual([
        'services.0.name:required',
        'services.0.durationMinutes:duration_range',
        'services.0.price:price_format',
        'services.1.name:service_unknown',
      ]);
      expect(codes(checkServices([{ id: 'drain-cleaning', remove: 'on', name: 'a', durationMinutes: '30', price: '1' }, { id: 'water-heater', remove: '1', name: 'b', durationMinutes: '30', price: '1' }], current, 'en', 'USD'))).toEqual(['services:services_empty']);
    });

    it('reads the text-confirmation switch as the form sends it, keeping it when absent and refusing anything else', () => {
      expect(checkTextConfirmations(['0', 'on'], false)).toEqual({ ok: true, value: true });
      expect(checkTextConfirmations('0', true)).toEqual({ ok: true, value: false });
      expect(checkTextConfirmations(false, true)).toEqual({ ok: true, value: false });
      expect(checkTextConfirmations(true, false)).toEqual({ ok: true, value: true });
      expect(checkTextConfirmations(undefined, false)).toEqual({ ok: true, value: false });
      expect(checkTextConfirmations(undefined, true)).toEqual({ ok: true, value: true });
      expect(codes(checkTextConfirmations('maybe', true))).toEqual(['textConfirmations:choice']);
    });

    it('reads amounts in the currency’s minor units', () => {
      expect(parseAmount('1,250.75', 'USD')).toBe(125075);
      expect(parseAmount('1.234', 'USD')).toBeNull();
      expect(parseAmount('5000', 'JPY')).toBe(5000);
      expect(parseAmount('50.5', 'JPY')).toBeNull();
    });
  });

  it('edits, adds and removes FAQ entries', () => {
    const current: ProfileFaq[] = [{ id: 'area', question: { en: 'Where?' }, answer: { en: 'Here.' } }];
    expect(checkFaq([{ id: 'area', question: 'Where do you go?', answer: 'Within 25 miles.' }, { question: 'Do you work weekends?', answer: 'Saturdays.' }], current, 'en')).toEqual({
      ok: true,
      value: [
        { id: 'area', question: { en: 'Where do you go?' }, answer: { en: 'Within 25 miles.' }, keywords: {} },
        { id: 'do-you-work-weekends', question: { en: 'Do you work weekends?' }, answer: { en: 'Saturdays.' }, keywords: {} },
      ],
    });
    expect(codes(checkFaq([{ question: 'Only a question' }], current, 'en'))).toEqual(['faq.0.answer:required']);
  });

  it('takes E.164 transfer and on-call numbers', () => {
    expect(checkTransfer({ transferNumber: '+1 (555) 010-0100', onCallNumber: '' })).toEqual({ ok: true, value: { transferNumber: '+15550100100', onCallNumber: null } });
    expect(codes(checkTransfer({ transferNumber: '', onCallNumber: '555-0100' }))).toEqual(['transferNumber:required', 'onCallNumber:phone_format']);
  });

  it('needs the numbers a policy uses', () => {
    expect(checkAfterHours({ afterHours: 'voicemail', holiday: 'ai', emergency: 'message' }, { transferNumber: null, onCallNumber: null })).toEqual({ ok: true, value: { afterHours: 'voicemail', holiday: 'ai', emergency: 'message' } });
    expect(codes(checkAfterHours({ afterHours: 'forward', holiday: 'hangup', emergency: 'transfer' }, { transferNumber: null, onCallNumber: null }))).toEqual([
      'holiday:choice',
      'afterHours:needs_transfer_number',
      'emergency:needs_on_call_number',
    ]);
  });

  it('reads the number choice', () => {
    expect(checkNumberChoice({ areaCode: '512', pattern: '' })).toEqual({ ok: true, value: { search: { areaCode: '512', pattern: null } } });
    expect(checkNumberChoice({ numberId: '0190a8f6-0000-7000-8000-000000000001' })).toEqual({ ok: true, value: { numberId: '0190a8f6-0000-7000-8000-000000000001' } });
    expect(codes(checkNumberChoice({ areaCode: 'abc', pattern: '%' }))).toEqual(['areaCode:area_code_format', 'pattern:pattern_format']);
  });
});
