// setup() helper: makes the users of a run and charges their balances through the API.
//
// NO k6 imports: the scripts pass the client from api.js (jest passes a fake). Any failed step
// throws, and an exception in k6's setup() aborts the run before any load is sent.
//   api.createUser(name)                 -> 201 { id, name, balance, ... }
//   api.chargeBalance(userId, amount, key) -> 200 { userId, balance }
//   api.mintToken(userId)                -> 201 { token, expiresAt }
// `api` acts with the account's API key; each user gets a user token for the iterations, which
// act as a browser checkout does.

import { describeAnswer, parseBody } from './classify.js';
import { mintUserToken } from './credentials.js';
import { newIdempotencyKey, newRunId } from './keys.js';
import { planCharges } from './options.js';

/**
 * Makes `count` users named `k6-<runId>-<n>` and charges each `balancePerUser` won, in charges
 * of at most `chargeChunk`, each with its own Idempotency-Key, and mints each a user token.
 * Returns [{ id, name, balance, token, expiresAtMs }].
 */
export function createFundedUsers(api, { runId, count, balancePerUser, chargeChunk, newKey = newIdempotencyKey }) {
  const users = [];
  for (let n = 1; n <= count; n++) {
    const name = `k6-${runId}-${n}`;
    const created = api.createUser(name);
    const user = parseBody(created && created.body);
    if (!created || created.status !== 201 || !user || !Number.isInteger(user.id)) {
      throw new Error(`setup: POST /users answered ${describeAnswer(created)}`);
    }
    let balance = Number.isInteger(user.balance) ? user.balance : 0;
    const charges = planCharges(balancePerUser, chargeChunk);
    for (let c = 0; c < charges.length; c++) {
      const charged = api.chargeBalance(user.id, charges[c], newKey([runId, 'charge', user.id, c]));
      const body = parseBody(charged && charged.body);
      if (!charged || charged.status !== 200 || !body || !Number.isInteger(body.balance)) {
        throw new Error(`setup: POST /users/${user.id}/balance/charge answered ${describeAnswer(charged)}`);
      }
      balance = body.balance;
    }
    if (balance < balancePerUser) {
      throw new Error(`setup: user ${user.id} has balance ${balance} after charging, needs ${balancePerUser}`);
    }
    users.push(Object.assign({ id: user.id, name, balance }, mintUserToken(api, user.id)));
  }
  return users;
}

/**
 * The data every script's setup() returns (k6 hands it to each VU's default function):
 * { runId, users, exclusive } where `exclusive` means each VU owns its user (balance checks on).
 * `plan` comes from options.planUsers().
 */
export function setupRun(api, cfg, plan, runId = newRunId()) {
  const users = createFundedUsers(api, {
    runId,
    count: plan.count,
    balancePerUser: plan.balancePerUser,
    chargeChunk: cfg.chargeChunk,
  });
  return { runId, users, exclusive: plan.exclusive };
}
