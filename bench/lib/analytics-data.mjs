// The data of `npm run bench -- analytics`: one client's calls over about two years, with their turns and
// the bookings of the booked ones, written by PostgreSQL itself (`insert … select … generate_series`) so
// that a million calls and four million turns take minutes, not hours; then the client's daily rollups
// built by the real service (dist/ CallRollups) and the tables analysed.
//
// The distributions are made to look like a busy practice's: more calls in office hours and fewer at
// night, a slowly growing volume, repeat callers (a caller pool smaller than the calls, skewed), outcomes
// in realistic shares, durations by outcome, and transcripts assembled from phrases that name services,
// days and people, so that a text search has to look through varied text. Rows are reproducible in shape,
// not in value (PostgreSQL's random()).
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (path) => require(join(root, 'dist', path));

/** Days the calls spread over, ending today (the client's local today). */
export const HISTORY_DAYS = 730;
/** Turns of an ordinary call: greeting, request, answer, closing. */
const TURNS_PER_CALL = 4;
/** Calls written per statement (a progress line each). */
const CHUNK = 100_000;

/** Calls per local hour of the day, as relative weights (office hours busiest, a lunch dip, quiet nights). */
const HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 3, 8, 12, 12, 11, 8, 10, 11, 10, 9, 6, 4, 3, 2, 2, 1, 1];
/** How calls end, as relative weights (about a quarter booked, a tenth abandoned). */
const OUTCOME_WEIGHTS = {
  booked: 22,
  answered: 29,
  message_taken: 14,
  transferred: 6,
  transfer_failed: 1,
  rescheduled: 4,
  cancelled: 3,
  voicemail: 3,
  abandoned: 11,
  spam: 5,
  failed: 2,
};
/** Distinct callers: fewer than the calls, so that people call again (the pool is drawn skewed). */
const CALLER_POOL = 180_000;
const AREA_CODES = ['212', '646', '718', '917', '347', '929', '201', '973', '516', '914'];
const FIRST_NAMES = ['Maria', 'James', 'Aisha', 'Wei', 'Carlos', 'Olivia', 'Noah', 'Fatima', 'Liam', 'Sofia', 'Ethan', 'Priya', 'Lucas', 'Chloe', 'Mateo', 'Hannah', 'Omar', 'Grace', 'Diego', 'Zoe'];
const LAST_NAMES = ['Lopez', 'Smith', 'Khan', 'Chen', 'Garcia', 'Brown', 'Nguyen', 'Patel', 'Johnson', 'Rossi', 'Kowalski', 'Ali', 'Martin', 'Silva', 'Cohen', 'Dubois', 'Murphy', 'Kim', 'Haddad', 'Novak'];
/** Services callers ask about when the client's profile names none. */
const FALLBACK_SERVICES = [
  { id: 'cleaning', name: 'Cleaning', priceMinor: 12000, durationMinutes: 45 },
  { id: 'checkup', name: 'Check-up', priceMinor: 9000, durationMinutes: 30 },
  { id: 'whitening', name: 'Whitening', priceMinor: 35000, durationMinutes: 60 },
];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'tomorrow', 'next week', 'this afternoon', 'Saturday morning'];
const GREETINGS = [
  'Thank you for calling, this is Ava, how can I help you today?',
  'Hello, you have reached the front desk, I am the virtual receptionist. What can I do for you?',
  'Good day, thanks for calling. How may I help?',
];
/** What callers ask for; `{s}` is a service's name, `{d}` a day. Two mention a root canal, one a wisdom tooth: the text searches look for those. */
const REQUESTS = [
  'Hi, I would like to book a {s} {d} if you have anything',
  'Can I get an appointment for a {s} {d}?',
  'I need to move my {s} to {d}',
  'I have to cancel my {s} on {d}, something came up',
  'How much does a {s} cost?',
  'Do you take my insurance for a {s}?',
  'My tooth really hurts, I think I need a root canal, can someone see me {d}?',
  'I was told I need a root canal and a crown, what are the prices?',
  'My wisdom tooth is swollen, can I come in {d}?',
  'What time do you open {d}?',
  'Where are you located, is there parking?',
  'Can I speak to the dentist please?',
  'I am returning a call about my {s}',
  'Is Dr. Patel working {d}?',
  'I would like to leave a message for the office',
  'My daughter needs a {s}, do you see children?',
];
const CLOSINGS = ['Thank you, bye', 'Great, thanks a lot', 'Perfect, see you then', 'OK, I will wait for the call', 'No that is all, goodbye', 'Thanks for your help'];
/** The agent's answer by outcome; `{s}` a service, `{d}` a day. */
const ANSWERS = {
  booked: 'You are booked for a {s} {d}. You will get a text to confirm.',
  rescheduled: 'Done, your {s} is moved to {d}.',
  cancelled: 'Your {s} on {d} is cancelled. Would you like to book another time?',
  message_taken: 'I have taken a message, the office will call you back {d}.',
  transferred: 'Let me put you through to the team, one moment please.',
  transfer_failed: 'Nobody could take the call right now, I will make sure they call you back.',
  answered: 'We are open from eight to six on weekdays, and a {s} usually takes under an hour.',
  voicemail: 'Please leave your message after the tone.',
  abandoned: 'Are you still there?',
  spam: 'This line is for patients of the practice. Goodbye.',
  failed: 'Sorry, something went wrong.',
};

/** `['a','b']` as a PostgreSQL text[] literal. */
const textArray = (items) => `array[${items.map((s) => `'${String(s).replaceAll("'", "''")}'`).join(',')}]::text[]`;
const weighted = (weights) => Object.entries(weights).flatMap(([value, weight]) => Array(weight).fill(value));

/** The client the calls go to, its brand's currency, its zone, number and services (from its agent profile). */
async function clientFrame(pg, clientId) {
  const { rows } = await pg.query(
    `select c.id, c.brand_id, c.timezone, b.currency, p.services,
            (select n.number from phone_numbers n where n.client_id = c.id limit 1) as number
       from clients c join brands b on b.id = c.brand_id left join agent_profiles p on p.client_id = c.id
      where c.id = $1`,
    [clientId],
  );
  const row = rows[0];
  if (!row) throw new Error(`client ${clientId} not found`);
  const profiled = (row.services ?? []).filter((s) => s.bookable !== false && s.priceMinor > 0);
  const services = (profiled.length ? profiled : FALLBACK_SERVICES).map((s) => ({
    id: s.id,
    name: typeof s.name === 'string' ? s.name : (s.name?.en ?? Object.values(s.name ?? {})[0] ?? s.id),
    priceMinor: s.priceMinor,
    durationMinutes: s.durationMinutes ?? 30,
  }));
  return { clientId: row.id, brandId: row.brand_id, timezone: row.timezone, currency: row.currency, number: row.number ?? '+15550100000', services };
}

/**
 * The calls `from`..`to` (numbers in the call sid): each row's random draws are made once in the inner
 * select (`offset 0` keeps PostgreSQL from inlining it, which would draw again per use).
 */
function callsStatement(frame) {
  const hours = weighted(Object.fromEntries(HOUR_WEIGHTS.map((w, h) => [h, w]))).map(Number);
  const outcomes = weighted(OUTCOME_WEIGHTS);
  const names = textArray(FIRST_NAMES);
  const surnames = textArray(LAST_NAMES);
  return `
    insert into calls (id, created_at, updated_at, brand_id, client_id, call_sid, direction, from_number, to_number, caller_name, status, route, outcome, locale,
                       started_at, ended_at, duration_seconds, billable_seconds, ai_disclosed, recording_consent, transfer_to, booking_id, message_id, turn_count)
    select md5('call' || g.n)::uuid, t.started_at + make_interval(secs => g.duration), t.started_at + make_interval(secs => g.duration), $3::uuid, $4::uuid,
           'bench-' || g.n, 'inbound',
           '+1' || (${textArray(AREA_CODES)})[1 + g.caller % ${AREA_CODES.length}] || lpad(((g.caller::bigint * 7919 + 1234567) % 10000000)::text, 7, '0'),
           $5::text,
           case when g.caller % 5 < 2 then (${names})[1 + g.caller % ${FIRST_NAMES.length}] || ' ' || (${surnames})[1 + (g.caller / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}] end,
           'completed',
           case when g.r_route < 0.004 then 'blocked'
                when extract(isodow from t.local_day) >= 6 or g.hour < 8 or g.hour >= 18 then case when g.r_route < 0.03 then 'holiday' else 'after_hours' end
                else 'open' end,
           g.outcome, case when g.r_route > 0.9 then 'es' else 'en' end,
           t.started_at, t.started_at + make_interval(secs => g.duration), g.duration, g.duration, true, null,
           case when g.outcome = 'transferred' then '+12125550199' end,
           case when g.outcome = 'booked' then md5('booking' || g.n)::uuid end, null,
           case g.outcome when 'abandoned' then 1 when 'spam' then 2 when 'failed' then 0 else ${TURNS_PER_CALL} end
      from (
        select n, outcome, caller, r_route, back, hour, sec,
               case outcome when 'abandoned' then 3 + floor(r_duration * 25)::int
                            when 'spam' then 5 + floor(r_duration * 40)::int
                            when 'failed' then 0
                            else 40 + floor(power(r_duration, 2) * 520)::int end as duration
          from (
            select n,
                   (${textArray(outcomes)})[1 + floor(random() * ${outcomes.length})::int] as outcome,
                   floor(power(random(), 2) * ${CALLER_POOL})::int as caller,
                   random() as r_route, random() as r_duration,
                   -- half the calls spread evenly, half denser towards today: a volume that grows over the years
                   floor(${HISTORY_DAYS} * case when random() < 0.5 then random() else 1 - sqrt(random()) end)::int as back,
                   (array[${hours.join(',')}])[1 + floor(random() * ${hours.length})::int] as hour,
                   floor(random() * 3600)::int as sec
              from generate_series($1::int, $2::int) as n
            offset 0
          ) drawn
        offset 0
      ) g
      cross join lateral (select (timezone($6::text, now())::date - g.back) as local_day) d
      cross join lateral (select (d.local_day::timestamp at time zone $6::text) as midnight) m
      -- Today gets a whole day's calls, squeezed into the part of the day gone by (ended 10 minutes ago at the
      -- latest), so that "today" weighs the same whatever the hour the bench runs at.
      cross join lateral (
        select d.local_day,
               case when g.back = 0
                    then m.midnight + greatest(now() - interval '10 minutes' - m.midnight, interval '0') * ((g.hour * 3600 + g.sec) / 86400.0)
                    else (d.local_day + make_interval(hours => g.hour, secs => g.sec))::timestamp at time zone $6::text end as started_at
      ) t`;
}

/** The turns of the calls `from`..`to`: agent greeting, caller request, agent answer (by outcome), caller closing. */
function turnsStatement(frame) {
  const services = textArray(frame.services.map((s) => s.name.toLowerCase()));
  const fill = (column) => `replace(replace(${column}, '{s}', (${services})[1 + (hashtext(c.call_sid) & 2147483647) % ${frame.services.length}]), '{d}', (${textArray(DAYS)})[1 + (hashtext(c.call_sid || 'd') & 2147483647) % ${DAYS.length}])`;
  const answers = `case c.outcome ${Object.entries(ANSWERS).map(([o, text]) => `when '${o}' then '${text.replaceAll("'", "''")}'`).join(' ')} end`;
  return `
    insert into call_turns (id, created_at, updated_at, brand_id, client_id, call_id, seq, speaker, text, confidence, intent, at, stt_latency_ms, barged_in)
    select md5('turn' || c.call_sid || '/' || s)::uuid, c.started_at, c.started_at, c.brand_id, c.client_id, c.id, s,
           case when s % 2 = 0 then 'agent' else 'caller' end,
           case s when 0 then (${textArray(GREETINGS)})[1 + (hashtext(c.call_sid) & 2147483647) % ${GREETINGS.length}]
                  when 1 then ${fill(`(${textArray(REQUESTS)})[1 + floor(random() * ${REQUESTS.length})::int]`)}
                  when 2 then ${fill(answers)}
                  else (${textArray(CLOSINGS)})[1 + floor(random() * ${CLOSINGS.length})::int] end,
           case when s % 2 = 1 then round((0.72 + random() * 0.27)::numeric, 3) end,
           case when s = 1 then case c.outcome when 'booked' then 'book' when 'rescheduled' then 'reschedule' when 'cancelled' then 'cancel' when 'message_taken' then 'message' when 'transferred' then 'human' else 'question' end end,
           c.started_at + make_interval(secs => s * greatest(1, coalesce(c.duration_seconds, 0) / ${TURNS_PER_CALL})),
           case when s % 2 = 1 then 180 + floor(random() * 400)::int end,
           false
      from generate_series($1::int, $2::int) as n
      join calls c on c.id = md5('call' || n)::uuid
      cross join generate_series(0, ${TURNS_PER_CALL - 1}) as s
     where s < c.turn_count`;
}

/** A booking for each booked call: one of the profile's services, a few days after the call, confirmed. */
function bookingsStatement(frame) {
  const k = frame.services.length;
  const pick = (values, cast) => `(array[${values.join(',')}]${cast})[1 + (hashtext(c.call_sid) & 2147483647) % ${k}]`;
  return `
    insert into bookings (id, created_at, updated_at, brand_id, client_id, service_id, service_name, value_minor, currency, starts_at, ends_at, resource, status,
                          hold_expires_at, caller_name, caller_phone, call_sid, idempotency_key, changes)
    select c.booking_id, c.ended_at, c.ended_at, c.brand_id, c.client_id,
           ${pick(frame.services.map((s) => `'${s.id.replaceAll("'", "''")}'`), '::text[]')},
           ${pick(frame.services.map((s) => `'${s.name.replaceAll("'", "''")}'`), '::text[]')},
           ${pick(frame.services.map((s) => Number(s.priceMinor)), '::int[]')},
           $3::text, b.starts_at, b.starts_at + make_interval(mins => ${pick(frame.services.map((s) => Number(s.durationMinutes)), '::int[]')}), 0, 'confirmed',
           null, c.caller_name, left(c.from_number, 20), c.call_sid, 'call:' || c.call_sid, '[]'::jsonb
      from calls c
      cross join lateral (select date_trunc('hour', c.started_at) + make_interval(days => 1 + (hashtext(c.call_sid) & 2147483647) % 14) as starts_at) b
     where c.client_id = $1 and c.outcome = 'booked' and c.booking_id is not null and c.call_sid like $2`;
}

/** Runs `statement` over 1..total in chunks, printing progress. */
async function inChunks(pg, { total, label, statement, params, print }) {
  const started = performance.now();
  let rows = 0;
  for (let from = 1; from <= total; from += CHUNK) {
    const to = Math.min(total, from + CHUNK - 1);
    const result = await pg.query(statement, [from, to, ...params]);
    rows += result.rowCount ?? 0;
    const seconds = (performance.now() - started) / 1000;
    print(`  ${label}: ${rows.toLocaleString('en-US')} rows (${Math.round((to / total) * 100)} % of the calls, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s)`);
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/**
 * Fills the client with `calls` calls (their turns and bookings). The trigram indexes of the call log are
 * dropped meanwhile and built again at the end (one build is much cheaper than four million updates of a
 * GIN index); foreign keys are not checked row by row when the role may skip them (the rows are made from
 * the client's own ids). Returns what was written and how long each part took.
 * @param {{ pg: import('pg').Client, clientId: string, calls: number, print: (line: string) => void }} options
 */
export async function fillCalls({ pg, clientId, calls, print }) {
  const frame = await clientFrame(pg, clientId);
  await pg.query("set synchronous_commit = off; set maintenance_work_mem = '256MB'");
  const skipsForeignKeys = await pg.query('set session_replication_role = replica').then(() => true, () => false);
  const { rows: gin } = await pg.query(`select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename in ('calls', 'call_turns') and indexdef ilike '% using gin %'`);
  for (const index of gin) await pg.query(`drop index "${index.indexname}"`);
  const timings = {};
  try {
    print(`  writing ${calls.toLocaleString('en-US')} calls over ${HISTORY_DAYS} days for client ${clientId} (${frame.timezone}, ${frame.services.length} services)${skipsForeignKeys ? '' : ' — foreign keys checked per row (not a superuser)'}`);
    const written = await inChunks(pg, { total: calls, label: 'calls', statement: callsStatement(frame), params: [frame.brandId, frame.clientId, frame.number, frame.timezone], print });
    timings.calls = written.seconds;
    const turns = await inChunks(pg, { total: calls, label: 'turns', statement: turnsStatement(frame), params: [], print });
    timings.turns = turns.seconds;
    let started = performance.now();
    const bookings = await pg.query(bookingsStatement(frame), [frame.clientId, 'bench-%', frame.currency]);
    timings.bookings = (performance.now() - started) / 1000;
    print(`  bookings: ${bookings.rowCount.toLocaleString('en-US')} rows`);
    started = performance.now();
    for (const index of gin) {
      print(`  building ${index.indexname}…`);
      await pg.query(index.indexdef);
    }
    timings.indexes = (performance.now() - started) / 1000;
    return { frame, calls: written.rows, turns: turns.rows, bookings: bookings.rowCount, timings };
  } finally {
    // Whatever failed, the indexes come back (a run that goes on must not measure without them).
    for (const index of gin) await pg.query(index.indexdef.replace(/^create index/i, 'create index if not exists')).catch(() => undefined);
    if (skipsForeignKeys) await pg.query('set session_replication_role = origin');
  }
}

/**
 * Builds the client's daily rollups through the real service (CallRollups.recompute, what the rollup jobs
 * run), every local date from the first call to today, two at a time, printing progress.
 * @param {{ databaseUrl: string, dataDir: string, ctx: { brandId: string, clientId: string }, print: (line: string) => void }} options
 */
export async function buildRollups({ databaseUrl, dataDir, ctx, print }) {
  const { Database } = dist('libs/db/src/index.js');
  const { CallRollups } = dist('libs/analytics/src/index.js');
  const { addDays } = dist('libs/core/src/index.js');
  const db = await Database.open({ databaseUrl, dataDir });
  try {
    const rollups = new CallRollups(db);
    const tenant = { ...ctx, locale: 'en' };
    const frame = await rollups.frame(tenant);
    const today = rollups.today(frame);
    const dates = [];
    for (let date = addDays(today, -HISTORY_DAYS); date <= today; date = addDays(date, 1)) dates.push(date);
    const started = performance.now();
    let done = 0;
    const next = async () => {
      while (dates.length) {
        const date = dates.shift();
        await rollups.recompute(tenant, date, frame);
        if (++done % 100 === 0) print(`  rollups: ${done} days (${Math.round(done / ((performance.now() - started) / 1000))} days/s)`);
      }
    };
    await Promise.all([next(), next()]);
    return { days: done, seconds: (performance.now() - started) / 1000 };
  } finally {
    await db.close();
  }
}
