import type { DemoLogin } from '@tero/accounts';
import { Brand, Client, PhoneNumber, PortingRequest } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import { NUMBER_SWEEP_JOB } from '@tero/telephony';
import { type TestApp, createTestApp, signIn } from './create-test-app';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const DAY = 86_400_000;

/** A CSV of `count` numbers +1 303 555 0000…, with `bad` put in place of the row numbered `badRow` (header is row 1). */
function csvOf(count: number, options: { start?: number; badRow?: number; bad?: string } = {}): Buffer {
  const lines = ['number,country,label'];
  for (let i = 0; i < count; i++) lines.push(`+1303555${String((options.start ?? 0) + i).padStart(4, '0')},US,line ${i}`);
  if (options.badRow) lines[options.badRow - 1] = options.bad ?? 'not-a-number,US,bad';
  return Buffer.from(lines.join('\n'));
}

/**
 * The number pool and porting through the pages, on the real app (SQLite, or PostgreSQL + Redis with
 * TEST_BACKEND=postgres-redis): a brand admin imports, searches, assigns and releases; a released
 * number is recycled after its quarantine; a client asks to port its number in with a document that
 * only it and its brand admin can read; bad input is refused with the field and changes nothing.
 */
describe('numbers and porting pages', () => {
  let t: TestApp;
  let offsetMs = 0;
  let admin: string;
  let owner: string;
  let adminHost: string;
  let ownerHost: string;
  let brandCtx: TenantContext;
  let dentalId: string;
  let otherClient: { host: string; cookie: string };

  const db = () => t.kernel.db.forInstance('test');
  const countNumbers = () => db().count(PhoneNumber, {});
  const adminPage = async (query = '') => t.http(adminHost).get(`/admin/numbers${query}`).set('Cookie', admin).set('Accept', 'text/html');
  const adminPost = async (path: string, form: Record<string, string>) => {
    const page = await adminPage();
    return t.http(adminHost).post(path).set('Cookie', admin).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(page.text), ...form });
  };
  const uploadCsv = async (csv: Buffer, fields: Record<string, string> = {}) => {
    const page = await adminPage();
    let req = t.http(adminHost).post('/admin/numbers/import').set('Cookie', admin).set('Accept', 'text/html').field('_csrf', csrfOf(page.text));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req.attach('file', csv, { filename: 'numbers.csv', contentType: 'text/csv' });
  };
  const submitPorting = async (host: string, cookie: string, form: Record<string, string>, files: { name: string; data: Buffer; type: string }[]) => {
    const page = await t.http(host).get('/numbers').set('Cookie', cookie).set('Accept', 'text/html');
    let req = t.http(host).post('/numbers/porting').set('Cookie', cookie).set('Accept', 'text/html').field('_csrf', csrfOf(page.text));
    for (const [k, v] of Object.entries(form)) req = req.field(k, v);
    for (const file of files) req = req.attach('documents', file.data, { filename: file.name, contentType: file.type });
    return req;
  };
  const numberRow = (number: string) => db().findOneOrFail(PhoneNumber, { number });

  beforeAll(async () => {
    t = await createTestApp({ clock: () => new Date(Date.now() + offsetMs) });
    adminHost = t.logins.brandAdmin.host;
    ownerHost = t.logins.owner.host;
    admin = await signIn(t, t.logins.brandAdmin);
    owner = await signIn(t, t.logins.owner);
    const brand = await db().findOneOrFail(Brand, { slug: 'demo' });
    brandCtx = { brandId: brand.id, clientId: null, locale: 'en' };
    dentalId = (await db().findOneOrFail(Client, { slug: 'bright-smile' })).id;
    // A second client of the same brand, with its own owner.
    const plumber = await t.kernel.accounts.createClient(brandCtx, { name: 'Pipe Pros', slug: 'pipe-pros', professionPack: 'plumber', timezone: 'America/New_York' });
    const login: DemoLogin = { role: 'client owner', email: 'owner@pipe-pros.example', password: 'pipe-pros-password-1', host: `pipe-pros.demo.${t.kernel.config.BASE_DOMAIN}` };
    await t.kernel.accounts.createUser({ ...brandCtx, clientId: plumber.id }, { email: login.email, name: 'Pat Plumber', role: 'client_owner', password: login.password });
    otherClient = { host: login.host, cookie: await signIn(t, login) };
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the brand admin the pool with states and the seeded line, and links it from the top bar', async () => {
    const page = await adminPage();
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/admin/numbers"');
    expect(page.text).toMatch(/data-testid="number-\+15550100100" data-state="assigned"/);
    expect(page.text).toContain('Bright Smile Dental');
    const es = await t.http(adminHost).get('/admin/numbers').set('Cookie', admin).set('Accept', 'text/html').set('Accept-Language', 'es');
    expect(es.text).toContain('Números de teléfono');
    // Not for a client's owner.
    expect((await t.http(ownerHost).get('/admin/numbers').set('Cookie', owner).set('Accept', 'text/html')).status).toBe(403);
  });

  it('refuses a CSV with a bad row, reporting the row and field, and imports nothing', async () => {
    const before = await countNumbers();
    const csv = Buffer.from(['number,country,label', '+13035559001,US,ok', '+1303555900,US,short', '+13035559001,US,twice', '+15550100100,US,taken'].join('\n'));
    const res = await uploadCsv(csv);
    expect(res.status).toBe(400);
    expect(res.text).toContain('data-testid="import-problems"');
    expect(res.text).toMatch(/data-row="3"><td>3<\/td><td><code>number<\/code><\/td><td>must be \+1 followed by 10 digits/);
    expect(res.text).toMatch(/data-row="4">[\s\S]*?already on row 2/);
    expect(res.text).toMatch(/data-row="5">[\s\S]*?already in this brand&#x27;s pool/);
    expect(await countNumbers()).toBe(before);
  });

  it('refuses a 200-row CSV with one bad row whole, and takes it once fixed', async () => {
    const before = await countNumbers();
    const bad = await uploadCsv(csvOf(200, { badRow: 150, bad: '+1303555014X,US,typo' }));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/data-row="150"/);
    expect((bad.text.match(/data-row="/g) ?? []).length).toBe(1);
    expect(await countNumbers()).toBe(before);
    const ok = await uploadCsv(csvOf(200));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('200 numbers were imported.');
    expect(await countNumbers()).toBe(before + 200);
    expect((await numberRow('+13035550042')).state).toBe('available');
  });

  it('imports a big file by a job whose progress and report the page shows', async () => {
    const res = await uploadCsv(csvOf(600, { start: 1000 }));
    expect(res.status).toBe(303);
    const location = res.headers.location as string;
    expect(location).toMatch(/^\/admin\/numbers\?import=[0-9a-f-]{36}$/);
    await t.kernel.jobs.drain();
    const page = await adminPage(location.slice('/admin/numbers'.length));
    expect(page.text).toMatch(/data-testid="import-status" data-state="done"/);
    expect(page.text).toContain('600 of 600 numbers');
    expect((await t.kernel.numbers.pool.search(brandCtx, { pattern: '+130355515??' })).total).toBe(100);
    // Another brand cannot read this import's status.
    const harborCtx = { brandId: (await db().findOneOrFail(Brand, { slug: 'harbor' })).id, clientId: null, locale: 'en' };
    await expect(t.kernel.numbers.imports.status(harborCtx, location.split('=')[1]!)).rejects.toMatchObject({ code: 'numbers.import_not_found' });
  });

  it('adds one number, refusing a malformed or duplicate one with the field', async () => {
    const before = await countNumbers();
    const malformed = await adminPost('/admin/numbers', { number: '555-0100', label: 'x' });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('number: must be in E.164 form');
    const duplicate = await adminPost('/admin/numbers', { number: '+13035550042' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.text).toContain('already in this brand&#x27;s pool');
    expect(await countNumbers()).toBe(before);
    const added = await adminPost('/admin/numbers', { number: '+34 912 345 678', label: 'Madrid' });
    expect(added.status).toBe(200);
    expect(await numberRow('+34912345678')).toMatchObject({ state: 'available', country: 'ES', label: 'Madrid' });
  });

  it('searches by state, country, area code and pattern, refusing a pattern that is not digits and wildcards', async () => {
    const page = await adminPage('?state=available&country=US&areaCode=303&pattern=*0042');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/data-testid="number-\+13035550042"/);
    expect(page.text).not.toMatch(/data-testid="number-\+13035550043"/);
    expect(page.text).toContain('Numbers (1)');
    const es = await adminPage('?country=ES');
    expect(es.text).toContain('Numbers (1)');
    const bad = await adminPage(`?pattern=${encodeURIComponent("%' OR 1=1 --")}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('pattern: may hold only digits');
  });

  it('assigns a number to a client; another client is refused it; the client sees it', async () => {
    const { id } = await numberRow('+13035550042');
    const res = await adminPost(`/admin/numbers/${id}/assign`, { clientId: dentalId });
    expect(res.status).toBe(200);
    expect(res.text).toContain('+13035550042 now belongs to Bright Smile Dental.');
    const plumberId = (await db().findOneOrFail(Client, { slug: 'pipe-pros' })).id;
    const taken = await adminPost(`/admin/numbers/${id}/assign`, { clientId: plumberId });
    expect(taken.status).toBe(409);
    expect((await numberRow('+13035550042')).client?.id).toBe(dentalId);
    const mine = await t.http(ownerHost).get('/numbers').set('Cookie', owner).set('Accept', 'text/html');
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('data-testid="number-+13035550042"');
    expect(mine.text).toContain('href="/numbers"');
    const theirs = await t.http(otherClient.host).get('/numbers').set('Cookie', otherClient.cookie).set('Accept', 'text/html');
    expect(theirs.text).not.toContain('+13035550042');
    // The next free number matching a search, for the other client.
    const next = await adminPost('/admin/numbers/assign-next', { clientId: plumberId, country: 'ES' });
    expect(next.status).toBe(200);
    expect((await numberRow('+34912345678')).client?.id).toBe(plumberId);
    const none = await adminPost('/admin/numbers/assign-next', { clientId: plumberId, country: 'FR' });
    expect(none.status).toBe(409);
  });

  it('releases into quarantine (routing forgets it at once), then recycles it when the quarantine ends', async () => {
    const { id } = await numberRow('+13035550042');
    expect((await t.kernel.telephony.directory.number('+13035550042'))?.state).toBe('assigned');
    const res = await adminPost(`/admin/numbers/${id}/release`, {});
    expect(res.status).toBe(200);
    expect(res.text).toContain('quarantine for 30 days');
    expect(await numberRow('+13035550042')).toMatchObject({ state: 'quarantined', client: null, previousClientId: dentalId });
    expect((await t.kernel.telephony.directory.number('+13035550042'))?.state).toBe('quarantined');
    const runSweep = async (tag: string) => {
      await t.kernel.jobs.enqueue(NUMBER_SWEEP_JOB, {}, { jobId: `numbers-sweep-test-${tag}` });
      await t.kernel.jobs.drain();
    };
    offsetMs = 29 * DAY;
    await runSweep('day29');
    expect((await numberRow('+13035550042')).state).toBe('quarantined');
    offsetMs = 31 * DAY;
    await runSweep('day31');
    expect(await numberRow('+13035550042')).toMatchObject({ state: 'available', previousClientId: null });
    offsetMs = 0;
  });

  it('lets the brand admin set its own quarantine (bounded; blank for the instance\'s) and the next release uses it', async () => {
    const refused = await adminPost('/admin/numbers/quarantine', { quarantineDays: '400' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('quarantineDays: must be a whole number of days from 1 to 365');
    expect((await db().findOneOrFail(Brand, { id: brandCtx.brandId })).numberQuarantineDays ?? null).toBeNull();

    const saved = await adminPost('/admin/numbers/quarantine', { quarantineDays: '10' });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('Released numbers now wait 10 days in quarantine.');
    const row = await t.kernel.numbers.pool.importOne(brandCtx, { number: '+13035550777' });
    await t.kernel.numbers.pool.assign(brandCtx, dentalId, { numberId: row.id });
    const released = await adminPost(`/admin/numbers/${row.id}/release`, {});
    expect(released.text).toContain('quarantine for 10 days');
    const until = (await numberRow('+13035550777')).quarantinedUntil!.getTime();
    expect(Math.round((until - Date.now()) / DAY)).toBe(10);
    await adminPost('/admin/numbers/quarantine', { quarantineDays: '' });
    expect(await t.kernel.numbers.pool.quarantineDaysFor(brandCtx.brandId)).toBe(30);
  });

  it('deletes a quarantined or available number once confirmed, never an assigned one', async () => {
    const quarantined = await numberRow('+13035550777');
    const unconfirmed = await adminPost(`/admin/numbers/${quarantined.id}/delete`, {});
    expect(unconfirmed.status).toBe(400);
    expect(await db().count(PhoneNumber, { id: quarantined.id })).toBe(1);
    const page = await adminPage('?state=quarantined');
    expect(page.text).toContain('data-testid="delete-+13035550777"');
    const deleted = await adminPost(`/admin/numbers/${quarantined.id}/delete`, { confirm: '1' });
    expect(deleted.status).toBe(200);
    expect(deleted.text).toContain('+13035550777 was deleted from the pool');
    expect(await db().count(PhoneNumber, { id: quarantined.id })).toBe(0);
    expect(await t.kernel.telephony.directory.number('+13035550777')).toBeNull();

    const assigned = await t.kernel.numbers.pool.importOne(brandCtx, { number: '+13035550778' });
    await t.kernel.numbers.pool.assign(brandCtx, dentalId, { numberId: assigned.id });
    const refused = await adminPost(`/admin/numbers/${assigned.id}/delete`, { confirm: '1' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('cannot make this change in its current state');
    expect(await db().count(PhoneNumber, { id: assigned.id })).toBe(1);
    // A client's owner has no such page.
    expect((await t.http(ownerHost).post(`/admin/numbers/${assigned.id}/delete`).set('Cookie', owner).set('Accept', 'text/html').type('form').send({ confirm: '1' })).status).toBe(403);
  });

  it('shows the operator every brand\'s numbers, read-only, with filters and pages; no one else', async () => {
    const operator = await signIn(t, t.logins.operator);
    const host = t.logins.operator.host;
    const res = await t.http(host).get('/operator/numbers?pattern=%2B1303555*&state=available').set('Cookie', operator).set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-testid="operator-numbers"');
    expect(res.text).toContain('Demo');
    expect(res.text).not.toContain('/admin/numbers/');
    const rows = [...res.text.matchAll(/data-testid="number-(\+\d+)" data-state="(\w+)"/g)];
    expect(rows.length).toBe(50);
    expect(rows.every(([, number, state]) => number!.startsWith('+1303555') && state === 'available')).toBe(true);
    const next = /href="(\/operator\/numbers\?[^"]*)">Next</.exec(res.text)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(next).toContain('page=2');
    const second = await t.http(host).get(next).set('Cookie', operator).set('Accept', 'text/html');
    expect(second.text).toContain('Page 2 of');
    const harbor = await db().findOneOrFail(Brand, { slug: 'harbor' });
    const harborOnly = await t.http(host).get(`/operator/numbers?brand=${harbor.id}`).set('Cookie', operator).set('Accept', 'text/html');
    expect(harborOnly.text).not.toContain('+1303555');
    expect((await t.http(host).get('/operator/numbers?brand=nope').set('Cookie', operator).set('Accept', 'text/html')).status).toBe(400);
    expect((await t.http(adminHost).get('/operator/numbers').set('Cookie', admin).set('Accept', 'text/html')).status).toBe(403);
  });

  let portingId: string;

  it('takes a porting request with a document from the client', async () => {
    const res = await submitPorting(ownerHost, owner, { number: '+15550100777', losingCarrier: 'Old Telco', accountNumber: 'A-99', authorizedName: 'Olivia Owner' }, [{ name: 'bill.pdf', data: PDF, type: 'application/pdf' }]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Your request to port +15550100777 was sent.');
    const row = await db().findOneOrFail(PortingRequest, { number: '+15550100777' });
    portingId = row.id;
    expect(row).toMatchObject({ status: 'submitted', losingCarrier: 'Old Telco', documents: [{ fileName: 'bill.pdf', contentType: 'application/pdf', bytes: PDF.length }] });
    const doc = await t.http(ownerHost).get(`/numbers/porting/${portingId}/documents/0`).set('Cookie', owner).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(doc.status).toBe(200);
    expect(doc.headers['content-type']).toBe('application/pdf');
    expect(doc.headers['content-disposition']).toBe('attachment; filename="bill.pdf"');
    expect((doc.body as Buffer).equals(PDF)).toBe(true);
    // Its brand admin reads it too.
    expect((await t.http(adminHost).get(`/admin/numbers/porting/${portingId}/documents/0`).set('Cookie', admin)).status).toBe(200);
  });

  it('keeps the request and its document from every other client (404)', async () => {
    const sameBrand = await t.http(otherClient.host).get(`/numbers/porting/${portingId}/documents/0`).set('Cookie', otherClient.cookie).set('Accept', 'text/html');
    expect(sameBrand.status).toBe(404);
    const harborCookie = await signIn(t, t.logins.harborOwner);
    const otherBrand = await t.http(t.logins.harborOwner.host).get(`/numbers/porting/${portingId}/documents/0`).set('Cookie', harborCookie);
    expect(otherBrand.status).toBe(404);
    const list = await t.http(otherClient.host).get('/numbers').set('Cookie', otherClient.cookie).set('Accept', 'text/html');
    expect(list.text).not.toContain('+15550100777');
    // Nor can another client cancel it.
    const cancel = await t.http(otherClient.host).post(`/numbers/porting/${portingId}/cancel`).set('Cookie', otherClient.cookie).set('Accept', 'text/html').type('form').send({ _csrf: csrfOf(list.text) });
    expect(cancel.status).toBe(404);
    expect((await db().findOneOrFail(PortingRequest, { id: portingId })).status).toBe('submitted');
  });

  it('refuses a .pdf that is really text, a malformed number and a form without its CSRF token, keeping nothing', async () => {
    const before = await db().count(PortingRequest, {});
    const text = await submitPorting(ownerHost, owner, { number: '+15550100778', losingCarrier: 'Old Telco', authorizedName: 'Olivia Owner' }, [{ name: 'bill.pdf', data: Buffer.from('I am a text file, not a PDF.'), type: 'application/pdf' }]);
    expect(text.status).toBe(400);
    expect(text.text).toContain('data-testid="error"');
    expect(text.text).toContain('bill.pdf');
    const malformed = await submitPorting(ownerHost, owner, { number: '0100778', losingCarrier: 'Old Telco', authorizedName: 'Olivia Owner' }, [{ name: 'bill.pdf', data: PDF, type: 'application/pdf' }]);
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('number: must be in E.164 form');
    expect(malformed.text).toContain('value="Old Telco"');
    const big = await submitPorting(ownerHost, owner, { number: '+15550100778', losingCarrier: 'Old Telco', authorizedName: 'Olivia Owner' }, [{ name: 'scan.pdf', data: Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]), type: 'application/pdf' }]);
    expect(big.status).toBe(400);
    expect(big.text).toContain('scan.pdf');
    expect(big.text).toContain('10 MB');
    const noCsrf = await t.http(ownerHost).post('/numbers/porting').set('Cookie', owner).set('Accept', 'text/html').field('number', '+15550100779').attach('documents', PDF, { filename: 'bill.pdf', contentType: 'application/pdf' });
    expect(noCsrf.status).toBe(403);
    // A multipart body on a route that takes no upload is refused as before.
    const elsewhere = await t.http(ownerHost).post('/billing/cancel').set('Cookie', owner).field('_csrf', 'x').attach('documents', PDF, 'a.pdf');
    expect(elsewhere.status).toBe(415);
    expect(await db().count(PortingRequest, {})).toBe(before);
  });

  it('lets the brand admin work the request to completion: the number becomes the client\'s', async () => {
    const page = await adminPage();
    expect(page.text).toContain(`data-testid="porting-${portingId}" data-status="submitted"`);
    expect(page.text).toContain(`/admin/numbers/porting/${portingId}/documents/0`);
    const rejectWithoutNote = await adminPost(`/admin/numbers/porting/${portingId}`, { status: 'rejected', note: '' });
    expect(rejectWithoutNote.status).toBe(400);
    expect(rejectWithoutNote.text).toContain('note: is required when rejecting');
    expect((await adminPost(`/admin/numbers/porting/${portingId}`, { status: 'in_progress', note: 'Sent to Old Telco' })).status).toBe(200);
    const cancel = await t.http(ownerHost).get('/numbers').set('Cookie', owner).set('Accept', 'text/html');
    expect(cancel.text).toContain('Sent to Old Telco');
    const done = await adminPost(`/admin/numbers/porting/${portingId}`, { status: 'completed' });
    expect(done.status).toBe(200);
    expect(await numberRow('+15550100777')).toMatchObject({ state: 'assigned', client: { id: dentalId } });
    const mine = await t.http(ownerHost).get('/numbers').set('Cookie', owner).set('Accept', 'text/html');
    expect(mine.text).toContain('data-testid="number-+15550100777"');
    expect(mine.text).toContain(`data-testid="porting-${portingId}" data-status="completed"`);
  });
});
