import { AuthError, type HostTenant, type Principal } from '@tero/accounts';
import { type LiveAdmissionDeps, admitLiveSocket, bearerTokenOf } from './live-admission';
import { audienceFor, audienceSees } from './live-audience';

const brandRef = { id: 'b1', slug: 'demo', name: 'Demo', domains: [], defaultLocale: 'en', themeId: 'default' };
const hosts: Record<string, HostTenant> = {
  'localhost': { kind: 'instance' },
  'demo.localhost': { kind: 'brand', brand: brandRef },
  'a.demo.localhost': { kind: 'client', brand: brandRef, client: { id: 'ca', slug: 'a', name: 'A', locale: 'en', status: 'active' } },
};
const principal = (role: Principal['role'], brandId: string | null, clientId: string | null): Principal => ({ userId: `u-${role}`, email: 'x@example.com', name: 'X', role, brandId, clientId, locale: null });
const owner = principal('client_owner', 'b1', 'ca');
const admin = principal('brand_admin', 'b1', null);

function deps(tokens: Record<string, Principal>, sessions: Record<string, Principal>): LiveAdmissionDeps {
  return {
    resolver: { resolve: async (host) => hosts[(host ?? '').replace(/:\d+$/, '')] ?? null },
    auth: {
      principalFromAccessToken: async (raw) => {
        if (!tokens[raw]) throw new AuthError('auth.token_invalid', 'invalid token');
        return tokens[raw];
      },
      principalFromSession: async (raw) => (raw ? (sessions[raw] ?? null) : null),
    },
  };
}
const request = (host: string, headers: Record<string, string> = {}, url = '/live') => ({ url, headers: { host, ...headers } });

describe('bearerTokenOf', () => {
  it('reads the Authorization header, then ?token=, then a bearer.<jwt> subprotocol', () => {
    expect(bearerTokenOf(request('x', { authorization: 'Bearer abc' }))).toBe('abc');
    expect(bearerTokenOf(request('x', {}, '/live?token=q.r.s'))).toBe('q.r.s');
    expect(bearerTokenOf(request('x', { 'sec-websocket-protocol': 'tero-live.v1, bearer.j.w.t' }))).toBe('j.w.t');
    expect(bearerTokenOf(request('x', { 'sec-websocket-protocol': 'tero-live.v1, bearer.' }))).toBeNull();
    expect(bearerTokenOf(request('x'))).toBeNull();
  });
});

describe('admitLiveSocket', () => {
  const d = deps({ 'owner-token': owner, 'admin-token': admin }, { 'owner-session': owner });

  it('admits a client’s user by token or session on the client’s host, seeing that client', async () => {
    const viaToken: Record<string, string> = { authorization: 'Bearer owner-token' };
    const viaSession: Record<string, string> = { cookie: 'tero_csrf=x; tero_session=owner-session', origin: 'http://a.demo.localhost:3000' };
    for (const headers of [viaToken, viaSession]) {
      expect(await admitLiveSocket(d, request('a.demo.localhost:3000', headers))).toEqual({
        admitted: true,
        principal: owner,
        audience: { kind: 'client', brandId: 'b1', clientId: 'ca' },
      });
    }
  });

  it('refuses with 4401 without credentials, with a bad token, or with an unknown session', async () => {
    expect(await admitLiveSocket(d, request('a.demo.localhost'))).toMatchObject({ admitted: false, closeCode: 4401 });
    expect(await admitLiveSocket(d, request('a.demo.localhost', {}, '/live?token=forged'))).toMatchObject({ admitted: false, closeCode: 4401 });
    expect(await admitLiveSocket(d, request('a.demo.localhost', { cookie: 'tero_session=nope' }))).toMatchObject({ admitted: false, closeCode: 4401 });
  });

  it('refuses an unknown host with 4404, another tenant’s credentials and a foreign Origin with 4403', async () => {
    expect(await admitLiveSocket(d, request('nowhere.example', { authorization: 'Bearer owner-token' }))).toMatchObject({ closeCode: 4404 });
    expect(await admitLiveSocket(d, request('demo.localhost', { authorization: 'Bearer owner-token' }))).toMatchObject({ closeCode: 4403 });
    expect(await admitLiveSocket(d, request('localhost', { authorization: 'Bearer admin-token' }))).toMatchObject({ closeCode: 4403 });
    const foreign = { cookie: 'tero_session=owner-session', origin: 'https://evil.example' };
    expect(await admitLiveSocket(d, request('a.demo.localhost', foreign))).toMatchObject({ admitted: false, closeCode: 4403 });
  });
});

describe('live audiences', () => {
  it('operators see all; brand admins their brand (narrowed to the client on a client’s host); client users their client', () => {
    const operator = principal('operator', null, null);
    expect(audienceFor(operator, hosts.localhost)).toEqual({ kind: 'instance' });
    expect(audienceFor(admin, hosts['demo.localhost'])).toEqual({ kind: 'brand', brandId: 'b1' });
    expect(audienceFor(admin, hosts['a.demo.localhost'])).toEqual({ kind: 'client', brandId: 'b1', clientId: 'ca' });
    expect(audienceFor(owner, hosts['demo.localhost'])).toBeNull();

    const clientEvent = { brandId: 'b1', clientId: 'ca' };
    const brandEvent = { brandId: 'b1', clientId: null };
    expect(audienceSees({ kind: 'client', brandId: 'b1', clientId: 'ca' }, clientEvent)).toBe(true);
    expect(audienceSees({ kind: 'client', brandId: 'b1', clientId: 'ca' }, brandEvent)).toBe(false);
    expect(audienceSees({ kind: 'client', brandId: 'b1', clientId: 'cb' }, clientEvent)).toBe(false);
    expect(audienceSees({ kind: 'brand', brandId: 'b1' }, clientEvent)).toBe(true);
    expect(audienceSees({ kind: 'brand', brandId: 'b2' }, clientEvent)).toBe(false);
    expect(audienceSees({ kind: 'instance' }, { brandId: 'b9', clientId: null })).toBe(true);
  });
});
