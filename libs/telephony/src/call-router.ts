import { localDate, minutesOfDay, toLocalParts } from '@tero/core';
import type { CallRoute, ClientStatus, ProfileDayException, ProfileHours, ProfilePolicies } from '@tero/db';

/** What the router needs to know about the client, its agent and the call. Pure data: the router reads nothing. */
export interface RouteInput {
  now: Date;
  /** Caller id, E.164 (normalised). */
  callerNumber: string;
  client: { status: ClientStatus; timezone: string };
  profile: {
    hours: ProfileHours;
    exceptions: ProfileDayException[];
    policies: ProfilePolicies;
    blockedCallers: string[];
    monthlyMinutes?: number | null;
    transferNumber?: string | null;
    onCallNumber?: string | null;
  };
  /** Billable seconds of the client's calls this calendar month, before this call. */
  usedSecondsThisMonth: number;
}

/** What to do with the call. Every kind answers the caller. */
export type RouteAction =
  /** The AI agent answers. */
  | { kind: 'ai' }
  /** A short message, then voicemail (the caller's message is kept). */
  | { kind: 'voicemail' }
  /** A short message, then the call goes to `to` (E.164). */
  | { kind: 'forward'; to: string }
  /** A short message, then hang up. */
  | { kind: 'message' };

export interface RouteDecision {
  route: CallRoute;
  action: RouteAction;
  /** Why a policy could not be followed as configured (a forward without a number), for the call's timeline. */
  note?: string;
}

const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Whether the business is open at `now` in `timezone`, and why not: a holiday, or outside hours (exception days included). */
export function openingState(now: Date, timezone: string, hours: ProfileHours, exceptions: ProfileDayException[]): 'open' | 'after_hours' | 'holiday' {
  const parts = toLocalParts(now, timezone);
  const today = exceptions.length ? localDate(now, timezone) : null;
  const exception = today ? exceptions.find((day) => day.date === today) : undefined;
  const intervals = exception ? exception.hours : (hours[WEEKDAY_KEYS[parts.weekday]!] ?? []);
  if (exception && intervals.length === 0) return 'holiday';
  const minute = parts.hour * 60 + parts.minute;
  const open = intervals.some(([from, to]) => minute >= minutesOfDay(from) && minute < minutesOfDay(to));
  return open ? 'open' : 'after_hours';
}

/**
 * Decides a new call's path, in this order: the client is suspended (or cancelled), its monthly minutes
 * are used up, the caller is blocked, it is a holiday, it is outside hours (exception days included),
 * else open. Each path follows the client's policy; a forward with no number to forward to falls back to
 * voicemail, so the caller is always answered.
 */
export function routeCall(input: RouteInput): RouteDecision {
  const { profile } = input;
  if (input.client.status === 'suspended' || input.client.status === 'canceled') {
    return withPolicy('suspended', profile.policies.suspended, input);
  }
  if (profile.monthlyMinutes !== null && profile.monthlyMinutes !== undefined && input.usedSecondsThisMonth >= profile.monthlyMinutes * 60) {
    return withPolicy('quota_exceeded', profile.policies.quotaExceeded, input);
  }
  if (input.callerNumber && profile.blockedCallers.includes(input.callerNumber)) {
    return { route: 'blocked', action: { kind: 'message' } };
  }
  const state = openingState(input.now, input.client.timezone, profile.hours, profile.exceptions);
  if (state === 'holiday') return withPolicy('holiday', profile.policies.holiday, input);
  if (state === 'after_hours') return withPolicy('after_hours', profile.policies.afterHours, input);
  return { route: 'open', action: { kind: 'ai' } };
}

function withPolicy(route: CallRoute, policy: 'ai' | 'voicemail' | 'forward' | 'message', input: RouteInput): RouteDecision {
  switch (policy) {
    case 'ai':
      return { route, action: { kind: 'ai' } };
    case 'voicemail':
      return { route, action: { kind: 'voicemail' } };
    case 'message':
      return { route, action: { kind: 'message' } };
    case 'forward': {
      const to = input.profile.transferNumber || input.profile.onCallNumber;
      return to ? { route, action: { kind: 'forward', to } } : { route, action: { kind: 'voicemail' }, note: 'forward policy without a transfer or on-call number' };
    }
  }
}
