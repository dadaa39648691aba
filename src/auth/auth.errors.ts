import { DomainError } from '../common/errors/index.js';

/** Missing, malformed, unknown, revoked or expired credential: 401 with the challenge RFC 6750 asks for. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  readonly kind = 'unauthenticated';
  override readonly headers: Record<string, string>;

  constructor(message: string, invalidToken: boolean) {
    super(message);
    this.headers = { 'www-authenticate': invalidToken ? 'Bearer realm="payonce", error="invalid_token"' : 'Bearer realm="payonce"' };
  }
}

/** A valid credential without the right: a user token may not charge balances, create users or mint tokens. */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly kind = 'forbidden';
}

/** `apikey:revoke` with a prefix that names several keys: refuse rather than guess. */
export class AmbiguousApiKeyError extends Error {}
