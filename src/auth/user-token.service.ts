import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { authConfig, type AuthConfig } from '../config/auth.config.js';
import { UnauthenticatedError } from './auth.errors.js';
import type { Caller } from './caller.js';

const ISSUER = 'payonce';
const AUDIENCE = 'payonce:user';
const ALGORITHM = 'HS256';
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;

export interface UserToken {
  token: string;
  expiresAt: string;
}

/** Short-lived signed tokens that let a browser act as one user of one account (a JWT, signed and checked by jose). */
@Injectable()
export class UserTokenService {
  private readonly secret: Uint8Array;

  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {
    this.secret = new TextEncoder().encode(config.tokenSecret);
  }

  async mint(accountId: number, userId: number, now = new Date()): Promise<UserToken> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = issuedAt + this.config.userTokenTtlSeconds;
    const token = await new SignJWT({ acc: String(accountId) })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(String(userId))
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.secret);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  /** The user the token stands for; 401 when it is tampered with, signed otherwise, expired or not yet valid. */
  async verify(token: string): Promise<Caller> {
    try {
      // Only HS256 with our secret: 'none' and every other algorithm are refused before any claim is read.
      const { payload } = await jwtVerify(token, this.secret, { algorithms: [ALGORITHM], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['exp', 'nbf', 'sub'] });
      if (typeof payload.sub !== 'string' || typeof payload.acc !== 'string' || !CANONICAL_ID.test(payload.sub) || !CANONICAL_ID.test(payload.acc)) {
        throw new UnauthenticatedError('The credential is not valid', true);
      }
      return { kind: 'user_token', accountId: Number(payload.acc), userId: Number(payload.sub) };
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw error;
      if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('The user token has expired', true);
      if (error instanceof errors.JOSEError || error instanceof TypeError) throw new UnauthenticatedError('The credential is not valid', true);
      throw error;
    }
  }
}
