import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { PAYMENT_ERRORS, TeroError, type PaymentWebhookDelivery, type PluginLogger, type TenantContext } from '@tero/sdk';
import { PayPalPaymentProvider } from './paypal.payment-provider';
import { certificateUrlAllowed, signedText, transmissionOf } from './paypal-webhook.verifier';
import { FakePayPalServer, selfSignedCertificatePem } from './testing';

const ctx: TenantContext = { brandId: 'brand-1', clientId: null, locale: 'en' };
const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof TeroError ? error.code : `not a TeroError: ${String(error)}`;
}

describe('PayPal webhook signatures', () => {
  let fake: FakePayPalServer;
  beforeEach(async () => {
    fake = await FakePayPalServer.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  function provider(verification: 'api' | 'offline', webhookId = fake.webhookId): PayPalPaymentProvider {
    return new PayPalPaymentProvider({ apiBaseUrl: fake.baseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret, webhookId, verification }, silentLogger);
  }

  it('signs over transmission id, time, webhook id and the decimal CRC32 of the raw body', async () => {
    const delivery = await fake.unknownEvent();
    const transmission = transmissionOf(delivery.headers);
    expect(signedText(transmission, fake.webhookId, delivery.rawBody)).toBe(`${transmission.id}|${transmission.time}|${fake.webhookId}|${crc32(delivery.rawBody)}`);
    expect(String(crc32(delivery.rawBody))).toMatch(/^\d+$/);
  });

  describe.each(['api', 'offline'] as const)('verification %s', (verification) => {
    it('accepts a genuine delivery, and refuses a forged, tampered, re-addressed or header-less one', async () => {
      const paypal = provider(verification);
      const genuine = await fake.unknownEvent();
      expect(await paypal.parseWebhook(ctx, genuine)).toHaveLength(1);

      const tampered: PaymentWebhookDelivery = { ...genuine, rawBody: Buffer.from(genuine.rawBody.toString('utf8').replace('"OPEN"', '"RESOLVED"')) };
      const otherWebhook = provider(verification, 'WH-SOMEONE-ELSES');
      const { 'paypal-transmission-sig': _signature, ...unsigned } = genuine.headers;
      expect(await codeOf(() => paypal.parseWebhook(ctx, fake.forge(genuine)))).toBe(PAYMENT_ERRORS.signatureInvalid);
      expect(await codeOf(() => paypal.parseWebhook(ctx, tampered))).toBe(PAYMENT_ERRORS.signatureInvalid);
      expect(await codeOf(() => otherWebhook.parseWebhook(ctx, genuine))).toBe(PAYMENT_ERRORS.signatureInvalid);
      expect(await codeOf(() => paypal.parseWebhook(ctx, { ...genuine, headers: unsigned }))).toBe(PAYMENT_ERRORS.signatureInvalid);
      expect(await codeOf(() => paypal.parseWebhook(ctx, { ...genuine, headers: { ...genuine.headers, 'paypal-auth-algo': 'SHA1withRSA' } }))).toBe(PAYMENT_ERRORS.signatureInvalid);
    });
  });

  it('asks PayPal with the event embedded byte for byte, and nothing but the headers and webhook id', async () => {
    const delivery = await fake.unknownEvent();
    await provider('api').parseWebhook(ctx, delivery);
    const call = fake.exchanges.find((e) => e.path === '/v1/notifications/verify-webhook-signature')!;
    expect(call.body).toEqual({
      auth_algo: 'SHA256withRSA',
      cert_url: delivery.headers['paypal-cert-url'],
      transmission_id: delivery.headers['paypal-transmission-id'],
      transmission_sig: delivery.headers['paypal-transmission-sig'],
      transmission_time: delivery.headers['paypal-transmission-time'],
      webhook_id: fake.webhookId,
      webhook_event: JSON.parse(delivery.rawBody.toString('utf8')),
    });
    expect(await codeOf(() => provider('api').parseWebhook(ctx, { ...delivery, rawBody: Buffer.from('not json') }))).toBe(PAYMENT_ERRORS.signatureInvalid);
  });

  it('offline, fetches PayPal’s certificate once and asks PayPal nothing', async () => {
    const paypal = provider('offline');
    await paypal.parseWebhook(ctx, await fake.unknownEvent());
    await paypal.parseWebhook(ctx, await fake.unknownEvent());
    expect(fake.exchanges.map((e) => e.path.split('/').slice(0, 4).join('/'))).toEqual(['/v1/notifications/certs']);
  });

  describe('offline, a certificate served by someone else', () => {
    let server: Server;
    let certUrl: string;
    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    beforeAll(async () => {
      const pem = selfSignedCertificatePem({ commonName: 'messageverificationcerts.paypal.com', ...forger });
      server = createServer((_req, res) => res.end(pem));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      certUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/notifications/certs/CERT-1`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('is refused: a delivery signed with the forger’s key, pointing at the forger’s certificate', async () => {
      const genuine = await fake.unknownEvent();
      const transmission = transmissionOf(genuine.headers);
      const signature = sign('sha256', Buffer.from(signedText(transmission, fake.webhookId, genuine.rawBody)), forger.privateKey).toString('base64');
      const forged = { ...genuine, headers: { ...genuine.headers, 'paypal-cert-url': certUrl, 'paypal-transmission-sig': signature } };
      expect(await codeOf(() => provider('offline').parseWebhook(ctx, forged))).toBe(PAYMENT_ERRORS.signatureInvalid);
    });
  });

  it('offline, an expired certificate is refused', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = selfSignedCertificatePem({ commonName: 'old', ...keys, notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
    const server = createServer((_req, res) => res.end(pem));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const body = Buffer.from('{"id":"WH-1","event_type":"X","create_time":"2026-01-01T00:00:00Z","resource":{}}');
      const headers = { 'paypal-transmission-id': 't-1', 'paypal-transmission-time': '2026-01-01T00:00:00Z', 'paypal-cert-url': `${origin}/cert`, 'paypal-auth-algo': 'SHA256withRSA' };
      const signature = sign('sha256', Buffer.from(`t-1|2026-01-01T00:00:00Z|WH-X|${crc32(body)}`), keys.privateKey).toString('base64');
      const paypal = new PayPalPaymentProvider({ apiBaseUrl: origin, clientId: 'a', clientSecret: 'b', webhookId: 'WH-X', verification: 'offline' }, silentLogger);
      const error = await paypal.parseWebhook(ctx, { rawBody: body, headers: { ...headers, 'paypal-transmission-sig': signature } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: PAYMENT_ERRORS.signatureInvalid, message: expect.stringMatching(/not valid now/) });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a verification PayPal cannot be asked for is payment.unavailable (PayPal retries the delivery), not a forgery', async () => {
    const delivery = await fake.unknownEvent();
    const paypal = provider('api');
    await fake.stop();
    const error = await paypal.parseWebhook(ctx, delivery).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: PAYMENT_ERRORS.unavailable, retryable: true });
    fake = await FakePayPalServer.start();
  });
});

describe('certificateUrlAllowed', () => {
  it('takes PayPal hosts over HTTPS and the configured API root, nothing else', () => {
    const api = 'https://api-m.paypal.com';
    expect(certificateUrlAllowed('https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77', api)).toBe(true);
    expect(certificateUrlAllowed('https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1', api)).toBe(true);
    expect(certificateUrlAllowed('http://api.paypal.com/v1/notifications/certs/CERT-1', api)).toBe(false);
    expect(certificateUrlAllowed('https://api.paypal.com.evil.test/cert', api)).toBe(false);
    expect(certificateUrlAllowed('https://evilpaypal.com/cert', api)).toBe(false);
    expect(certificateUrlAllowed('https://user@api.paypal.com/cert', api)).toBe(false);
    expect(certificateUrlAllowed('https://api.paypal.com:8443/cert', api)).toBe(false);
    expect(certificateUrlAllowed('not a url', api)).toBe(false);
    expect(certificateUrlAllowed('http://127.0.0.1:4010/v1/notifications/certs/CERT-1', 'http://127.0.0.1:4010')).toBe(true);
  });
});
