import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TeroError, type TenantContext } from '@tero/sdk';
import { runEmailTransportContract, type ReceivedEmail } from '@tero/sdk/testing';
import { OutboxEmailTransport, OutboxReader, outboxDir, type OutboxEmail } from './outbox.email-transport';

const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en' };
const message = { from: 'Desk <desk@example.test>', to: ['ana@example.test'], subject: 'Hi', text: 'Hello' };

let dataDir: string;

function asReceived(email: OutboxEmail): ReceivedEmail {
  const headers = Object.fromEntries(Object.entries(email.headers).map(([name, value]) => [name.toLowerCase(), value]));
  if (email.replyTo) headers['reply-to'] = email.replyTo;
  return { from: email.from, to: email.to, subject: email.subject, text: email.text, html: email.html, headers };
}

runEmailTransportContract('outbox', {
  async setup() {
    dataDir = await mkdtemp(join(tmpdir(), 'tero-outbox-'));
    const reader = new OutboxReader(outboxDir(dataDir));
    return {
      transport: new OutboxEmailTransport(outboxDir(dataDir)),
      ctx,
      received: async () => (await reader.list({ limit: 200 })).reverse().map(asReceived),
    };
  },
  async teardown() {
    await rm(dataDir, { recursive: true, force: true });
  },
  async unreachable() {
    // DATA_DIR is a file: the outbox folder under it can never be created.
    const file = join(dataDir, 'not-a-folder');
    await writeFile(file, '');
    return new OutboxEmailTransport(outboxDir(file));
  },
  rejectingRecipient: 'not an address',
});

describe('OutboxEmailTransport and OutboxReader', () => {
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tero-outbox-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes one JSON file per message with the tenant, and nothing else in the folder', async () => {
    const transport = new OutboxEmailTransport(outboxDir(dataDir));

    const receipt = await transport.send(ctx, { ...message, replyTo: 'owner@example.test', headers: { 'X-A': '1' } });

    const files = await readdir(outboxDir(dataDir));
    expect(files).toHaveLength(1);
    const stored = JSON.parse(await readFile(join(outboxDir(dataDir), files[0]), 'utf8')) as OutboxEmail;
    expect(files[0]).toBe(`${stored.id}.json`);
    expect(receipt.messageId).toContain(stored.id);
    expect(stored).toEqual({
      id: stored.id,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      brandId: 'brand-1',
      clientId: 'client-1',
      from: message.from,
      to: message.to,
      replyTo: 'owner@example.test',
      subject: 'Hi',
      text: 'Hello',
      headers: { 'X-A': '1' },
    });
  });

  it('keeps attachments with their name, type, size and bytes', async () => {
    const transport = new OutboxEmailTransport(outboxDir(dataDir));
    const pdf = Buffer.from('%PDF-1.3 report');

    const receipt = await transport.send(ctx, { ...message, attachments: [{ filename: 'report.pdf', contentType: 'application/pdf', contentBase64: pdf.toString('base64') }] });

    const stored = await new OutboxReader(outboxDir(dataDir)).get(receipt.messageId.slice(1, -'@outbox>'.length));
    expect(stored?.attachments).toEqual([{ filename: 'report.pdf', contentType: 'application/pdf', size: pdf.length, contentBase64: pdf.toString('base64') }]);
  });

  it('accepts display-name recipients and local development domains, refuses malformed ones', async () => {
    const transport = new OutboxEmailTransport(outboxDir(dataDir));

    const receipt = await transport.send(ctx, {
      ...message,
      to: ['Ana <ana@example.test>', 'admin@localhost', 'a@@b', 'x@.example', '<>', 'two words@example.test'],
    });

    expect(receipt.accepted).toEqual(['Ana <ana@example.test>', 'admin@localhost']);
    expect(receipt.rejected).toEqual(['a@@b', 'x@.example', '<>', 'two words@example.test']);
  });

  it('refuses a malformed sender with email.rejected and writes nothing', async () => {
    const error = await new OutboxEmailTransport(outboxDir(dataDir)).send(ctx, { ...message, from: 'nobody' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TeroError);
    expect((error as TeroError).code).toBe('email.rejected');
    expect(await new OutboxReader(outboxDir(dataDir)).list({ limit: 10 })).toEqual([]);
  });

  it('lists newest first, page by page, even within one millisecond', async () => {
    const transport = new OutboxEmailTransport(outboxDir(dataDir));
    for (let i = 1; i <= 5; i++) await transport.send(ctx, { ...message, subject: `m${i}` });
    const reader = new OutboxReader(outboxDir(dataDir));

    const first = await reader.list({ limit: 2 });
    const second = await reader.list({ limit: 2, before: first[1].id });
    const third = await reader.list({ limit: 2, before: second[1].id });

    expect(first.map((m) => m.subject)).toEqual(['m5', 'm4']);
    expect(second.map((m) => m.subject)).toEqual(['m3', 'm2']);
    expect(third.map((m) => m.subject)).toEqual(['m1']);
    expect(await reader.list({ limit: 2, before: third[0].id })).toEqual([]);
  });

  it('lists nothing before the first message, and ignores files it did not write', async () => {
    const reader = new OutboxReader(outboxDir(dataDir));
    expect(await reader.list({ limit: 10 })).toEqual([]);

    await new OutboxEmailTransport(outboxDir(dataDir)).verify(ctx);
    await writeFile(join(outboxDir(dataDir), 'notes.json'), '{}');

    expect(await reader.list({ limit: 10 })).toEqual([]);
  });

  it('gets one message by id, null for an unknown id, and refuses ids that could leave the folder', async () => {
    const transport = new OutboxEmailTransport(outboxDir(dataDir));
    await transport.send(ctx, message);
    const reader = new OutboxReader(outboxDir(dataDir));
    const [stored] = await reader.list({ limit: 1 });
    await writeFile(join(dataDir, 'secret.json'), '{"secret":true}');

    expect(await reader.get(stored.id)).toEqual(stored);
    expect(await reader.get(stored.id.replace(/-.*/, '-00000000'))).toBeNull();
    for (const id of ['../secret', '..%2Fsecret', `${stored.id}/../../secret`, '', `${stored.id}.json`]) {
      const error = await reader.get(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TeroError);
      expect((error as TeroError).code).toBe('email.outbox_invalid_id');
      expect((error as TeroError).options.status).toBe(400);
    }
    await expect(reader.list({ limit: 1, before: '../secret' })).rejects.toBeInstanceOf(TeroError);
  });

  it('verify() leaves no file behind', async () => {
    await new OutboxEmailTransport(outboxDir(dataDir)).verify(ctx);

    expect(await readdir(outboxDir(dataDir))).toEqual([]);
  });
});
