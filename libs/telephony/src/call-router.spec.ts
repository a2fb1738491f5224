import { parseLocal } from '@tero/core';
import { type RouteInput, openingState, routeCall } from './call-router';

const ZONE = 'America/New_York';
const HOURS = {
  mon: [['09:00', '12:00'], ['13:00', '17:00']] as [string, string][],
  tue: [['09:00', '17:00']] as [string, string][],
  wed: [['09:00', '17:00']] as [string, string][],
  thu: [['09:00', '17:00']] as [string, string][],
  fri: [['09:00', '17:00']] as [string, string][],
  sat: [] as [string, string][],
  sun: [] as [string, string][],
};

type Overrides = Partial<Omit<RouteInput, 'profile'>> & { profile?: Partial<RouteInput['profile']> };

function input(at: string, over: Overrides = {}): RouteInput {
  return {
    now: parseLocal(at, ZONE),
    callerNumber: '+15550001111',
    usedSecondsThisMonth: 0,
    ...over,
    client: { status: 'active', timezone: ZONE, ...over.client },
    profile: {
      hours: HOURS,
      exceptions: [],
      policies: { afterHours: 'voicemail', holiday: 'voicemail', suspended: 'message', quotaExceeded: 'voicemail', emergency: 'transfer' },
      blockedCallers: [],
      monthlyMinutes: null,
      transferNumber: '+15550009999',
      onCallNumber: null,
      ...over.profile,
    },
  };
}

describe('routeCall', () => {
  // 2026-03-09 is a Monday.
  it('sends calls in open hours to the AI agent, in the client\'s time zone', () => {
    expect(routeCall(input('2026-03-09T10:30'))).toEqual({ route: 'open', action: { kind: 'ai' } });
    // 14:30 UTC is 10:30 in New York (EDT starts 2026-03-08): open there, whatever the server's zone.
    expect(openingState(new Date('2026-03-09T14:30:00Z'), ZONE, HOURS, [])).toBe('open');
    expect(openingState(new Date('2026-03-09T14:30:00Z'), 'Asia/Tokyo', HOURS, [])).toBe('after_hours');
  });

  it('treats the lunch break, the closing minute and the weekend as after hours', () => {
    expect(routeCall(input('2026-03-09T12:30')).route).toBe('after_hours');
    expect(routeCall(input('2026-03-09T17:00')).route).toBe('after_hours');
    expect(routeCall(input('2026-03-09T16:59')).route).toBe('open');
    expect(routeCall(input('2026-03-14T10:00')).route).toBe('after_hours');
  });

  it('follows the after-hours policy: voicemail, the AI, or a forward to the transfer number', () => {
    const policies = (afterHours: 'ai' | 'voicemail' | 'forward') => ({
      policies: { afterHours, holiday: 'voicemail' as const, suspended: 'message' as const, quotaExceeded: 'voicemail' as const, emergency: 'transfer' as const },
    });
    expect(routeCall(input('2026-03-09T20:00', { profile: policies('voicemail') })).action).toEqual({ kind: 'voicemail' });
    expect(routeCall(input('2026-03-09T20:00', { profile: policies('ai') })).action).toEqual({ kind: 'ai' });
    expect(routeCall(input('2026-03-09T20:00', { profile: policies('forward') })).action).toEqual({ kind: 'forward', to: '+15550009999' });
  });

  it('falls back to voicemail when a forward has no number to go to, and says why', () => {
    const decision = routeCall(
      input('2026-03-09T20:00', {
        profile: {
          transferNumber: null,
          onCallNumber: null,
          policies: { afterHours: 'forward', holiday: 'voicemail', suspended: 'message', quotaExceeded: 'voicemail', emergency: 'transfer' },
        },
      }),
    );
    expect(decision).toEqual({ route: 'after_hours', action: { kind: 'voicemail' }, note: expect.stringContaining('without a transfer') });
  });

  it('routes holidays and exception days by the exception, not the week', () => {
    const exceptions = [
      { date: '2026-03-09', name: 'Closed for training', hours: [] },
      { date: '2026-03-14', hours: [['10:00', '12:00']] as [string, string][] },
    ];
    expect(routeCall(input('2026-03-09T10:30', { profile: { exceptions } })).route).toBe('holiday');
    expect(routeCall(input('2026-03-14T11:00', { profile: { exceptions } })).route).toBe('open');
    expect(routeCall(input('2026-03-14T13:00', { profile: { exceptions } })).route).toBe('after_hours');
  });

  it('puts suspension first, then the quota, then blocked callers, before any hours', () => {
    expect(routeCall(input('2026-03-09T10:30', { client: { status: 'suspended', timezone: ZONE } }))).toEqual({ route: 'suspended', action: { kind: 'message' } });
    expect(routeCall(input('2026-03-09T10:30', { client: { status: 'canceled', timezone: ZONE } })).route).toBe('suspended');
    expect(routeCall(input('2026-03-09T10:30', { usedSecondsThisMonth: 600, profile: { monthlyMinutes: 10 } }))).toEqual({
      route: 'quota_exceeded',
      action: { kind: 'voicemail' },
    });
    expect(routeCall(input('2026-03-09T10:30', { usedSecondsThisMonth: 599, profile: { monthlyMinutes: 10 } })).route).toBe('open');
    expect(routeCall(input('2026-03-09T10:30', { profile: { blockedCallers: ['+15550001111'] } }))).toEqual({ route: 'blocked', action: { kind: 'message' } });
    expect(
      routeCall(input('2026-03-09T10:30', { client: { status: 'suspended', timezone: ZONE }, usedSecondsThisMonth: 10_000, profile: { monthlyMinutes: 1, blockedCallers: ['+15550001111'] } }))
        .route,
    ).toBe('suspended');
  });

  it('counts no quota when the client has unlimited minutes', () => {
    expect(routeCall(input('2026-03-09T10:30', { usedSecondsThisMonth: 10_000_000 })).route).toBe('open');
  });
});
