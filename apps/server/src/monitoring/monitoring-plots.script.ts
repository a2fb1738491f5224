/**
 * The monitoring page's script, served as `/assets/monitoring/<hash>/plots.js` after uPlot. It reads the
 * plots' data from `<script type="application/json" id="monitoring-data">` (JSON, never evaluated) and
 * draws each into its `[data-plot="<id>"]` element: counts per bucket as bars, ratios as lines on a 0–100 %
 * axis, the hook latency as a cumulative share over a logarithmic millisecond axis. Colours 0 and 1
 * follow the brand's theme (`--color-primary`, `--color-accent`). Kept as plain browser JavaScript in a
 * string: it is sent as it is, not compiled with the server.
 */
export const MONITORING_PLOTS_SCRIPT = `(() => {
  'use strict';
  const source = document.getElementById('monitoring-data');
  if (!source || typeof uPlot !== 'function') return;
  const payload = JSON.parse(source.textContent || '{}');
  const css = getComputedStyle(document.documentElement);
  const themed = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const palette = [themed('--color-primary', '#4f46e5'), themed('--color-accent', '#0ea5e9'), '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#64748b'];
  const number = new Intl.NumberFormat(payload.locale || undefined, { maximumFractionDigits: 1 });
  const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
  const drawn = [];

  const widthOf = (el) => Math.max(280, Math.floor(el.getBoundingClientRect().width) || 600);

  function options(plot, width) {
    const series = [{}];
    for (const s of plot.series) {
      const color = palette[s.color % palette.length];
      const entry = { label: s.label, scale: s.scale, stroke: color, width: 2, value: (u, v) => (v == null ? '–' : number.format(v) + (s.scale === '%' ? ' %' : '')) };
      if (s.bars && bars) Object.assign(entry, { paths: bars, fill: color, alpha: 0.55, points: { show: false } });
      series.push(entry);
    }
    const time = plot.kind === 'time';
    const scales = { x: time ? { time: true } : { time: false, distr: 3, log: 10 } };
    // A log axis ticks every power of ten between the bucket bounds; the bounds themselves are the points.
    const decades = plot.x.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
    const axes = [time ? {} : { label: plot.xLabel, splits: () => decades, values: (u, values) => values.map((v) => number.format(v)) }];
    const hasCount = plot.series.some((s) => s.scale === 'n');
    const hasPercent = plot.series.some((s) => s.scale === '%');
    if (hasCount) {
      scales.n = { range: (u, min, max) => [0, Math.max(1, max)] };
      axes.push({ scale: 'n', values: (u, values) => values.map((v) => (Number.isInteger(v) ? number.format(v) : '')) });
    }
    if (hasPercent) {
      scales['%'] = { range: () => [0, 100] };
      axes.push({ scale: '%', side: hasCount ? 1 : 3, grid: { show: !hasCount }, values: (u, values) => values.map((v) => number.format(v) + ' %') });
    }
    return { width, height: 240, series, scales, axes, legend: { live: true }, cursor: { drag: { x: false, y: false } } };
  }

  for (const plot of payload.plots || []) {
    const target = document.querySelector('[data-plot="' + plot.id + '"]');
    if (!target || !plot.series.length) continue;
    target.textContent = '';
    const data = [plot.x, ...plot.series.map((s) => s.values)];
    drawn.push({ target, chart: new uPlot(options(plot, widthOf(target)), data, target) });
  }

  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const { target, chart } of drawn) chart.setSize({ width: widthOf(target), height: 240 });
    });
  });
})();
`;
