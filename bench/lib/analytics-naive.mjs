// The baseline `naive-sql` of `npm run bench -- analytics`: the same questions answered the obvious way,
// in plain SQL over the raw calls, call_turns and bookings tables with no rollups — what a team would
// write first. Each function takes a connected `pg` client and times one answer in ms, as the bench
// process sees it (no HTTP, no authentication: the baseline is given those for free).

const WANTED = ['booked', 'rescheduled', 'cancelled', 'message_taken', 'transferred', 'answered'];

/** `YYYY-MM-DD` local dates → the instants bounding them in `timezone` ([start, end)). */
const bounds = (timezone) => [`(($1::date)::timestamp at time zone '${timezone.replaceAll("'", "''")}')`, `((($2::date) + 1)::timestamp at time zone '${timezone.replaceAll("'", "''")}')`];

/**
 * The dashboard's summary over a range of local dates, straight from the calls: totals, outcomes, calls
 * per local hour and per local date, with the booked calls' revenue — one GROUP BY per figure.
 */
export function naiveSummary(pg, { clientId, timezone }) {
  const [from, to] = bounds(timezone);
  const zone = `'${timezone.replaceAll("'", "''")}'`;
  const where = `c.client_id = $3 and c.started_at >= ${from} and c.started_at < ${to}`;
  return async (range) => {
    const started = performance.now();
    const params = [range.from, range.to, clientId];
    // One after another: one connection, as one request of a server would have.
    const days = await pg.query(
      `select (c.started_at at time zone ${zone})::date as day, count(*) as calls,
              count(*) filter (where c.outcome is not null) as ended,
              count(*) filter (where c.outcome = any($4)) as wanted,
              sum(c.duration_seconds) as duration, count(c.duration_seconds) as durations,
              coalesce(sum(b.value_minor) filter (where c.outcome = 'booked'), 0) as revenue,
              count(*) filter (where c.route in ('after_hours', 'holiday') and c.outcome in ('booked', 'message_taken')) as recovered
         from calls c left join bookings b on b.id = c.booking_id
        where ${where} group by 1 order by 1`,
      [...params, WANTED],
    );
    const outcomes = await pg.query(`select c.outcome, count(*) from calls c where ${where} and c.outcome is not null group by 1`, params);
    const hours = await pg.query(`select extract(hour from c.started_at at time zone ${zone})::int as hour, count(*) from calls c where ${where} group by 1`, params);
    const totals = days.rows.reduce((t, d) => ({ calls: t.calls + Number(d.calls), revenue: t.revenue + Number(d.revenue) }), { calls: 0, revenue: 0 });
    return { ms: performance.now() - started, calls: totals.calls, outcomes: outcomes.rowCount, hours: hours.rowCount };
  };
}

/** The call log's first page for a range, outcomes and caller digits: the obvious query. */
export function naiveSearch(pg, { clientId, timezone }) {
  const [from, to] = bounds(timezone);
  return async ({ range, outcomes, caller }) => {
    const started = performance.now();
    const { rowCount } = await pg.query(
      `select c.id, c.started_at, c.from_number, c.caller_name, c.route, c.outcome, c.duration_seconds, c.turn_count
         from calls c
        where c.client_id = $3 and c.started_at >= ${from} and c.started_at < ${to} and c.outcome = any($4) and c.from_number like '%' || $5 || '%'
        order by c.started_at desc, c.id desc limit 25`,
      [range.from, range.to, clientId, outcomes, caller],
    );
    return { ms: performance.now() - started, rows: rowCount };
  };
}

/** The call log's first page of calls whose transcript has the words: a join on the turns, ILIKE. */
export function naiveTextSearch(pg, { clientId, timezone }) {
  const [from, to] = bounds(timezone);
  return async ({ range, text }) => {
    const started = performance.now();
    const { rowCount } = await pg.query(
      `select c.id, c.started_at, c.from_number, c.caller_name, c.route, c.outcome, c.duration_seconds, c.turn_count,
              (select t.text from call_turns t where t.call_id = c.id and t.text ilike '%' || $4 || '%' order by t.seq limit 1) as snippet
         from calls c
        where c.client_id = $3 and c.started_at >= ${from} and c.started_at < ${to}
          and exists (select 1 from call_turns t where t.call_id = c.id and t.text ilike '%' || $4 || '%')
        order by c.started_at desc, c.id desc limit 25`,
      [range.from, range.to, clientId, text],
    );
    return { ms: performance.now() - started, rows: rowCount };
  };
}
