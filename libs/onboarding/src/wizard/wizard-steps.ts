import type { ProfileDayException, ProfileFaq, ProfileHours, ProfilePolicies, ProfileService, RoutePolicy } from '@tero/db';

/** The wizard's steps, in the order the owner meets them. */
export const WIZARD_STEPS = ['business', 'services', 'faq', 'transfer', 'afterHours', 'voice', 'prompt', 'number', 'testCall'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export function isWizardStep(value: unknown): value is WizardStep {
  return typeof value === 'string' && (WIZARD_STEPS as readonly string[]).includes(value);
}

/** The step after `step`, or null after the last. */
export function nextStep(step: WizardStep): WizardStep | null {
  return WIZARD_STEPS[WIZARD_STEPS.indexOf(step) + 1] ?? null;
}

/** The step before `step`, or null before the first. */
export function previousStep(step: WizardStep): WizardStep | null {
  return WIZARD_STEPS[WIZARD_STEPS.indexOf(step) - 1] ?? null;
}

/**
 * One thing wrong with a field: `code` is translated as `onboarding:reason.<code>` with `params`, so the
 * owner reads it in their language next to the field it is about.
 */
export interface StepProblem {
  field: string;
  code: string;
  params?: Record<string, string | number>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: StepProblem[] };

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const ROUTE_POLICIES: readonly RoutePolicy[] = ['ai', 'voicemail', 'forward'];
const EMERGENCY_POLICIES: readonly ProfilePolicies['emergency'][] = ['transfer', 'message'];

export const LIMITS = {
  name: 120,
  address: 300,
  exceptions: 60,
  exceptionName: 60,
  services: 40,
  serviceName: 80,
  durationMinutes: 8 * 60,
  faq: 60,
  question: 200,
  answer: 1000,
} as const;

const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

// ---- business ------------------------------------------------------------------------------------

/** The business step as a form sends it: hours per weekday as text (`08:00-12:00, 13:00-17:00`, empty: closed). */
export interface BusinessInput {
  name?: unknown;
  address?: unknown;
  timezone?: unknown;
  hours?: Partial<Record<(typeof WEEKDAYS)[number], unknown>>;
  /** One day per line: `YYYY-MM-DD [HH:MM-HH:MM[, …]] [name]`; without hours the business is closed that day. */
  exceptions?: unknown;
}

export interface BusinessValues {
  name: string;
  address: string;
  timezone: string;
  hours: ProfileHours;
  exceptions: ProfileDayException[];
}

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Madrid`), not an abbreviation or an offset. */
export function isIanaZone(zone: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2}$/.test(zone) && zone !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `08:00-12:00, 13:00-17:00` → intervals; a problem code when the text is not that. */
export function parseIntervals(text: string): { intervals: [string, string][] } | { code: string } {
  const trimmed = text.trim();
  if (!trimmed || /^(closed|cerrado|fermé|ferme|-)$/i.test(trimmed)) return { intervals: [] };
  const intervals: [string, string][] = [];
  for (const part of trimmed.split(/\s*[,;]\s*/)) {
    const match = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/.exec(part);
    if (!match) return { code: 'hours_format' };
    const [from, to] = [match[1]!.padStart(5, '0'), match[2]!.padStart(5, '0')];
    if (!TIME.test(from) || !TIME.test(to)) return { code: 'hours_format' };
    if (from >= to) return { code: 'hours_order' };
    intervals.push([from, to]);
  }
  intervals.sort((a, b) => a[0].localeCompare(b[0]));
  for (let i = 1; i < intervals.length; i++) if (intervals[i]![0] < intervals[i - 1]![1]) return { code: 'hours_overlap' };
  return { intervals };
}

/** Intervals as the form shows them again. */
export function formatIntervals(intervals: readonly [string, string][]): string {
  return intervals.map(([a, b]) => `${a}-${b}`).join(', ');
}

/** Exception days as the form's text, one per line. */
export function formatExceptions(exceptions: readonly ProfileDayException[]): string {
  return exceptions.map((e) => [e.date, formatIntervals(e.hours), e.name ?? ''].filter(Boolean).join(' ')).join('\n');
}

function isRealDate(date: string): boolean {
  const at = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === date;
}

export function checkBusiness(input: BusinessInput): Checked<BusinessValues> {
  const problems: StepProblem[] = [];
  const name = str(input.name);
  if (!name) problems.push({ field: 'name', code: 'required' });
  else if (name.length > LIMITS.name) problems.push({ field: 'name', code: 'too_long', params: { max: LIMITS.name } });
  const address = str(input.address);
  if (!address) problems.push({ field: 'address', code: 'required' });
  else if (address.length > LIMITS.address) problems.push({ field: 'address', code: 'too_long', params: { max: LIMITS.address } });
  const timezone = str(input.timezone);
  if (!timezone) problems.push({ field: 'timezone', code: 'required' });
  else if (!isIanaZone(timezone)) problems.push({ field: 'timezone', code: 'timezone_unknown', params: { value: timezone.slice(0, 40) } });

  const hours: ProfileHours = {};
  for (const day of WEEKDAYS) {
    const parsed = parseIntervals(str(input.hours?.[day]));
    if ('code' in parsed) problems.push({ field: `hours.${day}`, code: parsed.code });
    else hours[day] = parsed.intervals;
  }
  if (!problems.some((p) => p.field.startsWith('hours.')) && WEEKDAYS.every((day) => hours[day]!.length === 0)) {
    problems.push({ field: 'hours.mon', code: 'hours_never_open' });
  }

  const exceptions: ProfileDayException[] = [];
  const lines = (typeof input.exceptions === 'string' ? input.exceptions : '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length > LIMITS.exceptions) problems.push({ field: 'exceptions', code: 'too_many', params: { max: LIMITS.exceptions } });
  const seen = new Set<string>();
  lines.slice(0, LIMITS.exceptions).forEach((line, index) => {
    const match = /^(\d{4}-\d{2}-\d{2})(?:\s+((?:\d{1,2}:\d{2}\s*[-–]\s*\d{1,2}:\d{2}\s*[,;]?\s*)+))?(?:\s+(.*))?$/.exec(line);
    const lineNo = index + 1;
    if (!match || !isRealDate(match[1]!)) {
      problems.push({ field: 'exceptions', code: 'exception_format', params: { line: lineNo } });
      return;
    }
    const parsed = parseIntervals(match[2] ?? '');
    if ('code' in parsed) {
      problems.push({ field: 'exceptions', code: parsed.code, params: { line: lineNo } });
      return;
    }
    if (seen.has(match[1]!)) {
      problems.push({ field: 'exceptions', code: 'exception_duplicate', params: { line: lineNo, date: match[1]! } });
      return;
    }
    seen.add(match[1]!);
    const dayName = (match[3] ?? '').trim().slice(0, LIMITS.exceptionName);
    exceptions.push({ date: match[1]!, hours: parsed.intervals, ...(dayName ? { name: dayName } : {}) });
  });
  exceptions.sort((a, b) => a.date.localeCompare(b.date));
  return problems.length ? { ok: false, problems } : { ok: true, value: { name, address, timezone, hours, exceptions } };
}

// ---- services ------------------------------------------------------------------------------------

/** One service row of the form; `id` empty for a new one, `remove` ticked to drop it. */
export interface ServiceRowInput {
  id?: unknown;
  name?: unknown;
  durationMinutes?: unknown;
  price?: unknown;
  bookable?: unknown;
  remove?: unknown;
}

/** Digits after the decimal point of a currency (2 for USD, 0 for JPY). */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `"120.50"` → 12050 minor units; null when the text is not an amount of the currency. */
export function parseAmount(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const clean = text.replace(/[\s,]/g, '');
  const pattern = digits === 0 ? /^\d{1,7}$/ : new RegExp(`^\\d{1,7}(\\.\\d{1,${digits}})?$`);
  if (!pattern.test(clean)) return null;
  const [whole, fraction = ''] = clean.split('.');
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}

/** Minor units as the form shows them: 12050 → `120.50`. */
export function formatAmount(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  return digits ? (minor / 10 ** digits).toFixed(digits) : String(minor);
}

const ticked = (value: unknown): boolean => value === true || value === 'on' || value === '1' || value === 'true';

/** A service id from its name: `Drain cleaning` → `drain-cleaning`, made unique among `taken`. */
function serviceId(name: string, taken: Set<string>): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'service';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

/**
 * The services after the owner's edits: rows named by `id` update the existing service (its name in
 * `locale`, keeping the other languages and its keywords), rows without an id add one, ticked rows go.
 * Empty new rows are ignored; at least one service must stay.
 */
export function checkServices(rows: readonly ServiceRowInput[], current: readonly ProfileService[], locale: string, currency: string): Checked<ProfileService[]> {
  const problems: StepProblem[] = [];
  const byId = new Map(current.map((s) => [s.id, s]));
  const taken = new Set(current.map((s) => s.id));
  const result: ProfileService[] = [];
  rows.forEach((row, index) => {
    const id = str(row.id);
    const name = str(row.name);
    const durationText = str(row.durationMinutes);
    const priceText = str(row.price);
    if (!id && !name && !durationText && !priceText) return;
    if (id && !byId.has(id)) {
      problems.push({ field: `services.${index}.name`, code: 'service_unknown' });
      return;
    }
    if (ticked(row.remove)) return;
    if (!name) problems.push({ field: `services.${index}.name`, code: 'required' });
    else if (name.length > LIMITS.serviceName) problems.push({ field: `services.${index}.name`, code: 'too_long', params: { max: LIMITS.serviceName } });
    const duration = /^\d{1,4}$/.test(durationText) ? Number(durationText) : NaN;
    if (!(duration >= 5 && duration <= LIMITS.durationMinutes)) problems.push({ field: `services.${index}.durationMinutes`, code: 'duration_range', params: { min: 5, max: LIMITS.durationMinutes } });
    const price = parseAmount(priceText, currency);
    if (price === null) problems.push({ field: `services.${index}.price`, code: 'price_format', params: { example: formatAmount(12050, currency) } });
    if (problems.some((p) => p.field.startsWith(`services.${index}.`))) return;
    const existing = id ? byId.get(id)! : null;
    result.push({
      id: existing ? existing.id : serviceId(name, taken),
      name: { ...(existing?.name ?? {}), [locale]: name },
      keywords: existing?.keywords ?? {},
      durationMinutes: duration,
      bufferMinutes: existing?.bufferMinutes ?? 0,
      priceMinor: price!,
      bookable: ticked(row.bookable),
    });
  });
  if (!problems.length && result.length === 0) problems.push({ field: 'services', code: 'services_empty' });
  if (result.length > LIMITS.services) problems.push({ field: 'services', code: 'too_many', params: { max: LIMITS.services } });
  return problems.length ? { ok: false, problems } : { ok: true, value: result };
}

/**
 * The "Text callers a booking confirmation" switch as the services form sends it: a hidden `0` then, when
 * ticked, the checkbox's `on` (the last value wins). Not sent at all: the current setting stays.
 */
export function checkTextConfirmations(value: unknown, current: boolean): Checked<boolean> {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return { ok: true, value: current };
  if (ticked(last)) return { ok: true, value: true };
  if (last === false || last === '0' || last === 'off' || last === 'false') return { ok: true, value: false };
  return { ok: false, problems: [{ field: 'textConfirmations', code: 'choice', params: { allowed: 'on, off' } }] };
}

// ---- faq -----------------------------------------------------------------------------------------

export interface FaqRowInput {
  id?: unknown;
  question?: unknown;
  answer?: unknown;
  remove?: unknown;
}

/** The FAQ after the owner's edits, in `locale` (other languages and keywords kept); it may end empty. */
export function checkFaq(rows: readonly FaqRowInput[], current: readonly ProfileFaq[], locale: string): Checked<ProfileFaq[]> {
  const problems: StepProblem[] = [];
  const byId = new Map(current.map((f) => [f.id, f]));
  const taken = new Set(current.map((f) => f.id));
  const result: ProfileFaq[] = [];
  rows.forEach((row, index) => {
    const id = str(row.id);
    const question = str(row.question);
    const answer = str(row.answer);
    if (!id && !question && !answer) return;
    if (id && !byId.has(id)) {
      problems.push({ field: `faq.${index}.question`, code: 'faq_unknown' });
      return;
    }
    if (ticked(row.remove)) return;
    if (!question) problems.push({ field: `faq.${index}.question`, code: 'required' });
    else if (question.length > LIMITS.question) problems.push({ field: `faq.${index}.question`, code: 'too_long', params: { max: LIMITS.question } });
    if (!answer) problems.push({ field: `faq.${index}.answer`, code: 'required' });
    else if (answer.length > LIMITS.answer) problems.push({ field: `faq.${index}.answer`, code: 'too_long', params: { max: LIMITS.answer } });
    if (problems.some((p) => p.field.startsWith(`faq.${index}.`))) return;
    const existing = id ? byId.get(id)! : null;
    result.push({
      id: existing ? existing.id : serviceId(question, taken),
      question: { ...(existing?.question ?? {}), [locale]: question },
      answer: { ...(existing?.answer ?? {}), [locale]: answer },
      keywords: existing?.keywords ?? {},
    });
  });
  if (result.length > LIMITS.faq) problems.push({ field: 'faq', code: 'too_many', params: { max: LIMITS.faq } });
  return problems.length ? { ok: false, problems } : { ok: true, value: result };
}

// ---- transfer ------------------------------------------------------------------------------------

export interface TransferInput {
  transferNumber?: unknown;
  onCallNumber?: unknown;
}

/** `+1 (555) 010-0100` → `+15550100100`; null when it is not an E.164 number. */
export function normalizeE164(text: string): string | null {
  const compact = text.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

/** Where "speak to a person" goes (required) and where emergencies go (optional), both E.164. */
export function checkTransfer(input: TransferInput): Checked<{ transferNumber: string; onCallNumber: string | null }> {
  const problems: StepProblem[] = [];
  const transferText = str(input.transferNumber);
  const onCallText = str(input.onCallNumber);
  const transferNumber = transferText ? normalizeE164(transferText) : null;
  if (!transferText) problems.push({ field: 'transferNumber', code: 'required' });
  else if (!transferNumber) problems.push({ field: 'transferNumber', code: 'phone_format', params: { example: '+15550100100' } });
  const onCallNumber = onCallText ? normalizeE164(onCallText) : null;
  if (onCallText && !onCallNumber) problems.push({ field: 'onCallNumber', code: 'phone_format', params: { example: '+15550100100' } });
  return problems.length ? { ok: false, problems } : { ok: true, value: { transferNumber: transferNumber!, onCallNumber } };
}

// ---- after hours ---------------------------------------------------------------------------------

export interface AfterHoursInput {
  afterHours?: unknown;
  holiday?: unknown;
  emergency?: unknown;
}

/**
 * What happens out of hours, on holidays and on an emergency. A policy that forwards needs the transfer
 * number, and an emergency transfer the on-call number, both from the transfer step.
 */
export function checkAfterHours(input: AfterHoursInput, numbers: { transferNumber: string | null; onCallNumber: string | null }): Checked<Pick<ProfilePolicies, 'afterHours' | 'holiday' | 'emergency'>> {
  const problems: StepProblem[] = [];
  const pick = <T extends string>(field: string, value: unknown, allowed: readonly T[]): T | null => {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    problems.push({ field, code: 'choice', params: { allowed: allowed.join(', ') } });
    return null;
  };
  const afterHours = pick('afterHours', input.afterHours, ROUTE_POLICIES);
  const holiday = pick('holiday', input.holiday, ROUTE_POLICIES);
  const emergency = pick('emergency', input.emergency, EMERGENCY_POLICIES);
  for (const [field, policy] of [['afterHours', afterHours], ['holiday', holiday]] as const) {
    if (policy === 'forward' && !numbers.transferNumber) problems.push({ field, code: 'needs_transfer_number' });
  }
  if (emergency === 'transfer' && !numbers.onCallNumber) problems.push({ field: 'emergency', code: 'needs_on_call_number' });
  return problems.length ? { ok: false, problems } : { ok: true, value: { afterHours: afterHours!, holiday: holiday!, emergency: emergency! } };
}

// ---- number --------------------------------------------------------------------------------------

export interface NumberInput {
  numberId?: unknown;
  areaCode?: unknown;
  pattern?: unknown;
}

/** Which number the owner asked for: one by id, or the first matching the area code / pattern (or any). */
export function checkNumberChoice(input: NumberInput): Checked<{ numberId: string } | { search: { areaCode: string | null; pattern: string | null } }> {
  const numberId = str(input.numberId);
  if (numberId) {
    if (!/^[0-9a-f-]{36}$/i.test(numberId)) return { ok: false, problems: [{ field: 'numberId', code: 'number_unknown' }] };
    return { ok: true, value: { numberId } };
  }
  const problems: StepProblem[] = [];
  const areaCode = str(input.areaCode) || null;
  const pattern = str(input.pattern).replace(/\s+/g, '') || null;
  if (areaCode && !/^\d{1,5}$/.test(areaCode)) problems.push({ field: 'areaCode', code: 'area_code_format' });
  if (pattern && !/^\+?[0-9*?Xx]{1,20}$/.test(pattern)) problems.push({ field: 'pattern', code: 'pattern_format' });
  return problems.length ? { ok: false, problems } : { ok: true, value: { search: { areaCode, pattern } } };
}
