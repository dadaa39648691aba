import { Inject, Injectable } from '@nestjs/common';
import { authConfig, type AuthConfig } from '../config/auth.config.js';
import { looksLikeApiKey } from './api-key.js';
import { ApiKeyService } from './api-key.service.js';
import { UnauthenticatedError } from './auth.errors.js';
import type { Caller } from './caller.js';
import { UserTokenService } from './user-token.service.js';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;
/** Longer than any credential we issue: refused before any work is done on it. */
const MAX_CREDENTIAL_LENGTH = 2048;
const MAX_CACHED_KEYS = 10_000;

/**
 * Turns an Authorization header into a Caller. Verified API keys are remembered for
 * AUTH_API_KEY_CACHE_MS, so a busy account does not cost a database read per request; a
 * revocation takes at most that long to reach every process.
 */
@Injectable()
export class AuthService {
  private readonly verifiedKeys = new Map<string, { caller: Caller; until: number }>();

  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly userTokens: UserTokenService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (authorization === undefined || authorization === '') {
      throw new UnauthenticatedError('Send Authorization: Bearer <API key or user token>', false);
    }
    const credential = authorization.length <= MAX_CREDENTIAL_LENGTH ? BEARER.exec(authorization)?.[1] : undefined;
    if (!credential) throw new UnauthenticatedError('The Authorization header must be "Bearer <API key or user token>"', true);
    return looksLikeApiKey(credential) ? this.authenticateApiKey(credential) : this.userTokens.verify(credential);
  }

  private async authenticateApiKey(key: string): Promise<Caller> {
    const now = Date.now();
    const cached = this.verifiedKeys.get(key);
    if (cached && cached.until > now) return cached.caller;
    const caller = await this.apiKeys.authenticate(key);
    if (!caller) throw new UnauthenticatedError('The credential is not valid', true);
    if (this.config.apiKeyCacheMs > 0) {
      if (this.verifiedKeys.size >= MAX_CACHED_KEYS) this.verifiedKeys.clear();
      this.verifiedKeys.set(key, { caller, until: now + this.config.apiKeyCacheMs });
    }
    return caller;
  }
}
