/**
 * Who a piece of work is done for. Every port method takes it first, so that a provider can use the
 * tenant's own credentials and a log line can name the tenant; nothing reads the tenant from a global.
 */
export interface TenantContext {
  /** The white-label partner that owns the instance's branded surface. */
  readonly brandId: string;
  /** The business the work is for; `null` for brand-level work (brand admin pages, brand e-mails). */
  readonly clientId: string | null;
  /** The signed-in user, when there is one. */
  readonly userId?: string | null;
  /** BCP-47 language for anything a person will read (`en`, `es`, `fr`). */
  readonly locale: string;
  /** Correlates logs of one request or job. */
  readonly requestId?: string;
}

/** Work done by the instance itself (migrations, the operator's portal): no brand or client. */
export const INSTANCE_CONTEXT_BRAND = '__instance__';

/** A context for instance-level work. */
export function instanceContext(requestId?: string): TenantContext {
  return { brandId: INSTANCE_CONTEXT_BRAND, clientId: null, locale: 'en', requestId };
}
