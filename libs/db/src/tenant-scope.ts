import type { EntityManager, EventSubscriber, FilterDef, FlushEventArgs } from '@mikro-orm/core';
import { TeroError, type TenantContext } from '@tero/sdk';

/** Name of the filter every tenant-owned entity carries. */
export const TENANT_FILTER = 'tenant';

/** What the tenant filter is given: the brand, and the client when the work is for one. */
export interface TenantFilterParams {
  brandId: string;
  clientId: string | null;
}

/** Parameters of an instance-level EntityManager: the filter lets every row through. */
export const INSTANCE_SCOPE = Object.freeze({ instance: true as const });
type FilterArgs = TenantFilterParams | typeof INSTANCE_SCOPE;
const isInstance = (args: FilterArgs): args is typeof INSTANCE_SCOPE => 'instance' in args && args.instance === true;

/**
 * How each tenant-owned table is scoped. `brand` rows are the brand itself; `client` rows are a client;
 * `owned` rows carry `brand` and (when client-owned) `client` columns; `brandShared` rows carry only
 * `brand`: every scope of the brand reads them (a client sees its brand's plans), only the brand's own
 * scope (no client) writes them. An entity missing here is not
 * tenant-owned, and the guard below refuses to flush it from a tenant-scoped EntityManager.
 */
export const TENANT_SCOPES: Record<string, 'brand' | 'client' | 'owned' | 'brandShared'> = {
  Brand: 'brand',
  Client: 'client',
  User: 'owned',
  Session: 'owned',
  MagicLink: 'owned',
  PluginSetting: 'owned',
  PhoneNumber: 'owned',
  JambonzAccount: 'owned',
  AgentProfile: 'owned',
  Call: 'owned',
  CallTurn: 'owned',
  CallEvent: 'owned',
  Booking: 'owned',
  BookingSlot: 'owned',
  CallerMessage: 'owned',
  Plan: 'brandShared',
  Subscription: 'owned',
  SubscriptionTransition: 'owned',
  PaymentEvent: 'owned',
  Invoice: 'owned',
  InvoiceCounter: 'brandShared',
  BillingNotice: 'owned',
  JambonzConnection: 'brandShared',
  PortingRequest: 'owned',
  CallRecording: 'owned',
  JambonzCallRecord: 'owned',
  JambonzAlert: 'brandShared',
  MonitorNotice: 'brandShared',
  VoiceClone: 'owned',
  EmailEnrollment: 'owned',
  EmailSentStep: 'owned',
  EmailTrackingEvent: 'owned',
  EmailUnsubscribe: 'brandShared',
  EmailProviderEvent: 'brandShared',
  PromptVersion: 'owned',
  OnboardingState: 'owned',
  ApiKey: 'owned',
  ReportSetting: 'owned',
  ReportDelivery: 'owned',
  AdminAccessLog: 'owned',
  CallRollup: 'owned',
};

export class TenantViolationError extends TeroError {
  constructor(entity: string, id: unknown, ctx: TenantFilterParams) {
    super('tenant.violation', `refused to write ${entity} ${String(id)} outside brand ${ctx.brandId} / client ${ctx.clientId ?? '-'}`, {}, { status: 404 });
  }
}

function scopeCondition(entityName: string, params: TenantFilterParams): Record<string, unknown> {
  switch (TENANT_SCOPES[entityName]) {
    case 'brand':
      return { id: params.brandId };
    case 'client':
      return params.clientId ? { brand: params.brandId, id: params.clientId } : { brand: params.brandId };
    case 'owned':
      return params.clientId ? { brand: params.brandId, client: params.clientId } : { brand: params.brandId };
    case 'brandShared':
      return { brand: params.brandId };
    default:
      throw new Error(`entity ${entityName} has no tenant scope`);
  }
}

/**
 * The filter, on by default for every tenant-owned entity. It needs its parameters: an EntityManager
 * that was not scoped (see `Database.forTenant`) throws "No arguments provided for filter 'tenant'"
 * instead of silently reading every tenant's rows.
 */
export const tenantFilter: FilterDef = {
  name: TENANT_FILTER,
  default: true,
  entity: Object.keys(TENANT_SCOPES),
  cond: (args: FilterArgs, _type: unknown, _em: unknown, _options: unknown, entityName?: string) =>
    isInstance(args) ? {} : scopeCondition(entityName!, args),
} as FilterDef;

function refId(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return (value as { id?: string }).id ?? null;
}

/** Checks one entity about to be written against the scope's brand and client. */
export function belongsToScope(entityName: string, entity: Record<string, unknown>, params: TenantFilterParams): boolean {
  switch (TENANT_SCOPES[entityName]) {
    case 'brand':
      return entity.id === params.brandId;
    case 'client':
      return refId(entity.brand) === params.brandId && (!params.clientId || entity.id === params.clientId);
    case 'owned':
      return refId(entity.brand) === params.brandId && (!params.clientId || refId(entity.client) === params.clientId);
    case 'brandShared':
      return refId(entity.brand) === params.brandId && !params.clientId;
    default:
      return false;
  }
}

/**
 * Reads are scoped by the filter; writes by this guard: a tenant-scoped EntityManager may insert,
 * change or delete only rows of its own tenant, so a bug that assigns another client's id fails the flush.
 */
export class TenantWriteGuard implements EventSubscriber {
  onFlush(args: FlushEventArgs): void {
    const params = (args.em as EntityManager).getFilterParams<FilterArgs>(TENANT_FILTER);
    if (!params) throw new Error('refused to flush through an EntityManager that names no tenant');
    if (isInstance(params)) return;
    for (const change of args.uow.getChangeSets()) {
      const entityName = change.meta.className;
      const data = { ...(change.originalEntity ?? {}), ...(change.entity as Record<string, unknown>) };
      if (!belongsToScope(entityName, data, params)) {
        throw new TenantViolationError(entityName, change.entity.id ?? change.getPrimaryKey(), params);
      }
      if (change.originalEntity && !belongsToScope(entityName, change.originalEntity as Record<string, unknown>, params)) {
        throw new TenantViolationError(entityName, change.getPrimaryKey(), params);
      }
    }
  }
}

export function filterParamsOf(ctx: TenantContext): TenantFilterParams {
  return { brandId: ctx.brandId, clientId: ctx.clientId };
}
