import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Brand, Client, type Database, MagicLink, Session, User, type UserRole } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import jwt from 'jsonwebtoken';
import type { RateLimiter } from '@tero/core';
import { loginSchema, magicLinkRequestSchema } from './accounts.schemas';
import { verifyPassword } from './password-hasher';
import type { HostTenant, TenantResolver } from './tenant-resolver';
import { parseInput } from './validation';

export class AuthError extends TeroError {
  constructor(code: 'auth.invalid_credentials' | 'auth.link_invalid' | 'auth.token_invalid' | 'auth.unauthenticated', message: string) {
    super(code, message, {}, { status: 401 });
  }
}

export class RateLimitedError extends TeroError {
  constructor(readonly retryAfterSeconds: number) {
    super('auth.rate_limited', `too many attempts; retry in ${retryAfterSeconds} s`, { retryAfterSeconds }, { status: 429 });
  }
}

/** The signed-in principal of a request, whatever carried it (cookie session or bearer token). */
export interface Principal {
  userId: string;
  email: string;
  name: string;
  role: UserRole;
  brandId: string | null;
  clientId: string | null;
  locale: string | null;
  sessionId?: string;
}

export interface AuthSettings {
  appSecret: string;
  sessionTtlHours: number;
  magicLinkTtlMinutes: number;
  loginRateLimit: number;
  loginRateWindowSeconds: number;
  publicUrl: string;
}

/** Sends the e-mail carrying a sign-in link; the notifications lib provides it. */
export type MagicLinkMailer = (ctx: TenantContext, to: { email: string; name: string; locale: string }, url: string) => Promise<void>;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const token = () => randomBytes(32).toString('base64url');

/** Derives one purpose's key from APP_SECRET, so a leaked CSRF key is not a JWT key. */
export function deriveKey(appSecret: string, purpose: string): Buffer {
  return createHmac('sha256', appSecret).update(`tero:${purpose}`).digest();
}

/**
 * Sign-in with password or magic link, cookie sessions for pages, JWT bearer tokens for the API.
 * Only hashes of session and link tokens are stored; every look-up is scoped to the host's tenant.
 */
export class AuthService {
  private readonly jwtKey: Buffer;

  constructor(
    private readonly db: Database,
    private readonly resolver: TenantResolver,
    private readonly limiter: RateLimiter,
    private readonly settings: AuthSettings,
    private readonly mailer: MagicLinkMailer,
  ) {
    this.jwtKey = deriveKey(settings.appSecret, 'jwt');
  }

  /**
   * Users who may sign in on this host: on a client's host, that client's users and its brand's
   * admins; on a brand's host, the brand's users; on the instance host, operators and then anyone
   * whose e-mail is unique on the instance (they are sent on to their own host).
   */
  async findUserForHost(host: HostTenant, email: string): Promise<User | null> {
    const em = this.db.forInstance('sign-in looks a user up by e-mail before any tenant is known');
    if (host.kind === 'instance') {
      const operator = await em.findOne(User, { email, role: 'operator' }, { populate: ['passwordHash'] });
      if (operator) return operator;
      const matches = await em.find(User, { email }, { populate: ['passwordHash', 'brand', 'client'], limit: 2 });
      return matches.length === 1 ? matches[0] : null;
    }
    const candidates = await em.find(User, { email, brand: host.brand.id }, { populate: ['passwordHash', 'brand', 'client'] });
    const user = candidates[0] ?? null;
    if (!user) return null;
    if (host.kind === 'client' && user.role !== 'brand_admin' && user.client?.id !== host.client.id) return null;
    return user;
  }

  private async limit(ip: string, email: string): Promise<void> {
    const { loginRateLimit: limit, loginRateWindowSeconds: window } = this.settings;
    const [byIp, byEmail] = await Promise.all([
      this.limiter.hit(`login:ip:${ip}`, limit * 5, window),
      this.limiter.hit(`login:email:${email}`, limit, window),
    ]);
    if (!byIp.allowed || !byEmail.allowed) throw new RateLimitedError(Math.max(byIp.allowed ? 0 : byIp.retryAfterSeconds, byEmail.allowed ? 0 : byEmail.retryAfterSeconds));
  }

  async login(host: HostTenant, input: unknown, ip: string): Promise<User> {
    const { email, password } = parseInput(loginSchema, input);
    await this.limit(ip, email);
    const user = await this.findUserForHost(host, email);
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok) throw new AuthError('auth.invalid_credentials', 'wrong e-mail or password');
    await this.limiter.reset(`login:email:${email}`);
    const em = this.db.forInstance('record sign-in');
    await em.nativeUpdate(User, { id: user.id }, { lastLoginAt: new Date() });
    return user;
  }

  async createSession(user: User, userAgent?: string): Promise<{ token: string; expiresAt: Date }> {
    const raw = token();
    const expiresAt = new Date(Date.now() + this.settings.sessionTtlHours * 3600_000);
    const em = this.db.forInstance('sessions are created for the user’s own tenant');
    em.create(Session, {
      user: em.getReference(User, user.id),
      brand: user.brand ? em.getReference(Brand, user.brand.id) : null,
      client: user.client ? em.getReference(Client, user.client.id) : null,
      tokenHash: sha256(raw),
      expiresAt,
      userAgent: userAgent?.slice(0, 255) ?? null,
    });
    await em.flush();
    return { token: raw, expiresAt };
  }

  async principalFromSession(rawToken: string | undefined): Promise<Principal | null> {
    if (!rawToken || rawToken.length > 100) return null;
    const em = this.db.forInstance('a session cookie names its tenant only once looked up');
    const session = await em.findOne(Session, { tokenHash: sha256(rawToken), revokedAt: null }, { populate: ['user'] });
    if (!session || session.expiresAt.getTime() <= Date.now()) return null;
    return toPrincipal(session.user, session.id);
  }

  async revokeSession(rawToken: string | undefined): Promise<void> {
    if (!rawToken) return;
    await this.db.forInstance('logout').nativeUpdate(Session, { tokenHash: sha256(rawToken) }, { revokedAt: new Date() });
  }

  /** Always resolves the same way whether or not the address is known, so it reveals no account. */
  async requestMagicLink(host: HostTenant, input: unknown, ip: string): Promise<void> {
    const { email } = parseInput(magicLinkRequestSchema, input);
    await this.limit(ip, email);
    const user = await this.findUserForHost(host, email);
    if (!user) return;
    const url = await this.issueMagicLink(user, this.settings.magicLinkTtlMinutes * 60);
    const brand = user.brand ? await this.db.forInstance('mail locale').findOne(Brand, { id: user.brand.id }) : null;
    const ctx: TenantContext = { brandId: user.brand?.id ?? '__instance__', clientId: user.client?.id ?? null, locale: user.locale ?? brand?.defaultLocale ?? 'en' };
    await this.mailer(ctx, { email: user.email, name: user.name, locale: ctx.locale }, url);
  }

  /** A one-time link to the user's own host: e-mailed, or used to hand a sign-in over from another host. */
  async issueMagicLink(user: User, ttlSeconds: number): Promise<string> {
    const raw = token();
    const em = this.db.forInstance('magic links belong to the user’s tenant');
    em.create(MagicLink, {
      user: em.getReference(User, user.id),
      brand: user.brand ? em.getReference(Brand, user.brand.id) : null,
      client: user.client ? em.getReference(Client, user.client.id) : null,
      tokenHash: sha256(raw),
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    });
    await em.flush();
    return `${await this.homeUrl(user)}/auth/magic?token=${raw}`;
  }

  /** Consumes a link: unknown, expired, used or meant for another host → AuthError; a link works once. */
  async consumeMagicLink(host: HostTenant, rawToken: unknown): Promise<User> {
    if (typeof rawToken !== 'string' || rawToken.length < 20 || rawToken.length > 100) throw new AuthError('auth.link_invalid', 'this sign-in link is invalid');
    const em = this.db.forInstance('a magic link names its tenant only once looked up');
    const link = await em.findOne(MagicLink, { tokenHash: sha256(rawToken) }, { populate: ['user', 'user.brand', 'user.client'] });
    if (!link || link.usedAt || link.expiresAt.getTime() <= Date.now()) throw new AuthError('auth.link_invalid', 'this sign-in link has expired or was already used');
    if (!principalFitsHost(toPrincipal(link.user), host)) throw new AuthError('auth.link_invalid', 'this sign-in link is for another address');
    const claimed = await em.nativeUpdate(MagicLink, { id: link.id, usedAt: null }, { usedAt: new Date() });
    if (claimed !== 1) throw new AuthError('auth.link_invalid', 'this sign-in link has expired or was already used');
    return link.user;
  }

  /** Where a user's pages live: their client's host, their brand's host, or the instance. */
  async homeUrl(user: User): Promise<string> {
    const base = new URL(this.settings.publicUrl);
    const em = this.db.forInstance('home host of a user');
    let host = base.hostname;
    if (user.brand) {
      const brand = await em.findOneOrFail(Brand, { id: user.brand.id });
      if (user.client) {
        const client = await em.findOneOrFail(Client, { id: user.client.id });
        host = this.resolver.clientHost(brand, client.slug);
      } else {
        host = this.resolver.brandHost(brand);
      }
    }
    return `${base.protocol}//${host}${base.port ? `:${base.port}` : ''}`;
  }

  issueAccessToken(user: User): { accessToken: string; tokenType: 'Bearer'; expiresIn: number } {
    const expiresIn = 3600;
    const accessToken = jwt.sign(
      { brand: user.brand?.id ?? null, client: user.client?.id ?? null, role: user.role },
      this.jwtKey,
      { algorithm: 'HS256', subject: user.id, expiresIn, issuer: 'tero', audience: 'tero-api' },
    );
    return { accessToken, tokenType: 'Bearer', expiresIn };
  }

  /** The key and checks passport-jwt verifies bearer tokens with. */
  get jwtVerification() {
    return { secretOrKey: this.jwtKey, algorithms: ['HS256'] as jwt.Algorithm[], issuer: 'tero', audience: 'tero-api' };
  }

  /** Verifies a bearer token (outside passport: the CLI, tests) and maps it to its principal. */
  async principalFromAccessToken(raw: string): Promise<Principal> {
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(raw, this.jwtKey, { algorithms: ['HS256'], issuer: 'tero', audience: 'tero-api' }) as jwt.JwtPayload;
    } catch (error) {
      throw new AuthError('auth.token_invalid', `invalid token: ${(error as Error).message}`);
    }
    return this.principalFromClaims(claims);
  }

  /** A verified token's claims → its principal, if its user still exists with the same tenant and role. */
  async principalFromClaims(claims: jwt.JwtPayload): Promise<Principal> {
    const user = typeof claims.sub === 'string' ? await this.db.forInstance('token subject look-up').findOne(User, { id: claims.sub }) : null;
    if (!user || (user.brand?.id ?? null) !== (claims.brand ?? null) || (user.client?.id ?? null) !== (claims.client ?? null) || user.role !== claims.role) {
      throw new AuthError('auth.token_invalid', 'invalid token: its user no longer matches');
    }
    return toPrincipal(user);
  }
}

export function toPrincipal(user: User, sessionId?: string): Principal {
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    brandId: user.brand?.id ?? null,
    clientId: user.client?.id ?? null,
    locale: user.locale ?? null,
    sessionId,
  };
}

/** Whether a principal may act on this host: a client's own users or its brand's admins; a brand's users on its host; operators on the instance host. */
export function principalFitsHost(principal: Principal, host: HostTenant): boolean {
  if (host.kind === 'instance') return principal.role === 'operator';
  if (principal.brandId !== host.brand.id) return false;
  if (host.kind === 'brand') return principal.role === 'brand_admin';
  return principal.role === 'brand_admin' || principal.clientId === host.client.id;
}

/** CSRF: the form token is an HMAC of a random per-browser cookie, checked on every unsafe page request. */
export class CsrfTokens {
  private readonly key: Buffer;
  constructor(appSecret: string) {
    this.key = deriveKey(appSecret, 'csrf');
  }
  newSecret(): string {
    return token();
  }
  tokenFor(secret: string): string {
    return createHmac('sha256', this.key).update(secret).digest('base64url');
  }
  verify(secret: string | undefined, formToken: unknown): boolean {
    if (!secret || typeof formToken !== 'string') return false;
    const expected = Buffer.from(this.tokenFor(secret));
    const given = Buffer.from(formToken);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
