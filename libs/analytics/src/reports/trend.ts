/** How a figure moved from the previous period to this one. */
export interface Trend {
  current: number;
  previous: number;
  /** current − previous. */
  change: number;
  /** The change over the previous value, as a fraction (0.25 for +25 %); null when the previous value was 0. */
  ratio: number | null;
  direction: 'up' | 'down' | 'flat';
}

/**
 * The trend of a figure versus the previous period. A previous value of 0 has no ratio (any growth from
 * nothing is infinite): the report then shows the change alone. Values that may be null (a success rate
 * with no ended call) count as no trend.
 */
export function trendOf(current: number, previous: number): Trend {
  const change = current - previous;
  return {
    current,
    previous,
    change,
    ratio: previous === 0 ? null : change / Math.abs(previous),
    direction: change > 0 ? 'up' : change < 0 ? 'down' : 'flat',
  };
}

/** The trend of a figure that may be missing in either period (null when it is). */
export function trendOfNullable(current: number | null, previous: number | null): Trend | null {
  return current === null || previous === null ? null : trendOf(current, previous);
}
