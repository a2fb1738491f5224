import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  TeroError,
  type EmailMessage,
  type EmailReceipt,
  type EmailTransport,
  type TenantContext,
} from '@tero/sdk';

/** One message the embedded default "sent": a JSON file under `<DATA_DIR>/outbox/`, shown on the operator's outbox page. */
export interface OutboxEmail {
  /** Also the file name without `.json`; sorts newest first. */
  id: string;
  /** ISO 8601. */
  createdAt: string;
  brandId: string;
  clientId: string | null;
  from: string;
  /** The recipients that were accepted (valid addresses). */
  to: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  headers: Record<string, string>;
  /** Attached files as sent (base64), so that the operator and the tests can open them. */
  attachments?: { filename: string; contentType: string; size: number; contentBase64: string }[];
}

/** `<DATA_DIR>/outbox`. */
export function outboxDir(dataDir: string): string {
  return join(dataDir, 'outbox');
}

const ID_PATTERN = /^\d{16}-[0-9a-f]{8}$/;
const MAX_PAGE = 200;
/** Above `Date.now() * 1000` until the 23rd century, and below 2^53 so the arithmetic stays exact. */
const STAMP_CEILING = 9_000_000_000_000_000;

let lastStamp = 0;

/**
 * An id whose lexical order is newest first: the inverted microsecond-ish stamp (strictly increasing within
 * this process, so two messages in the same millisecond keep their order), then random bits so that two
 * processes writing the same folder never collide.
 */
function newId(now: number): string {
  lastStamp = Math.max(now * 1000, lastStamp + 1);
  return `${String(STAMP_CEILING - lastStamp).padStart(16, '0')}-${randomBytes(4).toString('hex')}`;
}

/** When the message with this id was written, from the stamp in the id; `null` for a malformed id. */
export function outboxIdTime(id: string): Date | null {
  if (!ID_PATTERN.test(id)) return null;
  return new Date(Math.floor((STAMP_CEILING - Number(id.slice(0, 16))) / 1000));
}

/**
 * The address part of `Name <address>` or a bare address, or `undefined` when it is not a usable address.
 * Deliberately loose (no TLD required, so `admin@localhost` works in development) but it refuses what no
 * mail server would take: no `@`, spaces, several `@`, empty parts.
 */
function addressOf(value: string): string | undefined {
  const match = /<([^<>]*)>\s*$/.exec(value);
  const address = (match ? match[1] : value).trim();
  return /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(address) && !/^\.|\.$|\.\./.test(address.split('@')[1])
    ? address
    : undefined;
}

function unavailable(dir: string, error: unknown): TeroError {
  const reason = (error as NodeJS.ErrnoException)?.code ?? String(error);
  return new TeroError('email.unavailable', `outbox ${dir} is not writable: ${reason}`, { reason }, { cause: error, retryable: true });
}

/**
 * The embedded default's e-mail transport, used when no e-mail plugin is configured: nothing leaves the
 * machine, each message becomes a file the operator reads in the admin portal (magic links included,
 * which is how the first sign-in works without SMTP).
 */
export class OutboxEmailTransport implements EmailTransport {
  /** @param dir the outbox folder, normally {@link outboxDir}`(DATA_DIR)`; created on the first send. */
  constructor(private readonly dir: string) {}

  async send(ctx: TenantContext, message: EmailMessage): Promise<EmailReceipt> {
    if (!addressOf(message.from)) {
      throw new TeroError('email.rejected', `outbox refused the sender "${message.from}"`, { reason: 'invalid_sender' });
    }
    const accepted = message.to.filter((to) => addressOf(to));
    const rejected = message.to.filter((to) => !addressOf(to));
    if (!accepted.length) {
      throw new TeroError('email.rejected', 'outbox refused every recipient', { reason: 'invalid_recipients' });
    }
    const createdAt = new Date();
    const id = newId(createdAt.getTime());
    const email: OutboxEmail = {
      id,
      createdAt: createdAt.toISOString(),
      brandId: ctx.brandId,
      clientId: ctx.clientId,
      from: message.from,
      to: accepted,
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
      headers: { ...message.headers },
      ...(message.attachments?.length
        ? { attachments: message.attachments.map((file) => ({ filename: file.filename, contentType: file.contentType, size: Buffer.byteLength(file.contentBase64, 'base64'), contentBase64: file.contentBase64 })) }
        : {}),
    };
    try {
      await mkdir(this.dir, { recursive: true });
      // Written aside then renamed, so the outbox page never reads a half-written file.
      const temporary = join(this.dir, `.${id}.tmp`);
      await writeFile(temporary, JSON.stringify(email, null, 2), { encoding: 'utf8', mode: 0o600 });
      await rename(temporary, join(this.dir, `${id}.json`));
    } catch (error) {
      throw unavailable(this.dir, error);
    }
    return { messageId: `<${id}@outbox>`, accepted, rejected };
  }

  async verify(_ctx: TenantContext): Promise<void> {
    const probe = join(this.dir, `.verify-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(probe, '');
      await rm(probe);
    } catch (error) {
      throw unavailable(this.dir, error);
    }
  }
}

/** Reads the outbox for the operator's page. */
export class OutboxReader {
  /** @param dir the folder {@link OutboxEmailTransport} writes to. */
  constructor(private readonly dir: string) {}

  /**
   * Up to `limit` (1–200) messages, newest first. `before` is an id: only older messages are listed, so the
   * next page is `list({ limit, before: page[page.length - 1].id })`.
   */
  async list(options: { limit: number; before?: string }): Promise<OutboxEmail[]> {
    const limit = Math.min(Math.max(Math.trunc(options.limit) || 1, 1), MAX_PAGE);
    const before = options.before;
    if (before !== undefined) assertId(before);
    const items: OutboxEmail[] = [];
    for (const id of await this.ids()) {
      if (items.length >= limit) break;
      if (before !== undefined && id <= before) continue;
      const email = await this.read(id);
      if (email) items.push(email);
    }
    return items;
  }

  /** One message, or `null` when there is none with that id. Throws `email.outbox_invalid_id` (400) for a malformed id. */
  async get(id: string): Promise<OutboxEmail | null> {
    assertId(id);
    return this.read(id);
  }

  private async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // nothing sent yet
      throw error;
    }
    return names
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter((id) => ID_PATTERN.test(id))
      .sort();
  }

  private async read(id: string): Promise<OutboxEmail | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as OutboxEmail;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null; // removed meanwhile
      throw error;
    }
  }
}

/** Only ids this transport generates reach the file system: no `..`, no separators. */
function assertId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new TeroError('email.outbox_invalid_id', `"${id}" is not an outbox message id`, { id }, { status: 400 });
  }
}
