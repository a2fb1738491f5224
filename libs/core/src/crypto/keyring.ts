import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TeroError } from '@tero/sdk';
import { ConfigError } from '../config/instance-config';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

interface ParsedToken {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** A new `id:key` entry for `ENCRYPTION_KEYS` (32 random bytes, base64url). */
export function generateEncryptionKey(id: string): string {
  if (!KEY_ID.test(id)) throw new RangeError(`key id "${id}" must be 1-64 letters, digits, _ or -`);
  return `${id}:${randomBytes(KEY_BYTES).toString('base64url')}`;
}

/**
 * Encrypts secrets at rest (vendor keys, OAuth tokens) with AES-256-GCM under the keys of `ENCRYPTION_KEYS`.
 *
 * Rotation: the first key encrypts, every listed key decrypts. To rotate, put a new key first and keep the
 * old ones; a job then walks the rows, calling `rotate()` where `needsRotation()` says so, after which the
 * old key can be removed.
 *
 * AAD binds a ciphertext to where it lives. Callers pass the row's identity, e.g.
 * `brand:<brandId>:plugin:<pluginId>` or `client:<clientId>:oauth:<provider>`, and pass the same string to
 * `decrypt()`. A ciphertext copied into another tenant's row (by a bug, a bad restore or an attacker with
 * write access to the database) then fails to decrypt instead of handing that tenant someone else's secret.
 *
 * Tokens read `v1.<keyId>.<iv>.<tag>.<ciphertext>`, each part base64url. The version and key id are
 * authenticated too, so a token cannot be relabelled.
 */
export class Keyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The id of the key new ciphertexts are made with. */
  readonly primaryKeyId: string;

  private constructor(keys: Map<string, Buffer>, primaryKeyId: string) {
    this.#keys = keys;
    this.primaryKeyId = primaryKeyId;
  }

  /** Parses `id:base64key[,id:base64key…]`; throws `ConfigError` (key `ENCRYPTION_KEYS`) naming each bad key id and why. */
  static fromConfig(spec: string): Keyring {
    const problems: string[] = [];
    const keys = new Map<string, Buffer>();
    const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
    if (entries.length === 0) problems.push('no key given (expected id:base64key[,id:base64key…])');
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      const id = colon < 0 ? '' : entry.slice(0, colon);
      const encoded = colon < 0 ? '' : entry.slice(colon + 1);
      const name = KEY_ID.test(id) ? `key "${id}"` : `key #${index + 1}`;
      if (!KEY_ID.test(id)) return problems.push(`${name}: id must be 1-64 letters, digits, _ or - followed by ":"`);
      if (keys.has(id)) return problems.push(`${name}: id is used twice`);
      if (!BASE64_KEY.test(encoded)) return problems.push(`${name}: is not base64 or base64url`);
      const key = Buffer.from(encoded, 'base64');
      if (key.length !== KEY_BYTES) return problems.push(`${name}: must decode to ${KEY_BYTES} bytes, got ${key.length}`);
      keys.set(id, key);
    });
    if (problems.length) throw new ConfigError(problems.map((reason) => ({ key: 'ENCRYPTION_KEYS', reason })));
    return new Keyring(keys, entries[0].slice(0, entries[0].indexOf(':')));
  }

  /** Every key id that can decrypt, the primary first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts with the primary key and a fresh random IV; `aad` binds the result to its row (see the class doc). */
  encrypt(plaintext: string, aad?: string): string {
    const keyId = this.primaryKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(fullAad(keyId, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, keyId, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * Decrypts with whichever key the token names. Throws `crypto.unknown_key` when that key is not in the
   * keyring and `crypto.decrypt_failed` for a malformed or tampered token or a different AAD.
   */
  decrypt(token: string, aad?: string): string {
    const { keyId, iv, tag, ciphertext } = parseToken(token);
    const key = this.#keys.get(keyId);
    if (!key) throw unknownKey(keyId);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(fullAad(keyId, aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new TeroError(
        'crypto.decrypt_failed',
        `cannot decrypt a secret made with key "${keyId}": it was altered or belongs to another record`,
        { keyId },
        { cause },
      );
    }
  }

  /** `encrypt(JSON.stringify(value))`, for credential objects. */
  encryptJson(value: unknown, aad?: string): string {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TeroError('crypto.invalid_input', 'cannot encrypt a value that has no JSON form');
    return this.encrypt(json, aad);
  }

  /** The inverse of `encryptJson`; the caller validates the shape. */
  decryptJson<T = unknown>(token: string, aad?: string): T {
    return JSON.parse(this.decrypt(token, aad)) as T;
  }

  /** Whether the token was made with a key other than the primary. Throws like `decrypt` for a malformed token or unknown key. */
  needsRotation(token: string): boolean {
    const { keyId } = parseToken(token);
    if (!this.#keys.has(keyId)) throw unknownKey(keyId);
    return keyId !== this.primaryKeyId;
  }

  /** Re-encrypts under the primary key, or returns the token unchanged when it already is (saves a write). */
  rotate(token: string, aad?: string): string {
    if (!this.needsRotation(token)) {
      this.decrypt(token, aad); // still prove the token is sound and belongs to this row
      return token;
    }
    return this.encrypt(this.decrypt(token, aad), aad);
  }
}

function fullAad(keyId: string, aad: string | undefined): Buffer {
  // Key ids contain no ".", so this header cannot be confused with any caller AAD.
  return Buffer.from(`${VERSION}.${keyId}.${aad ?? ''}`, 'utf8');
}

function parseToken(token: string): ParsedToken {
  const parts = typeof token === 'string' ? token.split('.') : [];
  const [version, keyId, iv, tag, ciphertext] = parts.map((p, i) => (i < 2 ? p : decodeCanonical(p)));
  if (
    parts.length !== 5 ||
    version !== VERSION ||
    typeof keyId !== 'string' ||
    !KEY_ID.test(keyId) ||
    !(iv instanceof Buffer) ||
    iv.length !== IV_BYTES ||
    !(tag instanceof Buffer) ||
    tag.length !== TAG_BYTES ||
    !(ciphertext instanceof Buffer)
  ) {
    throw new TeroError('crypto.decrypt_failed', 'not an encrypted secret of a known format (expected v1.<keyId>.<iv>.<tag>.<ciphertext>)');
  }
  return { keyId, iv, tag, ciphertext };
}

/** Strict base64url: Node's decoder skips stray characters and ignores trailing bits, which would let an altered token pass as the same bytes. */
function decodeCanonical(part: string): Buffer | null {
  if (!BASE64URL.test(part)) return null;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}

function unknownKey(keyId: string): TeroError {
  return new TeroError(
    'crypto.unknown_key',
    `secret was encrypted with key "${keyId}", which is not in ENCRYPTION_KEYS (was it removed before rotation finished?)`,
    { keyId },
  );
}
