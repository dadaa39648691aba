import { describe, expect, it } from '@jest/globals';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { AuthConfig } from '../config/auth.config.js';
import { UnauthenticatedError } from './auth.errors.js';
import { UserTokenService } from './user-token.service.js';

const SECRET = 's'.repeat(40);
const config = (overrides: Partial<AuthConfig> = {}): AuthConfig => ({ tokenSecret: SECRET, userTokenTtlSeconds: 900, apiKeyCacheMs: 0, devCredentials: false, ...overrides });
const key = (secret: string) => new TextEncoder().encode(secret);

/** A token signed by hand, to try what the service itself would never issue. */
function forge(claims: Record<string, unknown>, { secret = SECRET, alg = 'HS256', nbf = 0, exp = 900 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ acc: '7', ...claims })
    .setProtectedHeader({ alg })
    .setIssuer('payonce')
    .setAudience('payonce:user')
    .setSubject('42')
    .setIssuedAt(now)
    .setNotBefore(now + nbf)
    .setExpirationTime(now + exp)
    .sign(key(secret));
}

async function refusal(service: UserTokenService, token: string): Promise<UnauthenticatedError> {
  const error = await service.verify(token).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UnauthenticatedError);
  return error as UnauthenticatedError;
}

describe('UserTokenService', () => {
  const service = new UserTokenService(config());

  it('mints a token that stands for one user of one account until it expires', async () => {
    const now = new Date('2026-11-25T10:00:00.000Z');
    const minted = await new UserTokenService(config()).mint(7, 42, now);
    expect(minted.expiresAt).toBe('2026-11-25T10:15:00.000Z');
    const fresh = await service.mint(7, 42);
    await expect(service.verify(fresh.token)).resolves.toEqual({ kind: 'user_token', accountId: 7, userId: 42 });
  });

  it('refuses a token whose payload was changed', async () => {
    const { token } = await service.mint(7, 42);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, sub: '43' })).toString('base64url');
    await refusal(service, `${header}.${tampered}.${signature}`);
  });

  it('refuses a token signed with another secret', async () => {
    const other = new UserTokenService(config({ tokenSecret: 'x'.repeat(40) }));
    await refusal(service, (await other.mint(7, 42)).token);
  });

  it('refuses an expired token and says so', async () => {
    const { token } = await service.mint(7, 42, new Date(Date.now() - 3_600_000));
    const error = await refusal(service, token);
    expect(error.message).toMatch(/expired/);
    expect(error.headers['www-authenticate']).toMatch(/^Bearer .*invalid_token/);
  });

  it('refuses a token that is not valid yet', async () => {
    await refusal(service, await forge({}, { nbf: 600 }));
  });

  it("refuses algorithm 'none' and any algorithm but HS256", async () => {
    const unsigned = new UnsecuredJWT({ acc: '7' }).setIssuer('payonce').setAudience('payonce:user').setSubject('42').setExpirationTime('10m').encode();
    await refusal(service, unsigned);
    await refusal(service, await forge({}, { alg: 'HS512' }));
    await expect(service.verify(await forge({}))).resolves.toMatchObject({ userId: 42 });
  });

  it('refuses well-signed tokens whose claims are not ours', async () => {
    await refusal(service, await forge({ acc: 7 }));
    await refusal(service, await forge({ acc: '07' }));
    await refusal(service, await forge({ acc: undefined }));
  });

  it('refuses junk', async () => {
    for (const junk of ['', 'abc', 'a.b.c', 'eyJ.eyJ.', '....']) await refusal(service, junk);
  });
});
