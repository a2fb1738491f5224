import { z } from 'zod';
import { addDays, formatLocal, parseLocal, toLocalParts } from '@tero/core';
import type { LlmToolCall, LlmToolDefinition } from '@tero/sdk';
import type { AgentAction, AgentKnowledge, AgentTools, BookingSummary, CallFacts, TurnIntent } from '../engine.port';

/**
 * The functions the LLM agent may call, each a thin, validated wrapper over one {@link AgentTools}
 * method. The model speaks in the business's wall-clock time (`YYYY-MM-DDTHH:MM`) and E.164 numbers;
 * a function checks its arguments and answers a mistake with an error result the model can correct,
 * never with an exception. Two functions end the turn: `transfer` and `end_call`.
 */

/** What running one function produced. */
export interface FunctionOutcome {
  /** Sent back to the model as the tool result (JSON). `ok: false` results carry `error` and a hint. */
  result: Record<string, unknown>;
  /** The call must continue this way once the round is over (a transfer or a hang-up). */
  action?: Exclude<AgentAction, { type: 'listen' } | { type: 'voicemail' }>;
  /** What the caller hears with that action, when the model gave it as an argument. */
  say?: string;
  /** What the call was about, when this function shows it. */
  intent?: TurnIntent;
  /** A booking the ledger confirmed (booked or moved) during this call. */
  confirmedBooking?: string;
  /** The exception a tool threw, for the engine's log; the model only hears that the system failed. */
  failure?: unknown;
}

/** What a function runs with. */
export interface FunctionContext {
  call: CallFacts;
  knowledge: AgentKnowledge;
  tools: AgentTools;
}

interface AgentFunction<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  run(args: z.infer<S>, context: FunctionContext): Promise<FunctionOutcome>;
}

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const LOCAL_DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/;
/** E.164: `+`, then 7 to 15 digits, the first not 0. */
export const E164 = /^\+[1-9]\d{6,14}$/;
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** The widest availability window one search may cover. */
const MAX_WINDOW_DAYS = 31;

/** Whether a `YYYY-MM-DD[THH:MM]` names a real calendar day and time (not 2026-02-30 or 25:00). */
function isRealLocal(text: string): boolean {
  const [y, m, d, h = 0, min = 0] = text.split(/[-T:]/).map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && h < 24 && min < 60;
}

const localDateTime = (what: string) =>
  z
    .string()
    .regex(LOCAL_DATE_TIME, 'must be local time YYYY-MM-DDTHH:MM')
    .refine(isRealLocal, 'is not a real date and time')
    .describe(`${what}, local wall-clock time of the business: YYYY-MM-DDTHH:MM`);
const localDateOrTime = (what: string) =>
  z
    .string()
    .regex(LOCAL_DATE_OR_TIME, 'must be YYYY-MM-DD or YYYY-MM-DDTHH:MM')
    .refine(isRealLocal, 'is not a real date')
    .describe(`${what}, local time of the business: YYYY-MM-DDTHH:MM, or YYYY-MM-DD for the whole day`);
const e164 = (what: string) => z.string().regex(E164, 'must be E.164, like +15550142233').describe(`${what}, E.164 (like +15550142233)`);

/** A local moment the model can read: `2026-03-10T09:00` and its weekday. */
function spoken(instant: Date, timezone: string): { start: string; weekday: string } {
  return { start: formatLocal(instant, timezone), weekday: WEEKDAY_NAMES[toLocalParts(instant, timezone).weekday] };
}

function bookingView(booking: BookingSummary, timezone: string): Record<string, unknown> {
  return {
    booking_id: booking.bookingId,
    service_id: booking.serviceId,
    service: booking.serviceName,
    ...spoken(booking.start, timezone),
    end: formatLocal(booking.end, timezone),
    caller_name: booking.callerName,
  };
}

function serviceName(knowledge: AgentKnowledge, id: string): string {
  return knowledge.services.find((service) => service.id === id)?.name ?? id;
}

/** Keeps each function's argument type while they share one list. */
function defineFunction<S extends z.ZodType>(fn: AgentFunction<S>): AgentFunction {
  return fn as unknown as AgentFunction;
}

const failed = (error: string, hint: string): FunctionOutcome => ({ result: { ok: false, error, hint } });

/** The functions for one business: service ids are an enum of its bookable services. */
export function agentFunctions(knowledge: AgentKnowledge): AgentFunction[] {
  const bookable = knowledge.services.filter((service) => service.bookable).map((service) => service.id);
  // z.enum needs at least one value; a business with nothing bookable gets a schema no id satisfies.
  const serviceId = (bookable.length ? z.enum(bookable as [string, ...string[]]) : z.never()).describe('Id of a bookable service');
  const tz = knowledge.timezone;

  const functions: AgentFunction[] = [
    defineFunction({
      name: 'check_availability',
      description: 'Free start times for a bookable service in a window of local time, earliest first. Call it before offering times.',
      schema: z
        .object({
          service_id: serviceId,
          from: localDateOrTime('Start of the window'),
          to: localDateOrTime('End of the window (a date alone means the end of that day)'),
          limit: z.number().int().min(1).max(5).optional().describe('How many times to return; 3 if absent'),
        })
        .strict(),
      async run(args, { call, tools }) {
        const from = new Date(Math.max(parseLocal(args.from, tz).getTime(), call.now.getTime()));
        const to = args.to.length === 10 ? parseLocal(addDays(args.to, 1), tz) : parseLocal(args.to, tz);
        if (to.getTime() <= from.getTime()) return failed('the window is empty or in the past', 'Ask the caller for a later day or time.');
        if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
          return failed(`the window is longer than ${MAX_WINDOW_DAYS} days`, 'Search a shorter window.');
        }
        const slots = await tools.checkAvailability({ serviceId: args.service_id, from, to, limit: args.limit ?? 3 });
        return {
          intent: 'book',
          result: {
            ok: true,
            service: serviceName(knowledge, args.service_id),
            slots: slots.map((slot) => ({ ...spoken(slot.start, tz), end: formatLocal(slot.end, tz) })),
            ...(slots.length ? {} : { hint: 'Nothing free in that window: offer to search another day.' }),
          },
        };
      },
    }),
    defineFunction({
      name: 'hold_slot',
      description: 'Holds a free start time for this caller for a few minutes while they confirm. Hold before reading the details back.',
      schema: z.object({ service_id: serviceId, start: localDateTime('Start time') }).strict(),
      async run(args, { tools }) {
        const hold = await tools.holdSlot({ serviceId: args.service_id, start: parseLocal(args.start, tz) });
        if (!hold.ok) return { intent: 'book', result: { ok: false, error: hold.reason, hint: 'Offer another time from check_availability.' } };
        return {
          intent: 'book',
          result: {
            ok: true,
            hold_id: hold.holdId,
            service: serviceName(knowledge, hold.serviceId),
            ...spoken(hold.start, tz),
            end: formatLocal(hold.end, tz),
            expires_at: formatLocal(hold.expiresAt, tz),
          },
        };
      },
    }),
    defineFunction({
      name: 'book',
      description: "Turns a hold into a booking. Only after the caller confirmed the service, day, time, their name and phone number. Only an ok result means it is booked.",
      schema: z
        .object({
          hold_id: z.string().min(1).describe('hold_id from hold_slot'),
          caller_name: z.string().trim().min(2).max(120).describe("The caller's full name as they gave it"),
          caller_phone: e164("The caller's phone number"),
        })
        .strict(),
      async run(args, { tools }) {
        const booked = await tools.book({ holdId: args.hold_id, callerName: args.caller_name, callerPhone: args.caller_phone });
        if (!booked.ok) return { intent: 'book', result: { ok: false, error: booked.reason, hint: 'It is NOT booked. Check availability again.' } };
        return {
          intent: 'book',
          confirmedBooking: booked.bookingId,
          result: { ok: true, booking_id: booked.bookingId, service: serviceName(knowledge, booked.serviceId), ...spoken(booked.start, tz) },
        };
      },
    }),
    defineFunction({
      name: 'find_bookings',
      description: "The caller's upcoming bookings, by phone number (the caller's own by default) and optionally name.",
      schema: z
        .object({
          caller_phone: e164('Phone number the booking was made with').optional(),
          caller_name: z.string().trim().min(2).max(120).optional(),
        })
        .strict(),
      async run(args, { call, tools }) {
        const phone = args.caller_phone ?? call.callerNumber;
        if (!E164.test(phone)) return failed('no phone number to search by', "Ask for the phone number the booking was made with.");
        const bookings = await tools.findBookings({ callerPhone: phone, ...(args.caller_name ? { callerName: args.caller_name } : {}) });
        return { result: { ok: true, bookings: bookings.map((booking) => bookingView(booking, tz)) } };
      },
    }),
    defineFunction({
      name: 'reschedule',
      description: 'Moves one of the caller\'s bookings (from find_bookings) to a new start time, after the caller confirmed it.',
      schema: z.object({ booking_id: z.string().min(1), start: localDateTime('New start time') }).strict(),
      async run(args, { tools }) {
        const changed = await tools.reschedule({ bookingId: args.booking_id, start: parseLocal(args.start, tz) });
        if (!changed.ok) return { intent: 'reschedule', result: { ok: false, error: changed.reason, hint: 'It was NOT moved.' } };
        return { intent: 'reschedule', confirmedBooking: changed.booking.bookingId, result: { ok: true, booking: bookingView(changed.booking, tz) } };
      },
    }),
    defineFunction({
      name: 'cancel',
      description: "Cancels one of the caller's bookings (from find_bookings), after the caller confirmed it.",
      schema: z.object({ booking_id: z.string().min(1) }).strict(),
      async run(args, { tools }) {
        const changed = await tools.cancel({ bookingId: args.booking_id });
        if (!changed.ok) return { intent: 'cancel', result: { ok: false, error: changed.reason, hint: 'It was NOT cancelled.' } };
        return { intent: 'cancel', result: { ok: true, cancelled: bookingView(changed.booking, tz) } };
      },
    }),
    defineFunction({
      name: 'take_message',
      description: 'Leaves a message for the team, who will call back. Read the callback number back to the caller.',
      schema: z
        .object({
          caller_name: z.string().trim().min(1).max(120).optional(),
          callback_number: e164('Number to call back'),
          text: z.string().trim().min(3).max(2000).describe('The message, in the caller\'s words, with when to call back'),
          urgent: z.boolean().optional(),
        })
        .strict(),
      async run(args, { tools }) {
        const { messageId } = await tools.takeMessage({
          callerName: args.caller_name ?? null,
          callbackNumber: args.callback_number,
          text: args.text,
          urgent: args.urgent ?? false,
        });
        return { intent: 'message', result: { ok: true, message_id: messageId } };
      },
    }),
    defineFunction({
      name: 'transfer',
      description: 'Puts the call through to a person: "human" when the caller asks for one, "emergency" for an emergency. Ends your part of the call.',
      schema: z
        .object({
          reason: z.enum(['human', 'emergency']),
          announcement: z.string().trim().min(1).max(300).optional().describe('What to say before putting the caller through'),
        })
        .strict(),
      async run(args, { tools }) {
        const to = tools.transferTarget(args.reason);
        const intent: TurnIntent = args.reason === 'emergency' ? 'emergency' : 'human';
        if (!to) return { intent, result: { ok: false, error: 'no_number', hint: 'Nobody can take the call now: offer to take a message.' } };
        return { intent, action: { type: 'transfer', to, reason: args.reason }, say: args.announcement, result: { ok: true } };
      },
    }),
    defineFunction({
      name: 'send_confirmation',
      description: 'Sends the caller a confirmation of a booking made or moved in this call.',
      schema: z.object({ booking_id: z.string().min(1) }).strict(),
      async run(args, { tools }) {
        const { sent } = await tools.sendConfirmation({ bookingId: args.booking_id });
        return { result: { ok: true, sent } };
      },
    }),
    defineFunction({
      name: 'end_call',
      description: 'Says goodbye and hangs up, when the caller has nothing more.',
      schema: z.object({ farewell: z.string().trim().min(1).max(300).optional().describe('Your last words') }).strict(),
      async run(args) {
        return { intent: 'goodbye', action: { type: 'hangup' }, say: args.farewell, result: { ok: true } };
      },
    }),
  ];
  return functions;
}

/** The functions as the model sees them. */
export function toolDefinitions(functions: AgentFunction[]): LlmToolDefinition[] {
  return functions.map((fn) => {
    const { $schema: _dialect, ...parameters } = z.toJSONSchema(fn.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return { name: fn.name, description: fn.description, parameters };
  });
}

/**
 * Runs one tool call: unknown functions, arguments that are not an object or break the schema, and
 * tools that throw all become `ok: false` results naming the problem, so the model can correct itself.
 */
export async function runToolCall(call: LlmToolCall, functions: AgentFunction[], context: FunctionContext): Promise<FunctionOutcome> {
  const fn = functions.find((candidate) => candidate.name === call.name);
  if (!fn) return failed(`unknown function "${call.name}"`, `Use one of: ${functions.map((f) => f.name).join(', ')}.`);
  if (!call.arguments) return failed('the arguments are not a JSON object', 'Call it again with a JSON object of arguments.');
  const parsed = fn.schema.safeParse(call.arguments);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
    return { result: { ok: false, error: 'invalid arguments', issues, hint: 'Fix the arguments and call it again.' } };
  }
  try {
    return await fn.run(parsed.data, context);
  } catch (error) {
    return { failure: error, result: { ok: false, error: 'the system failed', hint: 'It did NOT happen. Apologise and offer to take a message.' } };
  }
}
