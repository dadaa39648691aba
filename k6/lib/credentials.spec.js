import { describe, expect, it } from '@jest/globals';
import { createTokenKeeper, mintUserToken, TOKEN_REFRESH_MARGIN_MS } from './credentials.js';
import { createFakeApi } from '../spec-support/fake-api.js';

describe('user tokens', () => {
  it('mints a token with the API key and reads its expiry', () => {
    const api = createFakeApi();
    const user = JSON.parse(api.createUser('kim').body);
    const minted = mintUserToken(api, user.id);
    expect(minted.token).toMatch(/^user-token-/);
    expect(minted.expiresAtMs).toBeGreaterThan(Date.now());
  });

  it('stops the run when a token cannot be minted', () => {
    expect(() => mintUserToken(createFakeApi(), 99)).toThrow(/POST \/users\/99\/tokens answered 404/);
  });

  it("keeps setup's token while it has time left, and mints a new one before it expires", () => {
    const api = createFakeApi();
    const user = JSON.parse(api.createUser('kim').body);
    let now = 1_000_000;
    const keeper = createTokenKeeper(api, () => now);
    const fromSetup = { id: user.id, token: 'from-setup', expiresAtMs: now + 10 * TOKEN_REFRESH_MARGIN_MS };
    expect(keeper.tokenFor(fromSetup)).toBe('from-setup');
    now = fromSetup.expiresAtMs - TOKEN_REFRESH_MARGIN_MS + 1;
    const renewed = keeper.tokenFor(fromSetup);
    expect(renewed).toMatch(/^user-token-/);
    expect(keeper.tokenFor(fromSetup)).toBe(renewed);
    expect(api.state.calls.filter(([name]) => name === 'mintToken')).toHaveLength(1);
  });
});
