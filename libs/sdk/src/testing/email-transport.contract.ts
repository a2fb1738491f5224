import type { TenantContext } from '../context';
import { TeroError } from '../errors';
import type { EmailMessage, EmailTransport } from '../ports/email.port';

/**
 * One message as the fake vendor actually received it, decoded. A harness builds it from whatever its
 * fake recorded: the raw SMTP `DATA` (see {@link parseRawEmail}), the JSON body of an HTTP API call, a
 * file written to disk.
 */
export interface ReceivedEmail {
  /** The `From` as received, display name included: `Clínica <desk@example.test>` or `"Clínica" <desk@example.test>`. */
  from: string;
  /**
   * Bare addresses the vendor accepted delivery to (for SMTP: the envelope's `RCPT TO` it accepted, not
   * the `To` header, which still lists refused recipients).
   */
  to: string[];
  subject: string;
  /** Plain-text body. Compared after line endings become `\n` and trailing whitespace is trimmed. */
  text: string;
  /** HTML body, when the message had one. Compared as `text` is. */
  html?: string;
  /**
   * Every header the vendor got, names in lower case, values decoded. Must include `reply-to` when the
   * message set one, and each of the message's custom `headers`.
   */
  headers: Record<string, string>;
}

/** What {@link EmailTransportContractHarness.setup} returns for one test. */
export interface EmailTransportContractFixture {
  /** The transport under test, configured to talk to the running fake vendor. */
  transport: EmailTransport;
  /** The tenant every call of the test is made for. */
  ctx: TenantContext;
  /** Messages the fake vendor has received since `setup()`, oldest first. */
  received(): Promise<ReceivedEmail[]>;
}

/**
 * How the contract reaches a plugin's transport and its local fake vendor. Tests never call a real
 * vendor: start a local fake (an `smtp-server` on 127.0.0.1, a `node:http` server answering like the
 * vendor's API…) on a random port in `setup()` and stop it in `teardown()`.
 */
export interface EmailTransportContractHarness {
  /** Starts a fresh fake vendor and a transport pointed at it. Called before each case. */
  setup(): Promise<EmailTransportContractFixture>;
  /** Stops what `setup()` started. Called after each case, also when it failed. */
  teardown(): Promise<void>;
  /**
   * A transport configured like the real one but pointed at something that does not answer (a closed
   * port on 127.0.0.1). Its `send` must throw `email.unavailable` with `retryable === true`.
   */
  unreachable(): Promise<EmailTransport>;
  /**
   * An address the fake vendor refuses (an SMTP fake answers `550` to its `RCPT TO`), or, for a
   * transport without a vendor (the embedded outbox), an address the transport itself refuses, such
   * as a syntactically invalid one. When given, the contract also checks partial and total refusals;
   * a plugin whose vendor can refuse recipients must give one.
   */
  rejectingRecipient?: string;
}

/** The sender every contract case uses, display name with non-ASCII letters included. */
export const CONTRACT_SENDER_ADDRESS = 'desk@clinic.example.test';

/** Lower-case, without duplicates, sorted: recipient lists are compared as sets. */
function addressSet(addresses: string[]): string[] {
  return [...new Set(addresses.map((a) => a.trim().toLowerCase()))].sort();
}

function normalise(body: string | undefined): string | undefined {
  return body?.replace(/\r\n/g, '\n').trimEnd();
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it resolved');
}

/** Asserts `error` is a `TeroError` with `code`, and returns it for further checks. */
function expectTeroError(error: unknown, code: string): TeroError {
  expect(error).toBeInstanceOf(TeroError);
  expect((error as TeroError).code).toBe(code);
  return error as TeroError;
}

/**
 * The conformance suite of the {@link EmailTransport} port. Every e-mail plugin runs it, in a spec
 * beside its transport, against its own local fake vendor:
 *
 * ```ts
 * import { runEmailTransportContract } from '@tero/sdk/testing';
 *
 * runEmailTransportContract('email-smtp', {
 *   async setup() { … start a fake on 127.0.0.1:0, return { transport, ctx, received } },
 *   async teardown() { … stop it },
 *   async unreachable() { return new SmtpEmailTransport({ url: 'smtp://127.0.0.1:<closed port>' }, logger) },
 *   rejectingRecipient: 'nobody@refused.example.test',
 * });
 * ```
 *
 * It defines one Jest `describe` block named after the plugin, checking that:
 * - a text + HTML message to several recipients arrives once, intact: subject, from, reply-to, custom
 *   headers, both bodies, every recipient; and the receipt names them as accepted;
 * - non-ASCII text (é, ñ, emoji) in the subject, the sender's name and both bodies survives;
 * - a text-only message arrives without an HTML body;
 * - with `rejectingRecipient`: a refused recipient among good ones is listed in `rejected` while the
 *   others get the message; a message every recipient of which is refused throws `email.rejected`;
 * - an unreachable vendor makes `send` throw `email.unavailable` with `retryable === true`;
 * - `verify()` resolves against the fake and throws a `TeroError` (`email.unavailable`) when unreachable.
 *
 * Each case gets a fresh fake from `harness.setup()`. Nothing is skipped: cases that need
 * `rejectingRecipient` are only defined when the harness gives one.
 */
export function runEmailTransportContract(name: string, harness: EmailTransportContractHarness): void {
  describe(`EmailTransport contract: ${name}`, () => {
    let fixture: EmailTransportContractFixture;

    beforeEach(async () => {
      fixture = await harness.setup();
    });

    afterEach(async () => {
      await harness.teardown();
    });

    it('delivers a text + HTML message to several recipients with its subject, sender, reply-to and headers', async () => {
      const { transport, ctx } = fixture;
      const message: EmailMessage = {
        from: `Front Desk <${CONTRACT_SENDER_ADDRESS}>`,
        to: ['ana@example.test', 'bob@example.test', 'carla@example.test'],
        replyTo: 'owner@clinic.example.test',
        subject: 'Your appointment on Tuesday',
        text: 'Hello,\n\nYour cleaning is booked for Tuesday at 10:00.\nSee you soon.',
        html: '<p>Hello,</p><p>Your <strong>cleaning</strong> is booked for Tuesday at 10:00.</p>',
        headers: { 'X-Tero-Contract': 'case-1', 'List-Unsubscribe': '<https://example.test/u/42>' },
      };

      const receipt = await transport.send(ctx, message);

      expect(typeof receipt.messageId).toBe('string');
      expect(receipt.messageId.length).toBeGreaterThan(0);
      expect(addressSet(receipt.accepted)).toEqual(addressSet(message.to));
      expect(receipt.rejected).toEqual([]);

      const received = await fixture.received();
      expect(received).toHaveLength(1);
      const [got] = received;
      expect(addressSet(got.to)).toEqual(addressSet(message.to));
      expect(got.subject).toBe(message.subject);
      expect(got.from).toContain(CONTRACT_SENDER_ADDRESS);
      expect(got.from).toContain('Front Desk');
      expect(got.headers['reply-to']).toContain('owner@clinic.example.test');
      expect(got.headers['x-tero-contract']).toBe('case-1');
      expect(got.headers['list-unsubscribe']).toBe('<https://example.test/u/42>');
      expect(normalise(got.text)).toBe(normalise(message.text));
      expect(normalise(got.html)).toBe(normalise(message.html));
    });

    it('keeps non-ASCII subject, sender name and bodies intact (é, ñ, emoji)', async () => {
      const { transport, ctx } = fixture;
      const message: EmailMessage = {
        from: `Clínica Dental Ñandú <${CONTRACT_SENDER_ADDRESS}>`,
        to: ['jose@example.test'],
        subject: 'Réservation confirmée – mañana a las 9 🦷✨',
        text: 'Hola José, ¿qué tal? Su cita está confirmada. Café ☕ y sonrisas 😀.\nÀ bientôt, l’équipe.',
        html: '<p>Hola José, ¿qué tal? Su cita está <em>confirmada</em>. Café ☕ y sonrisas 😀.</p>',
      };

      await transport.send(ctx, message);

      const [got] = await fixture.received();
      expect(got.subject).toBe(message.subject);
      expect(got.from).toContain('Clínica Dental Ñandú');
      expect(normalise(got.text)).toBe(normalise(message.text));
      expect(normalise(got.html)).toBe(normalise(message.html));
    });

    it('sends a text-only message without an HTML body', async () => {
      const { transport, ctx } = fixture;
      await transport.send(ctx, {
        from: CONTRACT_SENDER_ADDRESS,
        to: ['dan@example.test'],
        subject: 'Plain',
        text: 'Just text.',
      });

      const [got] = await fixture.received();
      expect(normalise(got.text)).toBe('Just text.');
      expect(got.html ?? undefined).toBeUndefined();
    });

    const refused = harness.rejectingRecipient;
    if (refused !== undefined) {
      it('reports a refused recipient in `rejected` and delivers to the others', async () => {
        const { transport, ctx } = fixture;
        const good = ['eva@example.test', 'finn@example.test'];

        const receipt = await transport.send(ctx, {
          from: CONTRACT_SENDER_ADDRESS,
          to: [good[0], refused, good[1]],
          subject: 'Partly refused',
          text: 'Two of three should get this.',
        });

        expect(addressSet(receipt.accepted)).toEqual(addressSet(good));
        expect(addressSet(receipt.rejected)).toEqual(addressSet([refused]));
        const received = await fixture.received();
        expect(received).toHaveLength(1);
        expect(addressSet(received[0].to)).toEqual(addressSet(good));
      });

      it('throws email.rejected (not retryable) when every recipient is refused, and delivers nothing', async () => {
        const { transport, ctx } = fixture;

        const error = await caught(
          transport.send(ctx, { from: CONTRACT_SENDER_ADDRESS, to: [refused], subject: 'Refused', text: 'Nobody gets this.' }),
        );

        expect(expectTeroError(error, 'email.rejected').retryable).toBe(false);
        expect(await fixture.received()).toEqual([]);
      });
    }

    it('throws a retryable email.unavailable when the vendor cannot be reached', async () => {
      const transport = await harness.unreachable();

      const error = await caught(
        transport.send(fixture.ctx, {
          from: CONTRACT_SENDER_ADDRESS,
          to: ['gus@example.test'],
          subject: 'Lost',
          text: 'This cannot be delivered now.',
        }),
      );

      expect(expectTeroError(error, 'email.unavailable').retryable).toBe(true);
    });

    it('verify() resolves against the fake vendor', async () => {
      await expect(fixture.transport.verify(fixture.ctx)).resolves.toBeUndefined();
    });

    it('verify() throws email.unavailable when the vendor cannot be reached', async () => {
      const transport = await harness.unreachable();

      expectTeroError(await caught(transport.verify(fixture.ctx)), 'email.unavailable');
    });
  });
}
