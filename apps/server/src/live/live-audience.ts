import { type HostTenant, type Principal, principalFitsHost } from '@tero/accounts';
import type { PublishedEvent } from '@tero/core';

/**
 * Which domain events one live socket receives, fixed when it connects:
 * - `instance`: every event (an operator on the instance host);
 * - `brand`: every event of one brand, its clients' included (a brand admin on the brand's host);
 * - `client`: one client's events only (its users, or a brand admin on that client's host, who is looking
 *   at that client's dashboard, as the API narrows a brand admin to the host's client).
 */
export type LiveAudience =
  | { kind: 'instance' }
  | { kind: 'brand'; brandId: string }
  | { kind: 'client'; brandId: string; clientId: string };

/**
 * The audience of a principal on a host, or `null` when the principal may not act on that host (a
 * session or token of another tenant). Narrower of the two: what the principal may see and what the host
 * shows.
 */
export function audienceFor(principal: Principal, host: HostTenant): LiveAudience | null {
  if (!principalFitsHost(principal, host)) return null;
  if (host.kind === 'instance') return { kind: 'instance' };
  if (host.kind === 'brand') return { kind: 'brand', brandId: host.brand.id };
  return { kind: 'client', brandId: host.brand.id, clientId: host.client.id };
}

/** Whether an event is for this audience. A client audience never sees brand-level events (`clientId: null`). */
export function audienceSees(audience: LiveAudience, event: Pick<PublishedEvent, 'brandId' | 'clientId'>): boolean {
  if (audience.kind === 'instance') return true;
  if (audience.brandId !== event.brandId) return false;
  return audience.kind === 'brand' || audience.clientId === event.clientId;
}
