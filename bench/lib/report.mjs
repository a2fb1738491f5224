// Tables for benchmark results: one row per target, then `ours / baseline` for every metric, then the
// targets the issue sets. Benchmarks print figures beside their targets; they never pass or fail.

/**
 * @typedef {object} Metric
 * @property {string} key
 * @property {string} label      column heading, with its unit
 * @property {number} [digits]   decimals shown (default 0)
 * @property {boolean} [ratio]   whether `ours / baseline` is shown for it (default true)
 * @property {string} [target]   the goal, as people read it: `≥ 1.00×`, `< 300 MB`
 */

/**
 * @typedef {object} Row
 * @property {string} target     what was measured: `tero (SQLite)`, `jambonz-express-app`
 * @property {'ours' | 'baseline'} [role]
 * @property {Record<string, number | null>} values   null when not measured
 */

const pad = (text, width, right = false) => (right ? String(text).padStart(width) : String(text).padEnd(width));

function cell(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Formats one table: the rows, the ratio of the row marked `ours` to the row marked `baseline` (the
 * named baseline), and the targets.
 * @param {{ title: string, baseline: string, metrics: Metric[], rows: Row[], notes?: string[] }} table
 * @returns {string}
 */
export function formatTable({ title, baseline, metrics, rows, notes = [] }) {
  const ours = rows.find((r) => r.role === 'ours');
  const base = rows.find((r) => r.role === 'baseline');
  const lines = [[`target`, ...metrics.map((m) => m.label)]];
  for (const row of rows) lines.push([row.target, ...metrics.map((m) => cell(row.values[m.key], m.digits))]);
  if (ours && base) {
    lines.push([
      'ours / baseline',
      ...metrics.map((m) => {
        if (m.ratio === false) return '';
        const a = ours.values[m.key];
        const b = base.values[m.key];
        return a === null || a === undefined || !b ? '–' : `${ratio(a / b)}×`;
      }),
    ]);
  }
  if (metrics.some((m) => m.target)) lines.push(['target', ...metrics.map((m) => m.target ?? '')]);
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  const body = lines.map((l) => l.map((c, i) => pad(c, widths[i], i > 0)).join('   ').trimEnd());
  const rule = '─'.repeat(Math.max(...body.map((l) => l.length)));
  return [``, `${title}`, `baseline: ${baseline}`, rule, body[0], rule, ...body.slice(1), rule, ...notes.map((n) => `  ${n}`)].join('\n');
}

/** A ratio readable at any size: 620×, 1.07×, 0.0012×. */
function ratio(r) {
  if (r >= 100) return r.toFixed(0);
  if (r >= 0.1) return r.toFixed(2);
  return r.toPrecision(2);
}

/** Percentile (0–100) of a sorted array, nearest-rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
