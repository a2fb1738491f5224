import { createServer, type AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { SMTPServer } from 'smtp-server';
import { EMAIL, PluginConfigError, TeroError, type PluginLogger, type TenantContext } from '@tero/sdk';
import { parseRawEmail, runEmailTransportContract, type ReceivedEmail } from '@tero/sdk/testing';
import plugin from './index';
import { resolveSmtpSettings, SmtpEmailTransport, type SmtpEmailConfig } from './smtp.email-transport';
import manifestPackage from '../package.json';

const USER = 'relay-user';
const PASS = 'p@ss:w/rd';
const REFUSED = 'nobody@refused.example.test';

const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: TenantContext = { brandId: 'brand-1', clientId: 'client-1', locale: 'en', requestId: 'req-1' };

/** A local SMTP server that requires AUTH, refuses {@link REFUSED} with 550 and keeps what it got. */
class FakeSmtpServer {
  readonly messages: ReceivedEmail[] = [];
  /** Each message's bytes as they arrived (MIME parts included). */
  readonly raw: Buffer[] = [];
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      // No certificate here: plain SMTP on loopback, so AUTH must be allowed without TLS.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === USER && auth.password === PASS) return callback(null, { user: USER });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo: (address, _session, callback) => {
        if (address.address.toLowerCase() === REFUSED) {
          return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.raw.push(Buffer.concat(chunks));
          const parsed = parseRawEmail(Buffer.concat(chunks));
          this.messages.push({
            from: parsed.headers.from ?? '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: parsed.headers.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html,
            headers: parsed.headers,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  url(user = USER, pass = PASS): string {
    return `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${this.port}`;
  }
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let fake: FakeSmtpServer;
const transports: SmtpEmailTransport[] = [];
function transport(config: SmtpEmailConfig): SmtpEmailTransport {
  const created = new SmtpEmailTransport(config, silentLogger);
  transports.push(created);
  return created;
}

runEmailTransportContract('email-smtp', {
  async setup() {
    fake = new FakeSmtpServer();
    await fake.start();
    return { transport: transport({ url: fake.url() }), ctx, received: async () => [...fake.messages] };
  },
  async teardown() {
    transports.splice(0).forEach((t) => t.close());
    await fake.stop();
  },
  async unreachable() {
    return transport({ url: `smtp://${USER}:x@127.0.0.1:${await closedPort()}` });
  },
  rejectingRecipient: REFUSED,
});

describe('SmtpEmailTransport beyond the contract', () => {
  beforeEach(async () => {
    fake = new FakeSmtpServer();
    await fake.start();
  });
  afterEach(async () => {
    transports.splice(0).forEach((t) => t.close());
    await fake.stop();
  });

  it('refuses wrong credentials with email.auth_failed, not retryable, on send and on verify', async () => {
    const wrong = transport({ url: fake.url(USER, 'wrong') });

    for (const attempt of [wrong.verify(ctx), wrong.send(ctx, { from: 'a@example.test', to: ['b@example.test'], subject: 's', text: 't' })]) {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TeroError);
      expect((error as TeroError).code).toBe('email.auth_failed');
      expect((error as TeroError).retryable).toBe(false);
      expect((error as TeroError).message).not.toContain('wrong');
    }
    expect(fake.messages).toEqual([]);
  });

  it('uses tenant credentials over the URL ones, and the configured sender when a message has none', async () => {
    const tenant = transport({ url: fake.url('instance-user', 'instance-pass'), user: USER, pass: PASS, from: 'Brand <brand@example.test>' });

    await tenant.send(ctx, { from: '', to: ['c@example.test'], subject: 'From the brand', text: 'hi' });

    expect(fake.messages[0].from).toContain('brand@example.test');
  });

  it('sends attachments as MIME parts with their name, type and bytes', async () => {
    const pdf = Buffer.from('%PDF-1.3 report bytes');
    await transport({ url: fake.url() }).send(ctx, { from: 'a@example.test', to: ['b@example.test'], subject: 's', text: 't', attachments: [{ filename: 'report-2026-W47.pdf', contentType: 'application/pdf', contentBase64: pdf.toString('base64') }] });

    const raw = fake.raw[0]!.toString('utf8');
    expect(raw).toMatch(/Content-Type: application\/pdf; name=report-2026-W47\.pdf/);
    expect(raw).toMatch(/Content-Disposition: attachment; filename=report-2026-W47\.pdf/);
    expect(raw.replace(/\r?\n/g, '')).toContain(pdf.toString('base64'));
  });

  it('delivers through a pooled transport too', async () => {
    const pooled = transport({ url: fake.url(), pool: true });

    await pooled.send(ctx, { from: 'a@example.test', to: ['d@example.test'], subject: 'one', text: '1' });
    await pooled.send(ctx, { from: 'a@example.test', to: ['e@example.test'], subject: 'two', text: '2' });

    expect(fake.messages.map((m) => m.subject)).toEqual(['one', 'two']);
  });
});

describe('resolveSmtpSettings', () => {
  it('reads host, port, TLS and percent-encoded credentials from the URL', () => {
    expect(resolveSmtpSettings({ url: 'smtps://me%40corp:p%3Ass@mail.example.test' })).toEqual({
      host: 'mail.example.test',
      port: 465,
      secure: true,
      auth: { user: 'me@corp', pass: 'p:ss' },
    });
    expect(resolveSmtpSettings({ url: 'smtp://mail.example.test' })).toEqual({ host: 'mail.example.test', port: 587, secure: false });
  });

  it('lets tenant fields override the URL field by field', () => {
    expect(resolveSmtpSettings({ url: 'smtp://u:p@mail.example.test:2525', port: 25, user: 'tenant', pass: 'secret' })).toEqual({
      host: 'mail.example.test',
      port: 25,
      secure: false,
      auth: { user: 'tenant', pass: 'secret' },
    });
  });

  it("never sends the instance URL's credentials to a tenant's own host", () => {
    expect(resolveSmtpSettings({ url: 'smtp://instance:secret@relay.example.test:2525', host: 'tenant.example.test' })).toEqual({
      host: 'tenant.example.test',
      port: 587,
      secure: false,
    });
  });

  it('stops with PluginConfigError naming url when there is no server or the URL is not SMTP', () => {
    for (const config of [{}, { url: 'http://mail.example.test' }, { url: 'smtp://' }]) {
      expect(() => resolveSmtpSettings(config)).toThrow(PluginConfigError);
      expect(() => resolveSmtpSettings(config)).toThrow(/"url"/);
    }
  });
});

describe('email-smtp plugin', () => {
  it('declares the manifest the loader expects, with schemas Ajv (2020, strict) compiles', () => {
    const manifest = manifestPackage.tero;
    expect(manifest.id).toBe(plugin.id);
    expect(manifest.kinds).toEqual([EMAIL.id]);
    const ajv = new Ajv2020({ coerceTypes: true, useDefaults: true, strictTypes: false, strictTuples: false });
    addFormats(ajv);
    const instance = ajv.compile(manifest.instanceConfig);
    const tenant = ajv.compile(manifest.tenantConfig);

    const fromEnv: Record<string, unknown> = { url: 'smtps://u:p@mail.example.test:465', pool: 'true' };
    expect(instance(fromEnv)).toBe(true);
    expect(fromEnv.pool).toBe(true);
    expect(instance({ url: 'http://mail.example.test' })).toBe(false);
    expect(tenant({ host: 'mail.example.test', port: 2525, secure: false, user: 'u', pass: 'p', from: 'a@b.c' })).toBe(true);
    expect(tenant({ port: 70000 })).toBe(false);
  });

  it('provides the e-mail port, building a transport from the effective config', () => {
    expect(plugin.provides).toHaveLength(1);
    const [provision] = plugin.provides;
    expect(provision.port).toBe(EMAIL);
    const created = provision.create({ config: { url: 'smtp://127.0.0.1:2525' }, logger: silentLogger });
    expect(created).toBeInstanceOf(SmtpEmailTransport);
    (created as SmtpEmailTransport).close();
  });
});
