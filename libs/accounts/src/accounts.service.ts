import type { EntityManager } from '@mikro-orm/core';
import { Brand, Client, type Database, User } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import {
  type CreateBrandInput,
  type CreateClientInput,
  type CreateUserInput,
  createBrandSchema,
  createClientSchema,
  createUserSchema,
  updateBrandSchema,
  updateClientSchema,
} from './accounts.schemas';
import { hashPassword } from './password-hasher';
import { ValidationError, parseInput } from './validation';

export class NotFoundError extends TeroError {
  constructor(what: string) {
    super('not_found', `${what} not found`, { what }, { status: 404 });
  }
}

/**
 * Runs before a client is deleted, with the client's own context (`clientId` set) and its row, while
 * everything it owns is still there. Use it for what the database cascade cannot reach (a vendor's
 * copy, stored files): read what you need and enqueue a job carrying it, since the rows are gone once
 * the hooks return. A hook that throws stops the deletion (nothing is deleted).
 */
export type ClientDeletingHook = (ctx: TenantContext, client: Client) => Promise<void>;

/**
 * Brands, clients and users. Methods that act inside a tenant take its context and use a scoped
 * EntityManager; creating a brand is instance-level work (the operator or the CLI).
 */
export class AccountsService {
  private readonly deletingHooks: ClientDeletingHook[] = [];

  constructor(
    private readonly db: Database,
    private readonly onChange: () => void = () => undefined,
  ) {}

  async createBrand(input: CreateBrandInput): Promise<Brand> {
    const data = parseInput(createBrandSchema, input);
    const em = this.db.forInstance('creating a brand is instance-level');
    if (await em.count(Brand, { slug: data.slug })) throw new ValidationError([{ field: 'slug', reason: 'is taken' }]);
    const brand = em.create(Brand, { ...data, logoUrl: data.logoUrl ?? null });
    await em.flush();
    this.onChange();
    return brand;
  }

  async getBrand(ctx: TenantContext): Promise<Brand> {
    const brand = await this.db.forTenant(ctx).findOne(Brand, { id: ctx.brandId });
    if (!brand) throw new NotFoundError('brand');
    return brand;
  }

  async updateBrand(ctx: TenantContext, input: unknown): Promise<Brand> {
    const data = parseInput(updateBrandSchema, input);
    const em = this.db.forTenant({ ...ctx, clientId: null });
    const brand = await em.findOne(Brand, { id: ctx.brandId });
    if (!brand) throw new NotFoundError('brand');
    em.assign(brand, data);
    await em.flush();
    this.onChange();
    return brand;
  }

  /** A client signing up on its own starts `onboarding` (not answering) until its subscription starts. */
  async createClient(ctx: TenantContext, input: CreateClientInput, options: { status?: 'active' | 'onboarding' } = {}): Promise<Client> {
    const data = parseInput(createClientSchema, input);
    const em = this.db.forTenant({ ...ctx, clientId: null });
    if (await em.count(Client, { slug: data.slug })) throw new ValidationError([{ field: 'slug', reason: 'is taken in this brand' }]);
    const client = em.create(Client, { ...data, brand: em.getReference(Brand, ctx.brandId), status: options.status ?? 'active' });
    await em.flush();
    this.onChange();
    return client;
  }

  /**
   * A client and its owner in one transaction, for the public sign-up: both inputs are validated and the
   * e-mail checked before anything is written, and `within` adds the rows the caller needs beside them
   * (the wizard's profile and state) to the same unit of work, so a failure anywhere leaves no client,
   * user or half-made profile behind. Caches are told only once the transaction committed.
   */
  async createClientWithOwner(
    ctx: TenantContext,
    clientInput: CreateClientInput,
    ownerInput: Omit<CreateUserInput, 'role'>,
    options: { status?: 'active' | 'onboarding'; within?: (em: EntityManager, clientCtx: TenantContext, client: Client) => Promise<void> } = {},
  ): Promise<{ client: Client; owner: User }> {
    const data = parseInput(createClientSchema, clientInput);
    const owner = parseInput(createUserSchema, { ...ownerInput, role: 'client_owner' });
    const brandCtx = { ...ctx, clientId: null };
    const passwordHash = owner.password ? await hashPassword(owner.password) : null;
    const created = await this.db.forTenant(brandCtx).transactional(async (em) => {
      if (await em.count(Client, { slug: data.slug })) throw new ValidationError([{ field: 'slug', reason: 'is taken in this brand' }]);
      if (await em.count(User, { email: owner.email })) throw new ValidationError([{ field: 'email', reason: 'is already used in this brand' }]);
      const brand = em.getReference(Brand, ctx.brandId);
      const client = em.create(Client, { ...data, brand, status: options.status ?? 'active' });
      const user = em.create(User, { brand, client, email: owner.email, name: owner.name, role: 'client_owner', locale: owner.locale ?? null, passwordHash });
      await options.within?.(em, { ...ctx, clientId: client.id }, client);
      return { client, owner: user };
    });
    this.onChange();
    return created;
  }

  async listClients(ctx: TenantContext): Promise<Client[]> {
    return this.db.forTenant(ctx).find(Client, {}, { orderBy: { name: 'asc' }, limit: 500 });
  }

  async getClient(ctx: TenantContext, id: string): Promise<Client> {
    const client = isUuid(id) ? await this.db.forTenant(ctx).findOne(Client, { id }) : null;
    if (!client) throw new NotFoundError('client');
    return client;
  }

  async updateClient(ctx: TenantContext, id: string, input: unknown): Promise<Client> {
    const data = parseInput(updateClientSchema, input);
    const em = this.db.forTenant(ctx);
    const client = isUuid(id) ? await em.findOne(Client, { id }) : null;
    if (!client) throw new NotFoundError('client');
    em.assign(client, data);
    await em.flush();
    this.onChange();
    return client;
  }

  /** Registers a hook run before every client deletion (see {@link ClientDeletingHook}); returns its removal. */
  onClientDeleting(hook: ClientDeletingHook): () => void {
    this.deletingHooks.push(hook);
    return () => {
      const index = this.deletingHooks.indexOf(hook);
      if (index >= 0) this.deletingHooks.splice(index, 1);
    };
  }

  /**
   * Deletes a client of the context's brand and, by the database's cascade, everything it owns (users,
   * sessions, calls, bookings, invoices, its agent…); its phone numbers lose their client. The
   * hooks run first, in the order they were registered. Returns the deleted client's row.
   */
  async deleteClient(ctx: TenantContext, clientId: string): Promise<Client> {
    const brandCtx = { ...ctx, clientId: null };
    const em = this.db.forTenant(brandCtx);
    const client = isUuid(clientId) && (!ctx.clientId || ctx.clientId === clientId) ? await em.findOne(Client, { id: clientId }) : null;
    if (!client) throw new NotFoundError('client');
    const clientCtx: TenantContext = { ...ctx, clientId: client.id };
    for (const hook of this.deletingHooks) await hook(clientCtx, client);
    await em.nativeDelete(Client, { id: client.id, brand: ctx.brandId });
    this.onChange();
    return client;
  }

  /**
   * Creates a user inside the context's tenant: brand admins in a brand context, owners and staff in
   * a client context. Operators are created with `createOperator`.
   */
  async createUser(ctx: TenantContext, input: CreateUserInput): Promise<User> {
    const data = parseInput(createUserSchema, input);
    const clientRole = data.role === 'client_owner' || data.role === 'client_staff';
    if (data.role === 'operator') throw new ValidationError([{ field: 'role', reason: 'operators are created by the instance, not a brand' }]);
    if (clientRole !== Boolean(ctx.clientId)) {
      throw new ValidationError([{ field: 'role', reason: clientRole ? 'needs a client' : 'is a brand role; create it outside a client' }]);
    }
    const em = this.db.forTenant(ctx);
    if (await em.count(User, { email: data.email })) throw new ValidationError([{ field: 'email', reason: 'is already used in this brand' }]);
    const user = em.create(User, {
      brand: em.getReference(Brand, ctx.brandId),
      client: ctx.clientId ? em.getReference(Client, ctx.clientId) : null,
      email: data.email,
      name: data.name,
      role: data.role,
      locale: data.locale ?? null,
      passwordHash: data.password ? await hashPassword(data.password) : null,
    });
    await em.flush();
    return user;
  }

  async listUsers(ctx: TenantContext): Promise<User[]> {
    return this.db.forTenant(ctx).find(User, {}, { orderBy: { email: 'asc' }, limit: 500 });
  }

  async createOperator(input: Omit<CreateUserInput, 'role'>): Promise<User> {
    const data = parseInput(createUserSchema, { ...input, role: 'operator' });
    const em = this.db.forInstance('operators belong to no brand');
    if (await em.count(User, { email: data.email, brand: null })) throw new ValidationError([{ field: 'email', reason: 'is already an operator' }]);
    const user = em.create(User, {
      brand: null,
      client: null,
      email: data.email,
      name: data.name,
      role: 'operator',
      locale: data.locale ?? null,
      passwordHash: data.password ? await hashPassword(data.password) : null,
    });
    await em.flush();
    return user;
  }
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
