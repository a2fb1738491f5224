import { z } from 'zod';

/** Input of the ledger's methods, checked before anything is read or written. */

const DAY_MS = 86_400_000;
/** The longest window one availability search or listing may span, to keep the work per request bounded. */
export const MAX_RANGE_DAYS = 92;

const serviceId = z.string().trim().min(1).max(63);
const instant = z.date({ error: 'must be a valid date' });
const by = z.string().trim().min(1).max(100);
const range = <T extends { from: Date; to: Date }>(value: T) => value.to > value.from && value.to.getTime() - value.from.getTime() <= MAX_RANGE_DAYS * DAY_MS;
const rangeProblem = { path: ['to'], message: `must be after from and at most ${MAX_RANGE_DAYS} days later` };

export const availabilitySchema = z
  .object({ serviceId, from: instant, to: instant, limit: z.number().int().min(1).max(500).default(20) })
  .refine(range, rangeProblem);

/** A holder names who keeps a hold (`call:<sid>`); it prefixes the hold's idempotency key. */
export const holdSchema = z.object({
  serviceId,
  start: instant,
  holder: z.string().regex(/^[A-Za-z0-9._@:-]{1,100}$/, 'must be 1-100 letters, digits or . _ @ : -'),
});

const caller = {
  callerName: z.string().trim().min(1).max(120),
  callerPhone: z
    .string()
    .trim()
    .max(20)
    .refine((phone) => /^\+?[\d\s().-]+$/.test(phone) && phone.replace(/\D/g, '').length >= 3, 'must be a phone number'),
};

export const confirmSchema = z.object({ holdId: z.string(), ...caller, by });

export const bookSchema = z.object({ serviceId, start: instant, ...caller, by, idempotencyKey: z.string().trim().min(1).max(200) });

export const findSchema = z.object({ callerPhone: caller.callerPhone, callerName: z.string().trim().max(120).optional() });

export const rescheduleSchema = z.object({ bookingId: z.string(), start: instant, by });

export const cancelSchema = z.object({ bookingId: z.string(), by });

export const listSchema = z.object({ from: instant, to: instant }).refine(range, rangeProblem);
