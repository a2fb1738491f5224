import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Principal } from '@tero/accounts';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';

/** Bearer tokens for the API (passport-jwt): signature, issuer, audience and expiry, then the user is re-read. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), ignoreExpiration: false, ...kernel.auth.jwtVerification });
  }

  async validate(claims: Record<string, unknown>): Promise<Principal> {
    return this.kernel.auth.principalFromClaims(claims);
  }
}
