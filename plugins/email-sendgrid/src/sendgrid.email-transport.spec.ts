import { generateKeyPairSync, sign } from 'node:crypto';
import { TeroError, type PluginLogger, type TenantContext } from '@tero/sdk';
import { closedPort, runEmailTransportContract } from '@tero/sdk/testing';
import { SendgridEmailTransport, type SendgridEmailConfig } from './sendgrid.email-transport';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from './sendgrid.events';
import { FakeSendgridServer } from './testing/fake-sendgrid.server';

const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en', requestId: 'req-1' };
let fake: FakeSendgridServer;

const transport = (config: Partial<SendgridEmailConfig> = {}) => new SendgridEmailTransport({ apiKey: fake.apiKey, baseUrl: fake.url, ...config }, silentLogger);

async function caught(promise: Promise<unknown>): Promise<TeroError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TeroError);
    return error as TeroError;
  }
  throw new Error('expected a TeroError');
}

runEmailTransportContract('email-sendgrid', {
  async setup() {
    fake = new FakeSendgridServer();
    await fake.start();
    return { transport: transport(), ctx, received: async () => [...fake.messages] };
  },
  async teardown() {
    await fake.stop();
  },
  async unreachable() {
    return new SendgridEmailTransport({ apiKey: 'SG.unreachable-key', baseUrl: `http://127.0.0.1:${await closedPort()}` }, silentLogger);
  },
});

describe('SendgridEmailTransport beyond the contract', () => {
  beforeEach(async () => {
    fake = new FakeSendgridServer();
    await fake.start();
  });
  afterEach(() => fake.stop());
  const message = { from: 'Desk <desk@clinic.example.test>', to: ['a@example.test', 'b@example.test'], subject: 'Hi', text: 'Hello', metadata: { tero_message_id: 'm-1' } };

  it('sends one personalization per recipient, the metadata as custom_args, and returns SendGrid\'s X-Message-Id', async () => {
    const receipt = await transport().send(ctx, message);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].personalizations).toBe(2);
    expect(fake.messages[0].customArgs).toEqual({ tero_message_id: 'm-1' });
    expect(receipt.messageId).toBe(fake.messages[0].messageId);
  });

  it('sends attachments with their name, type and base64 content', async () => {
    const contentBase64 = Buffer.from('%PDF-1.3 report').toString('base64');
    await transport().send(ctx, { ...message, attachments: [{ filename: 'report.pdf', contentType: 'application/pdf', contentBase64 }] });
    expect(fake.messages[0].attachments).toEqual([{ content: contentBase64, filename: 'report.pdf', type: 'application/pdf', disposition: 'attachment' }]);
  });

  it('maps 400 (with SendGrid\'s field errors) and 401 to email.rejected, 429 and 5xx to a retryable email.unavailable', async () => {
    const bad = await caught(transport().send(ctx, { ...message, to: ['not-an-address'] }));
    expect([bad.code, bad.retryable]).toEqual(['email.rejected', false]);
    expect(bad.message).toContain('personalizations.0.to.0.email');

    const wrongKey = await caught(transport({ apiKey: 'SG.wrong-key-000' }).send(ctx, message));
    expect([wrongKey.code, wrongKey.retryable]).toEqual(['email.rejected', false]);
    expect((await caught(transport({ apiKey: 'SG.wrong-key-000' }).verify(ctx))).code).toBe('email.rejected');

    for (const status of [429, 500, 503]) {
      fake.failNext(status);
      const error = await caught(transport().send(ctx, message));
      expect([error.code, error.retryable]).toEqual(['email.unavailable', true]);
    }
    expect(fake.messages).toHaveLength(0);
  });
});

describe('SendGrid event webhook', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKey = keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const events = [
    { email: 'a@example.test', timestamp: 1_700_000_000, event: 'open', sg_event_id: 'ev-1', sg_message_id: 'sg-1', tero_message_id: 'm-1' },
    { email: 'a@example.test', timestamp: 1_700_000_100, event: 'click', url: 'https://x.example/setup', sg_event_id: 'ev-2', sg_message_id: 'sg-1', tero_message_id: 'm-1' },
    { email: 'b@example.test', timestamp: 1_700_000_200, event: 'bounce', sg_event_id: 'ev-3', reason: '550 no such user' },
  ];
  const signed = (body: string, key = keys.privateKey, timestamp = String(Math.floor(Date.now() / 1000))) => ({
    headers: {
      [SENDGRID_SIGNATURE_HEADER]: sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), { key, dsaEncoding: 'der' }).toString('base64'),
      [SENDGRID_TIMESTAMP_HEADER]: timestamp,
    },
    rawBody: Buffer.from(body),
  });
  const webhookTransport = () => new SendgridEmailTransport({ apiKey: 'SG.webhook-only', webhookPublicKey: publicKey }, silentLogger);

  it('accepts a good signature and returns the events with their custom args', async () => {
    const parsed = await webhookTransport().parseEvents(ctx, signed(JSON.stringify(events)));
    expect(parsed.map((e) => [e.id, e.type, e.email])).toEqual([
      ['ev-1', 'open', 'a@example.test'],
      ['ev-2', 'click', 'a@example.test'],
      ['ev-3', 'bounce', 'b@example.test'],
    ]);
    expect(parsed[1]).toMatchObject({ url: 'https://x.example/setup', vendorMessageId: 'sg-1', metadata: { tero_message_id: 'm-1' } });
    expect(parsed[2].metadata).toEqual({});
  });

  it('refuses a tampered body, an old timestamp, another key or no signature with 401', async () => {
    const body = JSON.stringify(events);
    const good = signed(body);
    const cases = [
      { ...good, rawBody: Buffer.from(body.replace('ev-3', 'ev-4')) },
      signed(body, keys.privateKey, String(Math.floor(Date.now() / 1000) - 3600)),
      signed(body, other),
      { headers: {}, rawBody: Buffer.from(body) },
    ];
    for (const request of cases) {
      const error = await caught(webhookTransport().parseEvents(ctx, request));
      expect([error.code, error.options.status]).toEqual(['email.webhook_unverified', 401]);
    }
    const unconfigured = await caught(new SendgridEmailTransport({ apiKey: 'SG.webhook-only' }, silentLogger).parseEvents(ctx, good));
    expect(unconfigured.options.status).toBe(401);
  });
});
