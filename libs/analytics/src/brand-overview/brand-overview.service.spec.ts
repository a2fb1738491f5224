import { TREND_DOWN_RATIO, TREND_MIN_PREVIOUS_CALLS, callsTrendingDown } from './brand-overview.service';

describe('calls trending down', () => {
  it('flags a drop of 30 % or more against a previous period that had enough calls to judge', () => {
    expect(TREND_DOWN_RATIO).toBe(0.7);
    expect(callsTrendingDown(7, 10)).toBe(true);
    expect(callsTrendingDown(8, 10)).toBe(false);
    expect(callsTrendingDown(0, TREND_MIN_PREVIOUS_CALLS)).toBe(true);
    // Too few calls before to call it a trend: one or two calls a month come and go.
    expect(callsTrendingDown(0, TREND_MIN_PREVIOUS_CALLS - 1)).toBe(false);
    expect(callsTrendingDown(30, 10)).toBe(false);
  });
});
