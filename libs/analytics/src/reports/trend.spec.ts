import { trendOf, trendOfNullable } from './trend';

describe('trendOf', () => {
  it('gives the change and its ratio to the previous value', () => {
    expect(trendOf(125, 100)).toEqual({ current: 125, previous: 100, change: 25, ratio: 0.25, direction: 'up' });
    expect(trendOf(30, 40)).toEqual({ current: 30, previous: 40, change: -10, ratio: -0.25, direction: 'down' });
    expect(trendOf(7, 7)).toEqual({ current: 7, previous: 7, change: 0, ratio: 0, direction: 'flat' });
  });

  it('has no ratio when the previous period had nothing', () => {
    expect(trendOf(12, 0)).toEqual({ current: 12, previous: 0, change: 12, ratio: null, direction: 'up' });
    expect(trendOf(0, 0).ratio).toBeNull();
  });

  it('measures a change from a negative value against its size', () => {
    expect(trendOf(-50, -100).ratio).toBe(0.5);
  });

  it('has no trend when either value is missing', () => {
    expect(trendOfNullable(null, 0.5)).toBeNull();
    expect(trendOfNullable(0.5, null)).toBeNull();
    expect(trendOfNullable(0.6, 0.5)?.direction).toBe('up');
  });
});
