// User tokens for the iterations. Pure: NO k6 imports (the API client is injected).
//
// A browser checkout acts with a short-lived user token (USER_TOKEN_TTL_SECONDS on the server,
// 15 minutes by default), never with the account's API key. setup() mints one per user; a run
// that outlasts it gets a fresh one from the API key a minute before it expires.

import { describeAnswer, parseBody } from './classify.js';

/** A token this close to its expiry is replaced before the next iteration uses it. */
export const TOKEN_REFRESH_MARGIN_MS = 60000;

/** POST /users/:id/tokens with the API key: { token, expiresAtMs }; throws when it fails. */
export function mintUserToken(adminApi, userId) {
  const answer = adminApi.mintToken(userId);
  const body = parseBody(answer && answer.body);
  const expiresAtMs = body ? Date.parse(body.expiresAt) : NaN;
  if (!answer || answer.status !== 201 || !body || typeof body.token !== 'string' || !(expiresAtMs > 0)) {
    throw new Error(`POST /users/${userId}/tokens answered ${describeAnswer(answer)}`);
  }
  return { token: body.token, expiresAtMs };
}

/**
 * The tokens one VU uses, starting from those setup() minted (`users`: [{ id, token, expiresAtMs }]).
 * tokenFor(user) gives a token valid for at least TOKEN_REFRESH_MARGIN_MS more, minting a new one
 * with `adminApi` when needed.
 */
export function createTokenKeeper(adminApi, now = Date.now) {
  const fresh = {};
  return {
    tokenFor(user) {
      const known = fresh[user.id] || { token: user.token, expiresAtMs: user.expiresAtMs };
      if (known.token && known.expiresAtMs - now() > TOKEN_REFRESH_MARGIN_MS) return known.token;
      fresh[user.id] = mintUserToken(adminApi, user.id);
      return fresh[user.id].token;
    },
  };
}
