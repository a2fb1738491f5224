import { WEEKDAYS } from '@tero/sdk';
import type { PackScenario, PackService, ProfessionPackManifest, ScenarioOutcome, ScenarioOutcomeKind } from '@tero/sdk';
import { minutesOfDay, weekdayOf } from '../time';
import { firstMention } from './keyword-match';
import type { FindingSink } from './lint-report';
import { usFederalHolidays } from './us-federal-holidays';

/** Fewest valid scenarios a pack ships with (PACK044): enough to cover every outcome in several locales. */
export const MIN_SCENARIOS = 8;

/** Outcomes every pack's scenarios must show at least once (PACK048). */
export const REQUIRED_OUTCOMES = ['booked', 'message_taken', 'transferred', 'answered'] as const satisfies readonly ScenarioOutcomeKind[];

const FORMAT_POINTER = /^\/(at|caller\/number|expect\/(start|callbackNumber)|existingBookings\/\d+\/(start|callerPhone))$/;

/** The rule a scenario's schema problem is reported under: malformed date-times and phone numbers have their own (PACK046). */
export function scenarioSchemaRule(pointer: string): 'PACK040' | 'PACK046' {
  return FORMAT_POINTER.test(pointer) ? 'PACK046' : 'PACK040';
}

type ExpectField = Exclude<keyof ScenarioOutcome, 'outcome' | 'endedByAgent'>;

/** Which `expect` fields each outcome needs, and which it may have; anything else is out of place (PACK045). */
const OUTCOME_FIELDS: Record<ScenarioOutcomeKind, { required: ExpectField[]; optional: ExpectField[] }> = {
  booked: { required: ['service', 'start'], optional: [] },
  rescheduled: { required: ['service', 'start'], optional: [] },
  cancelled: { required: [], optional: [] },
  message_taken: { required: ['callbackNumber'], optional: [] },
  transferred: { required: [], optional: ['transferTo'] },
  answered: { required: ['faq'], optional: [] },
};
const EXPECT_FIELDS: ExpectField[] = ['service', 'start', 'callbackNumber', 'faq', 'transferTo'];

/** A local date-time of a scenario, split for the hours arithmetic. */
interface LocalMoment {
  text: string;
  date: string;
  /** Minutes since midnight. */
  minute: number;
}

/** `YYYY-MM-DDTHH:MM` that names a real day and time, or undefined. */
function parseLocalMoment(text: string): LocalMoment | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59) return undefined;
  return { text, date: text.slice(0, 10), minute: hour * 60 + minute };
}

/** A booking's footprint in the calendar: its service time plus the buffer kept free after it. */
function occupies(moment: LocalMoment, service: PackService): { date: string; from: number; to: number } {
  return { date: moment.date, from: moment.minute, to: moment.minute + service.durationMinutes + (service.bufferMinutes ?? 0) };
}

/**
 * Cross-field checks of one schema-valid scenario against its pack: what `expect` names exists and fits
 * its outcome (PACK045), dates and times are real (PACK046), bookings fall inside the default hours, on
 * a working day, after the call and within capacity (PACK047), and the caller's words contain the
 * keywords the expected outcome depends on (PACK049).
 */
export function checkScenario(scenario: PackScenario, manifest: ProfessionPackManifest, file: string, sink: FindingSink): void {
  const add = (rule: 'PACK045' | 'PACK046' | 'PACK047' | 'PACK049', message: string) => sink.add(file, rule, message);
  const services = new Map(manifest.services.map((s) => [s.id, s]));
  const { expect } = scenario;

  const at = parseLocalMoment(scenario.at);
  if (!at) add('PACK046', `at "${scenario.at}" is not a real local date and time`);

  const fields = OUTCOME_FIELDS[expect.outcome];
  for (const field of EXPECT_FIELDS) {
    const present = expect[field] !== undefined;
    if (fields.required.includes(field) && !present) add('PACK045', `outcome "${expect.outcome}" needs expect.${field}`);
    if (present && !fields.required.includes(field) && !fields.optional.includes(field)) {
      add('PACK045', `expect.${field} does not belong to outcome "${expect.outcome}"`);
    }
  }
  const expectedService = expect.service === undefined ? undefined : services.get(expect.service);
  if (expect.service !== undefined && !expectedService) add('PACK045', `expect.service "${expect.service}" is not a service of the pack`);
  if (expectedService && !expectedService.bookable) add('PACK045', `expect.service "${expectedService.id}" is not bookable on the phone`);
  if (expect.faq !== undefined && !manifest.faq.some((f) => f.id === expect.faq)) add('PACK045', `expect.faq "${expect.faq}" is not an FAQ entry of the pack`);

  const checkSlot = (where: string, moment: LocalMoment, service: PackService) => {
    if (at && moment.text <= at.text) add('PACK047', `${where} ${moment.text} is not after the call (at ${at.text})`);
    const holiday = usFederalHolidays(Number(moment.date.slice(0, 4))).get(moment.date);
    if (holiday) add('PACK047', `${where} ${moment.text} falls on ${holiday}`);
    const day = WEEKDAYS[weekdayOf(moment.date)];
    const intervals = manifest.hours[day];
    const fits = intervals.some(([open, close]) => moment.minute >= minutesOfDay(open) && moment.minute + service.durationMinutes <= minutesOfDay(close));
    if (!fits) {
      const hours = intervals.length ? intervals.map(([o, c]) => `${o}-${c}`).join(', ') : 'closed';
      add('PACK047', `${where} ${moment.text} (${day}, ${service.durationMinutes} min of "${service.id}") is not within the default hours (${hours})`);
    }
  };

  const existing: { moment: LocalMoment; service: PackService; callerPhone: string }[] = [];
  (scenario.existingBookings ?? []).forEach((booking, i) => {
    const where = `existingBookings[${i}].start`;
    const service = services.get(booking.service);
    if (!service) add('PACK045', `existingBookings[${i}].service "${booking.service}" is not a service of the pack`);
    const moment = parseLocalMoment(booking.start);
    if (!moment) add('PACK046', `${where} "${booking.start}" is not a real local date and time`);
    if (service && moment) {
      checkSlot(where, moment, service);
      existing.push({ moment, service, callerPhone: booking.callerPhone });
    }
  });

  const callersBookings = (scenario.existingBookings ?? []).filter((b) => b.callerPhone === scenario.caller.number);
  if ((expect.outcome === 'rescheduled' || expect.outcome === 'cancelled') && callersBookings.length === 0) {
    add('PACK045', `outcome "${expect.outcome}" needs an existing booking of the caller ${scenario.caller.number} in existingBookings`);
  }
  if (expect.outcome === 'rescheduled' && expectedService && callersBookings.length > 0) {
    const own = callersBookings.filter((b) => b.service === expectedService.id);
    if (own.length === 0) add('PACK045', `expect.service "${expectedService.id}" is not the service of the caller's existing booking`);
    else if (own.some((b) => b.start === expect.start)) add('PACK045', `expect.start ${expect.start} is the time the booking already has`);
  }

  if (expect.start !== undefined) {
    const start = parseLocalMoment(expect.start);
    if (!start) add('PACK046', `expect.start "${expect.start}" is not a real local date and time`);
    if (start && expectedService) {
      checkSlot('expect.start', start, expectedService);
      const wanted = occupies(start, expectedService);
      // The caller's own booking makes way for its new time when rescheduled.
      const others = existing.filter((b) => !(expect.outcome === 'rescheduled' && b.callerPhone === scenario.caller.number));
      const overlapping = others.filter((b) => {
        const taken = occupies(b.moment, b.service);
        return taken.date === wanted.date && taken.from < wanted.to && wanted.from < taken.to;
      }).length;
      // A capacity below 1 is PACK025 already; every slot would be "over" it.
      if (manifest.capacity >= 1 && overlapping >= manifest.capacity) {
        add('PACK047', `expect.start ${start.text} overlaps ${overlapping} existing booking(s), and the pack's capacity is ${manifest.capacity}`);
      }
    }
  }

  checkWords(scenario, manifest, expectedService, add);
}

/** PACK049, and the emergency policy's outcome (PACK045): the scenario's words must lead where its expectation says. */
function checkWords(
  scenario: PackScenario,
  manifest: ProfessionPackManifest,
  expectedService: PackService | undefined,
  add: (rule: 'PACK045' | 'PACK049', message: string) => void,
): void {
  const { locale, expect, turns } = scenario;
  const emergencyKeywords = manifest.emergencyKeywords[locale] ?? [];
  const isEmergency = expect.transferTo === 'onCall' || turns.some((t) => t.expect.intent === 'emergency');
  if (isEmergency) {
    const policyOutcome = manifest.emergencyPolicy.action === 'transfer' ? 'transferred' : 'message_taken';
    if (expect.outcome !== policyOutcome) {
      add('PACK045', `an emergency call ends "${policyOutcome}" under the pack's emergency policy "${manifest.emergencyPolicy.action}", not "${expect.outcome}"`);
    }
    const flagged = turns.filter((t) => t.expect.intent === 'emergency');
    const said = (flagged.length ? flagged : turns).some((t) => firstMention(t.caller, emergencyKeywords));
    if (!said) add('PACK049', `no caller turn${flagged.length ? ' expecting intent "emergency"' : ''} says one of the pack's "${locale}" emergency keywords`);
  } else {
    turns.forEach((turn, i) => {
      const keyword = firstMention(turn.caller, emergencyKeywords);
      if (keyword) add('PACK049', `turns[${i}] says the emergency keyword "${keyword}", but the scenario does not expect an emergency`);
    });
  }

  if (expect.outcome === 'answered' && expect.faq !== undefined) {
    const keywords = manifest.faq.find((f) => f.id === expect.faq)?.keywords[locale] ?? [];
    if (keywords.length && !turns.some((t) => firstMention(t.caller, keywords))) {
      add('PACK049', `no caller turn says one of the "${locale}" keywords of FAQ "${expect.faq}"`);
    }
  }
  if (expect.outcome === 'booked' && expectedService) {
    const words = [...(expectedService.keywords?.[locale] ?? []), ...(expectedService.name[locale] ? [expectedService.name[locale]] : [])];
    if (!turns.some((t) => firstMention(t.caller, words))) {
      add('PACK049', `no caller turn names service "${expectedService.id}" by its "${locale}" name or keywords`);
    }
  }
}

/** Pack-wide scenario checks: enough of them (PACK044) and every required outcome shown (PACK048). */
export function checkScenarioSet(scenarios: PackScenario[], folder: string, sink: FindingSink): void {
  if (scenarios.length < MIN_SCENARIOS) {
    sink.add(folder, 'PACK044', `${scenarios.length} valid scenario(s); a pack needs at least ${MIN_SCENARIOS}`);
  }
  for (const outcome of REQUIRED_OUTCOMES) {
    if (!scenarios.some((s) => s.expect.outcome === outcome)) sink.add(folder, 'PACK048', `no scenario expects outcome "${outcome}"`);
  }
}
