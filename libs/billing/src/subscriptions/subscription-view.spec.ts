import type { SubscriptionStatus } from '@tero/db';
import { inForce } from './subscription-view';

let clock = 0;
const sub = (id: string, status: SubscriptionStatus, replacesId: string | null = null) => ({ id, status, replacesId, createdAt: new Date(++clock * 1000) });

describe('inForce', () => {
  it('nothing live: nothing in force', () => {
    expect(inForce([sub('a', 'canceled')])).toEqual({ current: null, pending: null });
  });

  it('a subscription past its checkout wins over a newer checkout never finished', () => {
    const active = sub('a', 'active');
    const open = sub('b', 'incomplete');
    expect(inForce([open, active])).toEqual({ current: active, pending: null });
  });

  it('among checkouts never finished, the newest is shown', () => {
    const older = sub('a', 'incomplete');
    const newer = sub('b', 'incomplete');
    expect(inForce([older, newer]).current).toBe(newer);
  });

  it('a switch is pending while the subscription it replaces is live, and in force once that one ended', () => {
    const old = sub('old', 'active');
    const open = sub('s1', 'incomplete', 'old');
    const taken = sub('s2', 'trialing', 'old');
    expect(inForce([old, open, taken])).toEqual({ current: old, pending: taken });
    expect(inForce([{ ...old, status: 'canceled' as const }, taken])).toEqual({ current: taken, pending: null });
  });
});
