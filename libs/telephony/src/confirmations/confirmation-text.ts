import { isSupportedLocale } from '@tero/core';
import type { i18n as I18n } from 'i18next';

/** The most a confirmation text may be: two SMS segments at most, whatever the names. */
export const CONFIRMATION_TEXT_MAX = 300;
/** A business or service name longer than this is shortened in the text, so the facts that matter fit. */
const NAME_MAX = 60;

/** What a booking confirmation says. */
export interface ConfirmationFacts {
  /** The client's language (`en`, `es`, `fr`); another falls back to English. */
  locale: string;
  /** The client's IANA time zone: the time is the business's local time. */
  timezone: string;
  business: string;
  service: string;
  startsAt: Date;
  /** Where the caller can call to change it (the business's number); absent: the sentence is left out. */
  phone?: string | null;
}

/** `name` on one line, at most `max` characters (an ellipsis marks a cut). */
function fit(name: string, max: number): string {
  const line = name.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/**
 * The text a caller receives after booking: the business, the service, and the local date and time in the
 * client's language (`Tuesday, March 10, 2026 at 10:00 AM`, `martes, 10 de marzo de 2026, 10:00`), with
 * the number to call to change it. Never longer than {@link CONFIRMATION_TEXT_MAX} characters.
 */
export function confirmationText(i18n: I18n, facts: ConfirmationFacts): string {
  const locale = isSupportedLocale(facts.locale) ? facts.locale : 'en';
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone: facts.timezone }).format(facts.startsAt);
  const values = { business: fit(facts.business, NAME_MAX), service: fit(facts.service, NAME_MAX), when, phone: facts.phone ?? '' };
  const text = i18n.t(facts.phone ? 'calls:sms.booking_confirmation' : 'calls:sms.booking_confirmation_no_phone', { lng: locale, ...values });
  return fit(text, CONFIRMATION_TEXT_MAX);
}
