import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { PAYMENT_ERRORS, PaymentSignatureError, TeroError, type PaymentWebhookDelivery, type TenantContext } from '@tero/sdk';
import type { PayPalApiClient } from './paypal-api.client';
import { missingSetting, type PayPalSettings } from './paypal.config';
import type { WireVerifyResponse } from './paypal.wire';

/** The signature headers PayPal sends with every delivery. */
export interface PayPalTransmission {
  id: string;
  time: string;
  signature: string;
  certUrl: string;
  authAlgo: string;
}

const HEADERS = {
  id: 'paypal-transmission-id',
  time: 'paypal-transmission-time',
  signature: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  authAlgo: 'paypal-auth-algo',
} as const;

/** Reads the transmission headers; a delivery without them is not PayPal's. */
export function transmissionOf(headers: Record<string, string | undefined>): PayPalTransmission {
  const read = (name: string): string => {
    const value = headers[name]?.trim();
    if (!value) throw new PaymentSignatureError(`header ${name} is missing`);
    return value;
  };
  return { id: read(HEADERS.id), time: read(HEADERS.time), signature: read(HEADERS.signature), certUrl: read(HEADERS.certUrl), authAlgo: read(HEADERS.authAlgo) };
}

/**
 * What PayPal signs: `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, decimal>`,
 * with SHA256withRSA and the key of the certificate at `paypal-cert-url`.
 */
export function signedText(transmission: Pick<PayPalTransmission, 'id' | 'time'>, webhookId: string, rawBody: Buffer): string {
  return `${transmission.id}|${transmission.time}|${webhookId}|${crc32(rawBody)}`;
}

/**
 * Where a signing certificate may come from: PayPal's hosts over HTTPS (`api.paypal.com`,
 * `api.sandbox.paypal.com`, …), or the configured API root (set by the operator, trusted with the
 * credentials already: a proxy, or the local fake in tests). A forger's own certificate URL is refused.
 */
export function certificateUrlAllowed(certUrl: string, apiBaseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(certUrl);
  } catch {
    return false;
  }
  if (url.origin === new URL(apiBaseUrl).origin) return true;
  return url.protocol === 'https:' && (url.hostname === 'paypal.com' || url.hostname.endsWith('.paypal.com')) && !url.username && !url.password && (url.port === '' || url.port === '443');
}

const CERTIFICATE_CACHE_LIMIT = 16;
const CERTIFICATE_TEXT_LIMIT = 64 * 1024;

/**
 * Verifies that a delivery is PayPal's, for the brand's webhook id, as configured:
 * - `api`: `POST /v1/notifications/verify-webhook-signature` with the headers and the event embedded
 *   byte for byte (PayPal computes the CRC over what it receives, so the body is not re-serialized);
 * - `offline`: the RSA signature checked here against the certificate PayPal names, fetched once from
 *   an allowed URL and kept while it is valid.
 * Throws `payment.signature_invalid` when it is not genuine, `payment.unavailable` when PayPal (or its
 * certificate) could not be reached, so that the delivery is retried.
 */
export class PayPalWebhookVerifier {
  private readonly certificates = new Map<string, X509Certificate>();

  constructor(
    private readonly settings: PayPalSettings,
    private readonly client: PayPalApiClient,
  ) {}

  async verify(ctx: TenantContext, delivery: PaymentWebhookDelivery): Promise<void> {
    const transmission = transmissionOf(delivery.headers);
    if (transmission.authAlgo !== 'SHA256withRSA') throw new PaymentSignatureError(`auth algorithm ${transmission.authAlgo} is not SHA256withRSA`);
    const webhookId = this.settings.webhookId;
    if (!webhookId) throw missingSetting('webhookId');
    if (this.settings.verification === 'offline') await this.verifyOffline(transmission, webhookId, delivery.rawBody);
    else await this.verifyWithApi(ctx, transmission, webhookId, delivery.rawBody);
  }

  private async verifyWithApi(ctx: TenantContext, transmission: PayPalTransmission, webhookId: string, rawBody: Buffer): Promise<void> {
    const event = rawBody.toString('utf8');
    try {
      const parsed: unknown = JSON.parse(event);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    } catch {
      throw new PaymentSignatureError('the body is not a PayPal event (JSON object)');
    }
    const body =
      `{"auth_algo":${JSON.stringify(transmission.authAlgo)},"cert_url":${JSON.stringify(transmission.certUrl)},` +
      `"transmission_id":${JSON.stringify(transmission.id)},"transmission_sig":${JSON.stringify(transmission.signature)},` +
      `"transmission_time":${JSON.stringify(transmission.time)},"webhook_id":${JSON.stringify(webhookId)},"webhook_event":${event}}`;
    let answer: WireVerifyResponse | null;
    try {
      answer = await this.client.call<WireVerifyResponse>(ctx, { method: 'POST', path: '/v1/notifications/verify-webhook-signature', body });
    } catch (error) {
      // PayPal answers 400 to headers it cannot read (a forger's); our credentials being refused is ours to fix.
      if (error instanceof TeroError && error.code === PAYMENT_ERRORS.rejected && error.params.status === 400) {
        throw new PaymentSignatureError(`PayPal refused to verify it: ${error.message}`);
      }
      throw error;
    }
    if (answer?.verification_status !== 'SUCCESS') throw new PaymentSignatureError(`PayPal answered verification_status ${answer?.verification_status ?? '(none)'}`);
  }

  private async verifyOffline(transmission: PayPalTransmission, webhookId: string, rawBody: Buffer): Promise<void> {
    if (!certificateUrlAllowed(transmission.certUrl, this.settings.apiBaseUrl)) {
      throw new PaymentSignatureError(`certificate URL ${transmission.certUrl} is not PayPal's`);
    }
    const certificate = await this.certificate(transmission.certUrl);
    const now = Date.now();
    if (certificate.validFromDate.getTime() > now || certificate.validToDate.getTime() < now) {
      this.certificates.delete(transmission.certUrl);
      throw new PaymentSignatureError(`certificate at ${transmission.certUrl} is not valid now`);
    }
    const signature = Buffer.from(transmission.signature, 'base64');
    let valid = false;
    try {
      valid = verifySignature('sha256', Buffer.from(signedText(transmission, webhookId, rawBody)), certificate.publicKey, signature);
    } catch {
      valid = false;
    }
    if (!valid) throw new PaymentSignatureError('signature does not match the body, the webhook id and PayPal’s certificate');
  }

  private async certificate(url: string): Promise<X509Certificate> {
    const cached = this.certificates.get(url);
    if (cached) return cached;
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { signal: timeout, redirect: 'error' });
      text = await response.text();
    } catch (error) {
      const reason = timeout.aborted ? `no answer within ${this.settings.timeoutMs} ms` : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new TeroError(PAYMENT_ERRORS.unavailable, `PayPal certificate unreachable at ${url}: ${reason}`, { reason }, { cause: error, retryable: true, status: 503 });
    }
    if (!response.ok) {
      // A URL on PayPal's host that does not serve a certificate is not a PayPal signature.
      if (response.status >= 500 || response.status === 429) {
        throw new TeroError(PAYMENT_ERRORS.unavailable, `PayPal certificate at ${url} answered ${response.status}`, { status: response.status }, { retryable: true, status: 503 });
      }
      throw new PaymentSignatureError(`certificate at ${url} answered ${response.status}`);
    }
    // PayPal serves the signing certificate first, then its chain.
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text.slice(0, CERTIFICATE_TEXT_LIMIT));
    let certificate: X509Certificate;
    try {
      if (!first) throw new Error('no PEM certificate');
      certificate = new X509Certificate(first[0]);
    } catch {
      throw new PaymentSignatureError(`${url} does not serve a PEM certificate`);
    }
    if (this.certificates.size >= CERTIFICATE_CACHE_LIMIT) this.certificates.delete(this.certificates.keys().next().value!);
    this.certificates.set(url, certificate);
    return certificate;
  }
}
