import { EXPORT_COLUMNS } from '@tero/analytics';
import { addDays } from '@tero/core';
import { Booking, Call, type CallOutcome, type CallRoute, CallerMessage, Client, ReportDelivery } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import type { Response } from 'supertest';
import { EXPORT_PROGRESS_PATH } from '../../apps/server/src/exports/export-progress.script';
import { pdfText } from '../../libs/core/src/testing/pdf-text';
import { type TestApp, createTestApp, signIn } from './create-test-app';

/** supertest's parser that keeps a binary body (a PDF) as a Buffer. */
function binary(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const csvLines = (text: string) => text.replace(/^\uFEFF/, '').split('\r\n').filter((line) => line !== '');

/** The records of a CSV as a spreadsheet reads them (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\r' && body[i + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), i++;
    else field += c;
  }
  return records;
}

/**
 * Reports and exports through the real app: the demo's Bright Smile Dental (New York) has a known week of
 * calls, bookings and messages (and the week before), plus a month of 10,050 calls for a large export.
 * The app's clock is Tuesday 24 November 2026, 10:00 in New York.
 */
describe('exports and reports', () => {
  let t: TestApp;
  let now = new Date('2026-11-24T15:00:00Z');
  let ctx: TenantContext & { clientId: string };
  let harborCtx: TenantContext & { clientId: string };
  let ownerCookie: string;
  const host = () => t.logins.owner.host;

  /** A call at a New York wall-clock time (EST, UTC−5, in November and October). */
  async function addCall(at: string, outcome: CallOutcome, route: CallRoute, seconds: number, extra: Partial<Call> = {}, target = ctx): Promise<Call> {
    const em = t.kernel.db.forTenant(target);
    const startedAt = new Date(`${at}:00-05:00`);
    const call = em.create(Call, {
      brand: target.brandId,
      client: target.clientId,
      callSid: `sid-${target.clientId.slice(0, 8)}-${at}`,
      fromNumber: '+15550000001',
      toNumber: '+15551230000',
      route,
      outcome,
      status: 'completed',
      startedAt,
      endedAt: new Date(startedAt.getTime() + seconds * 1000),
      durationSeconds: seconds,
      ...extra,
    });
    await em.flush();
    return call;
  }

  async function addBooking(call: Call, valueMinor: number): Promise<void> {
    const em = t.kernel.db.forTenant(ctx);
    const booking = em.create(Booking, {
      brand: ctx.brandId,
      client: ctx.clientId,
      serviceId: 'cleaning',
      serviceName: 'Cleaning',
      valueMinor,
      currency: 'USD',
      startsAt: new Date(call.startedAt.getTime() + 7 * 86_400_000),
      endsAt: new Date(call.startedAt.getTime() + 7 * 86_400_000 + 3_600_000),
      status: 'confirmed',
      callerName: call.callerName ?? null,
      callerPhone: call.fromNumber,
      callSid: call.callSid,
      idempotencyKey: `call:${call.callSid}`,
      createdAt: call.startedAt,
    });
    await em.flush();
    await em.nativeUpdate(Call, { id: call.id }, { bookingId: booking.id });
  }

  beforeAll(async () => {
    t = await createTestApp({ clock: () => now });
    const clients = await t.kernel.db.forInstance('test').find(Client, { slug: { $in: ['bright-smile', 'seaside'] } }, { populate: ['brand'] });
    const dental = clients.find((c) => c.slug === 'bright-smile')!;
    const seaside = clients.find((c) => c.slug === 'seaside')!;
    ctx = { brandId: dental.brand.id, clientId: dental.id, locale: 'en' };
    harborCtx = { brandId: seaside.brand.id, clientId: seaside.id, locale: 'es' };
    // The business has been a client since September, so last week's report is due.
    await t.kernel.db.forTenant(ctx).nativeUpdate(Client, { id: dental.id }, { createdAt: new Date('2026-09-01T12:00:00Z') });

    // The week before last (W46) and last week (W47, Monday 16 to Sunday 22 November).
    await addBooking(await addCall('2026-11-10T09:00', 'booked', 'open', 100), 10000);
    await addCall('2026-11-12T09:00', 'answered', 'open', 40);
    await addBooking(await addCall('2026-11-16T09:00', 'booked', 'open', 120, { callerName: 'Ana Ruiz' }), 12000);
    const message = await addCall('2026-11-17T10:00', 'message_taken', 'after_hours', 60, { callerName: '=HYPERLINK("http://evil.example","x")', fromNumber: '+15550000002' });
    await addBooking(await addCall('2026-11-18T11:00', 'booked', 'after_hours', 180), 8000);
    await addCall('2026-11-20T12:00', 'answered', 'open', 30);
    await addCall('2026-11-22T23:30', 'abandoned', 'open', 10); // 04:30 UTC on the 23rd, still Sunday in New York
    await addCall('2026-11-23T00:30', 'booked', 'open', 90); // Monday of the next week
    const em = t.kernel.db.forTenant(ctx);
    em.create(CallerMessage, { brand: ctx.brandId, client: ctx.clientId, callSid: message.callSid, callerName: message.callerName, callbackNumber: '+15550000002', text: '@SUM(1+1) please call me back, about "the crown"', urgent: true, createdAt: message.startedAt });
    await em.flush();
    // The other brand's client has a call in the same week: nobody at Bright Smile may see it.
    await addCall('2026-11-18T09:00', 'booked', 'open', 45, { fromNumber: '+5215512345678' }, harborCtx);
    for (let day = '2026-11-09'; day <= '2026-11-23'; day = addDays(day, 1)) await t.kernel.analytics.rollups.recompute(ctx, day);

    ownerCookie = await signIn(t, t.logins.owner);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  async function exportForm(cookie = ownerCookie, on = host()): Promise<string> {
    const page = await t.http(on).get('/exports').set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    return csrfOf(page.text);
  }

  it('streams a CSV of the calls with the filters, its header and guarded cells', async () => {
    const _csrf = await exportForm();
    const res = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ _csrf, kind: 'calls', format: 'csv', from: '2026-11-16', to: '2026-11-22', outcome: ['booked', 'message_taken', 'abandoned'] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="calls-2026-11-16-2026-11-22.csv"');
    expect(res.headers['content-length']).toBeUndefined(); // streamed, not buffered whole
    expect(res.text.startsWith('\uFEFF')).toBe(true);
    const lines = csvLines(res.text);
    expect(lines[0]).toBe(EXPORT_COLUMNS.calls.join(','));
    const rows = csvRecords(res.text).slice(1);
    expect(rows.every((row) => row.length === EXPORT_COLUMNS.calls.length)).toBe(true);
    // Oldest first, in New York time; the answered call is filtered out, Monday the 23rd is next week.
    expect(rows.map((r) => [r[1], r[7]])).toEqual([
      ['2026-11-16T09:00:00-05:00', 'booked'],
      ['2026-11-17T10:00:00-05:00', 'message_taken'],
      ['2026-11-18T11:00:00-05:00', 'booked'],
      ['2026-11-22T23:30:00-05:00', 'abandoned'],
    ]);
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(rows[1]![4]).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(rows[0]![3]).toBe('+15550000001');
    expect(res.text).not.toContain('+5215512345678');
  });

  it('exports bookings and messages with the caller filter, and messages as a PDF with the client name', async () => {
    const _csrf = await exportForm();
    const bookings = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ _csrf, kind: 'bookings', format: 'csv', from: '2026-11-01', to: '2026-11-30' });
    const bookingRows = csvLines(bookings.text);
    expect(bookingRows[0]).toBe(EXPORT_COLUMNS.bookings.join(','));
    expect(bookingRows.slice(1).map((line) => line.split(',')[5])).toEqual(['100.00', '120.00', '80.00']);

    const messages = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ _csrf, kind: 'messages', format: 'csv', caller: '555-000-0002' });
    const messageRows = csvLines(messages.text);
    expect(messageRows).toHaveLength(2);
    expect(messageRows[1]).toContain(`"'@SUM(1+1) please call me back, about ""the crown"""`);

    const pdf = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ _csrf, kind: 'messages', format: 'pdf', from: '2026-11-01', to: '2026-11-30' }).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const body = pdf.body as Buffer;
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = await pdfText(body);
    expect(text).toContain('Bright Smile Dental');
    expect(text).toContain('@SUM(1+1) please call me back');
  });

  it('refuses a ten-year range, an unknown filter and a filter of calls on messages, changing nothing', async () => {
    const _csrf = await exportForm();
    const decade = await t.http(host()).post('/exports').set('Cookie', ownerCookie).set('Accept', 'text/html').type('form').send({ _csrf, kind: 'calls', from: '2016-01-01', to: '2025-12-31' });
    expect(decade.status).toBe(400);
    expect(decade.text).toContain('An export covers at most 366 days (this one, 3653)');
    const unknown = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ _csrf, kind: 'calls', sql: "1' or '1'='1" });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('sql: is not a filter of exports');
    const misplaced = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ _csrf, kind: 'messages', outcome: 'booked' });
    expect(misplaced.status).toBe(400);
    expect(misplaced.text).toContain('outcome: applies to calls only');
    const noCsrf = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ kind: 'calls' });
    expect(noCsrf.status).toBe(403);
  });

  it('runs a large export as a job with progress, then serves its file for a day', async () => {
    const em = t.kernel.db.forTenant(ctx);
    for (let i = 0; i < 10_050; i++) {
      // Three calls at each instant, so that the walk's batches (5,000 rows) end inside a tie.
      const startedAt = new Date(Date.UTC(2026, 9, 1, 12) + Math.floor(i / 3) * 720_000);
      em.create(Call, { brand: ctx.brandId, client: ctx.clientId, callSid: `bulk-${i}`, fromNumber: `+1555${String(i).padStart(7, '0')}`, toNumber: '+15551230000', route: 'open', outcome: 'answered', status: 'completed', startedAt, endedAt: new Date(startedAt.getTime() + 60_000), durationSeconds: 60 });
      if (i % 1000 === 999) {
        await em.flush();
        em.clear();
      }
    }
    await em.flush();

    const _csrf = await exportForm();
    const started = await t.http(host()).post('/exports').set('Cookie', ownerCookie).type('form').send({ _csrf, kind: 'calls', format: 'csv', from: '2026-10-01', to: '2026-10-31' });
    expect(started.status).toBe(303);
    const jobId = /\/exports\?job=(analytics-export-[0-9a-f-]+)$/.exec(started.headers.location as string)![1]!;
    const page = await t.http(host()).get(started.headers.location as string).set('Cookie', ownerCookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-export-job="${jobId}"`);
    expect(page.text).toContain('<progress max="10050"');

    // The page's progress script, served by the instance itself.
    const script = await t.http(host()).get(EXPORT_PROGRESS_PATH);
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(script.text).toContain("fetch('/exports/jobs/'");

    await t.kernel.jobs.drain();
    const status = await t.http(host()).get(`/exports/jobs/${jobId}`).set('Cookie', ownerCookie);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ id: jobId, state: 'completed', done: 10_050, total: 10_050, percent: 100, downloadUrl: `/exports/jobs/${jobId}/file` });
    const done = await t.http(host()).get(`/exports?job=${jobId}`).set('Cookie', ownerCookie).set('Accept', 'text/html');
    expect(done.text).toContain('Ready: 10050 rows.');
    expect(done.text).toContain('data-testid="export-download"');

    // The hourly sweep keeps a file younger than a day.
    expect(await t.kernel.dataExports.deleteExpired()).toBe(0);
    const file = await t.http(host()).get(`/exports/jobs/${jobId}/file`).set('Cookie', ownerCookie);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toBe('attachment; filename="calls-2026-10-01-2026-10-31.csv"');
    const lines = csvLines(file.text);
    expect(lines).toHaveLength(10_051);
    expect(new Set(lines.slice(1).map((line) => line.split(',')[0])).size).toBe(10_050);
    const numbers = lines.slice(1).map((line) => line.split(',')[3]!);
    expect(new Set(numbers).size).toBe(10_050);
    expect(numbers.slice(0, 3).sort()).toEqual(['+15550000000', '+15550000001', '+15550000002']);
    expect(numbers.slice(-3).sort()).toEqual(['+15550010047', '+15550010048', '+15550010049']);

    // Another client, even of the same instance, cannot see the job or its file.
    const harborCookie = await signIn(t, t.logins.harborOwner);
    const foreign = await t.http(t.logins.harborOwner.host).get(`/exports/jobs/${jobId}`).set('Cookie', harborCookie);
    expect(foreign.status).toBe(404);
    const foreignFile = await t.http(t.logins.harborOwner.host).get(`/exports/jobs/${jobId}/file`).set('Cookie', harborCookie);
    expect(foreignFile.status).toBe(404);

    // A day later the file is gone.
    now = new Date(Date.now() + 25 * 3_600_000);
    try {
      const late = await t.http(host()).get(`/exports/jobs/${jobId}/file`).set('Cookie', ownerCookie);
      expect(late.status).toBe(410);
      expect(await t.kernel.storage.list(ctx, 'exports/')).toEqual([]);
    } finally {
      now = new Date('2026-11-24T15:00:00Z');
    }
  }, 180_000);

  it('downloads a weekly report PDF with the figures and trends, in the reader language', async () => {
    const res = await t.http(host()).get('/reports/report.pdf?kind=weekly&date=2026-11-18').set('Cookie', ownerCookie).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="report-2026-W47.pdf"');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = await pdfText(pdf);
    expect(text).toContain('Bright Smile Dental');
    expect(text).toContain('Weekly report');
    expect(text).toContain('Nov 16, 2026 – Nov 22, 2026');
    // 5 calls against 2, $200.00 of bookings against $100.00, 4 of 5 wanted outcomes against 2 of 2.
    expect(text).toMatch(/Calls 5 2 \+150%/);
    expect(text).toMatch(/Revenue from bookings \$200\.00 \$100\.00 \+100%/);
    expect(text).toMatch(/Success rate 80% 100% -20 pts/);
    expect(text).toMatch(/Missed calls recovered 2 0 \+2/);

    const es = await t.http(host()).get('/reports/report.pdf?kind=monthly&date=2026-11-01').set('Cookie', ownerCookie).set('Accept-Language', 'es').buffer(true).parse(binary);
    const { text: spanish } = await pdfText(es.body as Buffer);
    expect(spanish).toContain('Informe mensual');
    expect(spanish).toContain('Llamadas por día');

    const future = await t.http(host()).get('/reports/report.pdf?kind=daily&date=2026-12-01').set('Cookie', ownerCookie);
    expect(future.status).toBe(400);
    const malformed = await t.http(host()).get('/reports/report.pdf?kind=weekly&date=2026-W99').set('Cookie', ownerCookie);
    expect(malformed.status).toBe(400);
  });

  it('e-mails each chosen report once per period, with the PDF attached', async () => {
    const page = await t.http(host()).get('/reports').set('Cookie', ownerCookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="report-choice-weekly"');
    const saved = await t.http(host()).post('/reports/settings').set('Cookie', ownerCookie).type('form').send({ _csrf: csrfOf(page.text), weekly: 'on' });
    expect(saved.status).toBe(303);
    expect(await t.kernel.reports.choices(ctx)).toEqual({ daily: false, weekly: true, monthly: false });

    // Two sweeps at once (two workers), then a third: one weekly report for W47.
    const results = await Promise.all([t.kernel.reports.sweep(), t.kernel.reports.sweep()]);
    await t.kernel.reports.sweep();
    await t.kernel.jobs.drain();
    expect(results.map((r) => r.sent).reduce((a, b) => a + b)).toBe(1);
    const rows = await t.kernel.db.forTenant(ctx).find(ReportDelivery, { client: ctx.clientId });
    expect(rows.map((r) => [r.kind, r.periodKey, r.recipients])).toEqual([['weekly', '2026-W47', 1]]);

    const mails = (await t.kernel.outbox.list({ limit: 200 })).filter((m) => m.clientId === ctx.clientId && m.subject.startsWith('Weekly report'));
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual([t.logins.owner.email]);
    expect(mail.subject).toBe('Weekly report for Bright Smile Dental: Nov 16, 2026 – Nov 22, 2026');
    expect(mail.text).toContain('Calls: 5 (+150%)');
    expect(mail.attachments?.map((a) => [a.filename, a.contentType])).toEqual([['report-2026-W47.pdf', 'application/pdf']]);
    const attached = Buffer.from(mail.attachments![0]!.contentBase64, 'base64');
    expect(attached.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await pdfText(attached)).text).toContain('Bright Smile Dental');
    // The other brand's client (created today) had no week with us yet: nothing for it.
    expect((await t.kernel.outbox.list({ limit: 200 })).filter((m) => m.clientId === harborCtx.clientId && m.attachments?.length)).toHaveLength(0);

    const listed = await t.http(host()).get('/reports').set('Cookie', ownerCookie).set('Accept', 'text/html');
    expect(listed.text).toContain('Weekly report · 2026-W47 · sent to 1');
  });

  it('shows the pages in the reader language, with the links in the header', async () => {
    const es = await t.http(host()).get('/exports').set('Cookie', ownerCookie).set('Accept', 'text/html').set('Accept-Language', 'es');
    expect(es.text).toContain('Descargue sus llamadas, reservas y mensajes');
    expect(es.text).toContain('href="/reports"');
    const fr = await t.http(host()).get('/reports').set('Cookie', ownerCookie).set('Accept', 'text/html').set('Accept-Language', 'fr');
    expect(fr.text).toContain('Rapports par e-mail');
    expect(fr.text).toContain('href="/exports"');
  });

  it("keeps one client's reports and exports from another", async () => {
    const harborCookie = await signIn(t, t.logins.harborOwner);
    const harborHost = t.logins.harborOwner.host;
    const page = await t.http(harborHost).get('/exports').set('Cookie', harborCookie).set('Accept', 'text/html');
    const csv = await t.http(harborHost).post('/exports').set('Cookie', harborCookie).type('form').send({ _csrf: csrfOf(page.text), kind: 'calls', from: '2026-11-01', to: '2026-11-30' });
    expect(csvLines(csv.text).slice(1).map((line) => line.split(',')[3])).toEqual(['+5215512345678']);
    const report = await t.http(harborHost).get('/reports/report.pdf?kind=monthly&date=2026-11-01').set('Cookie', harborCookie).buffer(true).parse(binary);
    const { text } = await pdfText(report.body as Buffer);
    expect(text).toContain('Clínica Dental Seaside');
    expect(text).not.toContain('Bright Smile');
    // A session of one client's host is no session on another's.
    const crossed = await t.http(host()).get('/reports/report.pdf?kind=weekly').set('Cookie', harborCookie);
    expect(crossed.status).toBe(303);
    expect(crossed.headers.location).toBe('/login');
  });
});
