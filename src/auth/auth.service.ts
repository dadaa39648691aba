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
 * revocation takes at most that long to reach every process. When a key's period runs out, the
 * requests that arrive while it is checked again wait for that one check instead of each sending
 * their own.
 */
@Injectable()
export class AuthService {
  private readonly verifiedKeys = new Map<string, { caller: Caller; until: number }>();
  /** The check of a key now in flight, shared by the requests that come while it runs. */
  private readonly checking = new Map<string, Promise<Caller | null>>();

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
    const cached = this.verifiedKeys.get(key);
    if (cached && cached.until > Date.now()) return cached.caller;
    // With no cache period every request asks the database itself.
    const caller = await (this.config.apiKeyCacheMs > 0 ? this.checkOnce(key) : this.apiKeys.authenticate(key));
    if (!caller) throw new UnauthenticatedError('The credential is not valid', true);
    return caller;
  }

  /** One database check of a key at a time; a success is remembered for the cache period counted from the check's start. */
  private checkOnce(key: string): Promise<Caller | null> {
    let check = this.checking.get(key);
    if (!check) {
      const startedAt = Date.now();
      check = this.apiKeys
        .authenticate(key)
        .then((caller) => {
          if (caller) {
            if (this.verifiedKeys.size >= MAX_CACHED_KEYS) this.verifiedKeys.clear();
            this.verifiedKeys.set(key, { caller, until: startedAt + this.config.apiKeyCacheMs });
          }
          return caller;
        })
        .finally(() => this.checking.delete(key));
      this.checking.set(key, check);
    }
    return check;
  }
}
