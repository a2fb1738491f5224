import { createPublicKey, verify } from 'node:crypto';
import { TeroError, type EmailEvent, type EmailWebhookRequest } from '@tero/sdk';

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
/** How old a signed delivery may be: a captured request replayed later is refused. */
export const SENDGRID_TOLERANCE_SECONDS = 600;

const unverified = (reason: string) => new TeroError('email.webhook_unverified', `SendGrid event webhook refused: ${reason}`, {}, { status: 401 });

/**
 * Checks SendGrid's signed event webhook: an ECDSA P-256 / SHA-256 signature (base64 DER) over the timestamp
 * header followed by the exact body bytes, under the account's verification key (base64 DER SPKI), and a
 * timestamp within {@link SENDGRID_TOLERANCE_SECONDS} of now. Throws `email.webhook_unverified` (401).
 */
export function verifySendgridSignature(publicKeyBase64: string, request: EmailWebhookRequest, now: () => number = Date.now): void {
  const signature = request.headers[SENDGRID_SIGNATURE_HEADER];
  const timestamp = request.headers[SENDGRID_TIMESTAMP_HEADER];
  if (!signature || !timestamp) throw unverified('signature or timestamp header missing');
  if (!/^\d{1,12}$/.test(timestamp)) throw unverified('timestamp is not a number of seconds');
  if (Math.abs(now() / 1000 - Number(timestamp)) > SENDGRID_TOLERANCE_SECONDS) throw unverified('timestamp too far from now');
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw unverified('the configured verification key is not a base64 DER public key');
  }
  let ok = false;
  try {
    ok = verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), request.rawBody]), { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw unverified('signature does not verify');
}

const SENDGRID_FIELDS = new Set(['email', 'timestamp', 'event', 'sg_event_id', 'sg_message_id', 'url', 'smtp-id', 'category', 'reason', 'status', 'response', 'attempt', 'type', 'useragent', 'ip', 'tls', 'cert_err', 'url_offset', 'asm_group_id', 'marketing_campaign_id', 'marketing_campaign_name', 'pool', 'sg_machine_open', 'bounce_classification']);

/** The events of a verified delivery (a JSON array); custom args come back as the event's other string fields. */
export function parseSendgridEvents(rawBody: Buffer): EmailEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new TeroError('email.webhook_invalid', 'SendGrid events are not JSON', {}, { status: 400 });
  }
  if (!Array.isArray(parsed)) throw new TeroError('email.webhook_invalid', 'SendGrid events are not an array', {}, { status: 400 });
  const events: EmailEvent[] = [];
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null) continue;
    const e = item as Record<string, unknown>;
    if (typeof e.sg_event_id !== 'string' || typeof e.event !== 'string') continue;
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(e)) if (!SENDGRID_FIELDS.has(key) && typeof value === 'string') metadata[key] = value;
    events.push({
      id: e.sg_event_id,
      type: e.event,
      email: typeof e.email === 'string' ? e.email : '',
      at: new Date(typeof e.timestamp === 'number' ? e.timestamp * 1000 : Date.now()),
      ...(typeof e.url === 'string' ? { url: e.url } : {}),
      ...(typeof e.sg_message_id === 'string' ? { vendorMessageId: e.sg_message_id } : {}),
      metadata,
    });
  }
  return events;
}
