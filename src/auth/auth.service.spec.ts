import { describe, expect, it, jest } from '@jest/globals';
import type { AuthConfig } from '../config/auth.config.js';
import { generateApiKey } from './api-key.js';
import type { ApiKeyService } from './api-key.service.js';
import { UnauthenticatedError } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import type { Caller } from './caller.js';
import { UserTokenService } from './user-token.service.js';

function setUp(apiKeyCacheMs = 1000) {
  const config: AuthConfig = { tokenSecret: 't'.repeat(40), userTokenTtlSeconds: 900, apiKeyCacheMs, devCredentials: false };
  const known = generateApiKey().key;
  const caller: Caller = { kind: 'api_key', accountId: 3, apiKeyId: 9 };
  const apiKeys = { authenticate: jest.fn(async (key: string): Promise<Caller | null> => (key === known ? caller : null)) };
  const tokens = new UserTokenService(config);
  return { auth: new AuthService(apiKeys as unknown as ApiKeyService, tokens, config), apiKeys, tokens, known, caller };
}

async function challenge(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UnauthenticatedError);
  return (error as UnauthenticatedError).headers['www-authenticate'];
}

describe('AuthService', () => {
  it('answers a missing credential with a plain Bearer challenge', async () => {
    const { auth } = setUp();
    expect(await challenge(auth.authenticate(undefined))).toBe('Bearer realm="payonce"');
    expect(await challenge(auth.authenticate(''))).toBe('Bearer realm="payonce"');
  });

  it('answers a malformed, unknown or oversized credential with invalid_token', async () => {
    const { auth, known } = setUp();
    for (const header of [`Basic ${known}`, `Bearer`, `Bearer ${known} extra`, `Bearer ${generateApiKey().key}`, `Bearer ${'a'.repeat(3000)}`, 'Bearer é']) {
      expect(await challenge(auth.authenticate(header))).toMatch(/invalid_token/);
    }
  });

  it('resolves an API key and a user token to their callers', async () => {
    const { auth, known, caller, tokens } = setUp();
    await expect(auth.authenticate(`Bearer ${known}`)).resolves.toEqual(caller);
    await expect(auth.authenticate(`bearer  ${known}`)).resolves.toEqual(caller);
    const { token } = await tokens.mint(3, 12);
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toEqual({ kind: 'user_token', accountId: 3, userId: 12 });
  });

  it('asks the database about a key once per cache period', async () => {
    const { auth, apiKeys, known } = setUp(1000);
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      await auth.authenticate(`Bearer ${known}`);
      await auth.authenticate(`Bearer ${known}`);
      expect(apiKeys.authenticate).toHaveBeenCalledTimes(1);
      now.mockReturnValue(1_001_001);
      await auth.authenticate(`Bearer ${known}`);
      expect(apiKeys.authenticate).toHaveBeenCalledTimes(2);
    } finally {
      now.mockRestore();
    }
  });

  it('checks a key once for all the requests that come while it is being checked', async () => {
    const { auth, apiKeys, known, caller } = setUp(1000);
    let answer!: (value: Caller | null) => void;
    apiKeys.authenticate.mockImplementationOnce(() => new Promise<Caller | null>((resolve) => (answer = resolve)));
    const requests = Array.from({ length: 5 }, () => auth.authenticate(`Bearer ${known}`));
    answer(caller);
    await expect(Promise.all(requests)).resolves.toEqual(Array(5).fill(caller));
    expect(apiKeys.authenticate).toHaveBeenCalledTimes(1);
    await auth.authenticate(`Bearer ${known}`);
    expect(apiKeys.authenticate).toHaveBeenCalledTimes(1);
  });

  it('shares a refusal or a failed check only with the requests that waited for it', async () => {
    const { auth, apiKeys, known, caller } = setUp(1000);
    let fail!: (error: Error) => void;
    apiKeys.authenticate.mockImplementationOnce(() => new Promise<Caller | null>((_, reject) => (fail = reject)));
    const waiting = [auth.authenticate(`Bearer ${known}`), auth.authenticate(`Bearer ${known}`)];
    fail(new Error('database unreachable'));
    for (const request of waiting) await expect(request).rejects.toThrow('database unreachable');
    await expect(auth.authenticate(`Bearer ${known}`)).resolves.toEqual(caller);
    expect(apiKeys.authenticate).toHaveBeenCalledTimes(2);

    const unknown = generateApiKey().key;
    await Promise.all([challenge(auth.authenticate(`Bearer ${unknown}`)), challenge(auth.authenticate(`Bearer ${unknown}`))]);
    await challenge(auth.authenticate(`Bearer ${unknown}`));
    expect(apiKeys.authenticate).toHaveBeenCalledTimes(4);
  });

  it('never caches a refusal or, with a zero period, a success', async () => {
    const { auth, apiKeys, known } = setUp(0);
    const unknown = generateApiKey().key;
    await challenge(auth.authenticate(`Bearer ${unknown}`));
    await challenge(auth.authenticate(`Bearer ${unknown}`));
    await auth.authenticate(`Bearer ${known}`);
    await auth.authenticate(`Bearer ${known}`);
    expect(apiKeys.authenticate).toHaveBeenCalledTimes(4);
  });
});
