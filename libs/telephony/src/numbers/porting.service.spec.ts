import 'reflect-metadata';
import { InProcessEventBus, InProcessJobQueue, LocalDiskFileStorage } from '@tero/core';
import { Brand, Client, PhoneNumber, PortingRequest } from '@tero/db';
import type { TenantContext } from '@tero/sdk';
import pino from 'pino';
import { type TestDatabase, createTestDatabase } from '../../../db/src/testing';
import { postgresAvailable } from '../../../db/src/testing/postgres-gate';
import { NUMBER_IMPORT_JOB } from './number-imports';
import { type Numbers, createNumbers } from './numbers.factory';

const kinds = ['sqlite', ...(postgresAvailable() ? ['postgresql' as const] : [])] as const;
const logger = pino({ level: 'silent' });
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);

async function text(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe.each(kinds)('porting requests, imports by job and the client-leaves release on %s', (kind) => {
  let t: TestDatabase;
  let jobs: InProcessJobQueue;
  let events: InProcessEventBus;
  let numbers: Numbers;
  let brand: TenantContext;
  let otherBrand: TenantContext;
  let dental: TenantContext;
  let plumber: TenantContext;
  const form = { number: '+15550100300', losingCarrier: 'Old Telco', accountNumber: 'ACC-1', authorizedName: 'Dr. Smile' };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    const em = t.db.forInstance('spec seed');
    const a = em.create(Brand, { name: 'A', slug: 'a', supportEmail: 's@a.test', senderEmail: 'n@a.test' });
    const b = em.create(Brand, { name: 'B', slug: 'b', supportEmail: 's@b.test', senderEmail: 'n@b.test' });
    const c1 = em.create(Client, { brand: a, name: 'Dental', slug: 'dental', professionPack: 'dentist', timezone: 'America/New_York' });
    const c2 = em.create(Client, { brand: a, name: 'Plumber', slug: 'plumber', professionPack: 'plumber', timezone: 'America/New_York' });
    await em.flush();
    brand = { brandId: a.id, clientId: null, locale: 'en' };
    otherBrand = { brandId: b.id, clientId: null, locale: 'en' };
    dental = { ...brand, clientId: c1.id };
    plumber = { ...brand, clientId: c2.id };
    jobs = new InProcessJobQueue(logger);
    events = new InProcessEventBus(logger);
    numbers = createNumbers({ db: t.db, jobs, events, storage: new LocalDiskFileStorage({ dataDir: t.dataDir }), logger, quarantineDays: 30, clientStatusEvent: 'billing.client_status_changed' });
    await numbers.start({ processJobs: true });
    await jobs.start({ process: true });
  });
  afterAll(async () => {
    numbers.stop();
    await jobs.close();
    await events.close();
    await t.drop();
  });

  it('takes a request with its documents, kept in the client\'s own storage', async () => {
    const request = await numbers.porting.submit(dental, dental.clientId!, form, [
      { fileName: 'bill.pdf', data: PDF },
      { fileName: 'Letter of authorization.PNG', data: PNG },
    ]);
    expect(request).toMatchObject({ number: '+15550100300', status: 'submitted', clientId: dental.clientId, documents: [{ index: 0, fileName: 'bill.pdf', contentType: 'application/pdf' }, { index: 1, fileName: 'Letter_of_authorization.PNG', contentType: 'image/png' }] });
    const doc = await numbers.porting.document(dental, request.id, 0);
    expect((await text(doc.stream)).equals(PDF)).toBe(true);
    // The brand admin reads it too; another client and another brand do not even see the request.
    expect((await text((await numbers.porting.document(brand, request.id, 1)).stream)).equals(PNG)).toBe(true);
    await expect(numbers.porting.document(plumber, request.id, 0)).rejects.toMatchObject({ code: 'porting.not_found', options: { status: 404 } });
    await expect(numbers.porting.get(otherBrand, request.id)).rejects.toMatchObject({ code: 'porting.not_found' });
    expect(await numbers.porting.list(plumber)).toEqual([]);
    await expect(numbers.porting.document(dental, request.id, 7)).rejects.toMatchObject({ code: 'porting.document_not_found' });
  });

  it('refuses bad requests with the field and keeps nothing', async () => {
    const before = await t.db.forInstance('spec').count(PortingRequest, {});
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100301' }, [{ fileName: 'bill.pdf', data: Buffer.from('this is only text') }])).rejects.toMatchObject({ code: 'porting.document_type', params: { field: 'documents' } });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100301' }, [{ fileName: 'bill.pdf', data: PNG }])).rejects.toMatchObject({ code: 'porting.document_type' });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100301' }, [{ fileName: 'big.pdf', data: Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]) }])).rejects.toMatchObject({ code: 'porting.document_too_large' });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100301' }, Array.from({ length: 6 }, () => ({ fileName: 'a.pdf', data: PDF })))).rejects.toMatchObject({ code: 'porting.too_many_documents' });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100301' }, [])).rejects.toMatchObject({ problems: [{ field: 'documents' }] });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '555 0100' }, [{ fileName: 'a.pdf', data: PDF }])).rejects.toMatchObject({ problems: [{ field: 'number' }] });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, authorizedName: '' }, [{ fileName: 'a.pdf', data: PDF }])).rejects.toMatchObject({ problems: [{ field: 'authorizedName' }] });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, form, [{ fileName: 'a.pdf', data: PDF }])).rejects.toMatchObject({ code: 'porting.already_requested' });
    await expect(numbers.porting.submit(plumber, dental.clientId!, { ...form, number: '+15550100301' }, [{ fileName: 'a.pdf', data: PDF }])).rejects.toMatchObject({ code: 'numbers.client_not_found' });
    await numbers.pool.importOne(brand, { number: '+15550100302' });
    await expect(numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100302' }, [{ fileName: 'a.pdf', data: PDF }])).rejects.toMatchObject({ code: 'porting.number_managed' });
    expect(await t.db.forInstance('spec').count(PortingRequest, {})).toBe(before);
  });

  it('moves submitted → in progress → completed, and the number becomes the client\'s', async () => {
    const [request] = await numbers.porting.list(dental);
    await expect(numbers.porting.advance(dental, request!.id, 'in_progress')).rejects.toMatchObject({ code: 'porting.not_found' });
    await expect(numbers.porting.advance(brand, request!.id, 'completed')).rejects.toMatchObject({ code: 'porting.transition_refused' });
    expect(await numbers.porting.advance(brand, request!.id, 'in_progress', 'Sent to Old Telco')).toMatchObject({ status: 'in_progress', statusNote: 'Sent to Old Telco' });
    await expect(numbers.porting.cancel(dental, request!.id)).rejects.toMatchObject({ code: 'porting.transition_refused' });
    const done = await numbers.porting.advance(brand, request!.id, 'completed');
    expect(done.status).toBe('completed');
    expect(done.completedAt).toBeInstanceOf(Date);
    const row = await t.db.forInstance('spec').findOneOrFail(PhoneNumber, { number: '+15550100300' });
    expect(row.state).toBe('assigned');
    expect(row.client?.id).toBe(dental.clientId);
  });

  it('lets the client cancel while submitted; a rejection needs a note', async () => {
    const one = await numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100310' }, [{ fileName: 'a.pdf', data: PDF }]);
    expect((await numbers.porting.cancel(plumber, one.id)).status).toBe('cancelled');
    expect((await numbers.porting.cancel(plumber, one.id)).status).toBe('cancelled');
    const two = await numbers.porting.submit(plumber, plumber.clientId!, { ...form, number: '+15550100310' }, [{ fileName: 'a.pdf', data: PDF }]);
    await expect(numbers.porting.advance(brand, two.id, 'rejected', '  ')).rejects.toMatchObject({ problems: [{ field: 'note' }] });
    expect(await numbers.porting.advance(brand, two.id, 'rejected', 'The account number does not match')).toMatchObject({ status: 'rejected', statusNote: 'The account number does not match' });
  });

  it('imports a big file through a job with progress and a report; a bad row in it refuses it before anything is queued', async () => {
    const lines = ['number,label'];
    for (let i = 0; i < 800; i++) lines.push(`+1303555${String(1000 + i)},bulk`);
    const bad = [...lines, 'not a number,oops'].join('\n');
    await expect(numbers.imports.start(brand, Buffer.from(bad))).rejects.toMatchObject({ code: 'numbers.import_invalid', problems: [{ row: 802, field: 'number' }] });
    const outcome = await numbers.imports.start(brand, Buffer.from(lines.join('\n')));
    expect(outcome).toMatchObject({ kind: 'queued', total: 800 });
    if (outcome.kind !== 'queued') throw new Error('not queued');
    await expect(numbers.imports.status(otherBrand, outcome.importId)).rejects.toMatchObject({ code: 'numbers.import_not_found' });
    await jobs.drain();
    const status = await numbers.imports.status(brand, outcome.importId);
    expect(status).toMatchObject({ state: 'done', done: 800, total: 800, report: { imported: 800, problems: [], refused: false } });
    const job = await jobs.get(NUMBER_IMPORT_JOB, `numbers-import-${outcome.importId}`);
    expect(job?.progress).toEqual({ done: 800, total: 800 });
    expect((await numbers.pool.search(brand, { pattern: '+1303555*' })).total).toBe(800);
    // A small file goes in at once.
    expect(await numbers.imports.start(brand, Buffer.from('number\n+15550100400\n'))).toEqual({ kind: 'done', report: { total: 1, imported: 1, problems: [] } });
  });

  it('releases the numbers of a client whose subscription was canceled', async () => {
    await numbers.pool.assign(brand, plumber.clientId!, { search: { pattern: '+1303555*' } });
    await numbers.pool.assign(brand, plumber.clientId!, { search: { pattern: '+1303555*' } });
    expect(await numbers.pool.ofClient(brand, plumber.clientId!)).toHaveLength(2);
    await events.publish({ type: 'billing.client_status_changed', brandId: brand.brandId, clientId: plumber.clientId, payload: { clientId: plumber.clientId, from: 'active', to: 'suspended' } });
    await new Promise((resolve) => setImmediate(resolve));
    await jobs.drain();
    expect(await numbers.pool.ofClient(brand, plumber.clientId!)).toHaveLength(2);
    await events.publish({ type: 'billing.client_status_changed', brandId: brand.brandId, clientId: plumber.clientId, payload: { clientId: plumber.clientId, from: 'active', to: 'canceled' } });
    // The event bus delivers after publish returns; the job runs after that.
    for (let i = 0; i < 50 && (await numbers.pool.ofClient(brand, plumber.clientId!)).length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await jobs.drain();
    }
    expect(await numbers.pool.ofClient(brand, plumber.clientId!)).toEqual([]);
    expect((await numbers.pool.list(brand, { state: 'quarantined', pattern: '+1303555*' })).total).toBe(2);
  });
});
