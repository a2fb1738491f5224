import { planQueueWait } from './queue-wait';

const SETTINGS = { maxWaitSeconds: 120, announceEverySeconds: 30 };

describe('planQueueWait', () => {
  it('announces on the first round and then plays until the next announcement', () => {
    expect(planQueueWait(SETTINGS, 0, null)).toEqual({ leave: false, announce: true, seconds: 30 });
  });

  it('announces again once the interval has passed (a second or two early counts), not before', () => {
    expect(planQueueWait(SETTINGS, 31, 0)).toEqual({ leave: false, announce: true, seconds: 30 });
    expect(planQueueWait(SETTINGS, 29, 0)).toEqual({ leave: false, announce: true, seconds: 30 });
    // A round cut short (the say took longer than planned) waits out the rest of the interval.
    expect(planQueueWait(SETTINGS, 12, 0)).toEqual({ leave: false, announce: false, seconds: 18 });
  });

  it('cuts the last round at the maximum wait, and leaves once it is reached', () => {
    expect(planQueueWait(SETTINGS, 100, 90)).toEqual({ leave: false, announce: false, seconds: 20 });
    expect(planQueueWait(SETTINGS, 120, 90)).toEqual({ leave: true });
    expect(planQueueWait(SETTINGS, 500, 90)).toEqual({ leave: true });
  });

  it('never plans a round shorter than a second, nor announcements more often than every few seconds', () => {
    expect(planQueueWait({ maxWaitSeconds: 60, announceEverySeconds: 0 }, 0, null)).toEqual({ leave: false, announce: true, seconds: 5 });
    expect(planQueueWait({ maxWaitSeconds: 60, announceEverySeconds: 30 }, 59.6, 30)).toEqual({ leave: false, announce: true, seconds: 1 });
  });
});
