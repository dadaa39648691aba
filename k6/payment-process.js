// payment-process: each iteration makes an order and pays it ATTEMPTS (default 3) times, one
// after the other, with one fresh Idempotency-Key, as a browser checkout with its user token
// does. Exactly one answer must be a new payment and the others byte-identical replays (or 409
// IN_PROGRESS); the balance must go down once.
//
//   k6 run -e BASE_URL=http://127.0.0.1:3000 -e API_KEY=po_sk_... k6/payment-process.js
//
// Bounded: VUS (10) x ITERATIONS (20) iterations, DURATION (5m) at most. See k6/README.md.

import { createApi } from './lib/api.js';
import { parseConfig } from './lib/config.js';
import { createTokenKeeper } from './lib/credentials.js';
import { guarded, orderItems, paymentIteration, pickUser } from './lib/flows.js';
import { newIdempotencyKey } from './lib/keys.js';
import { recordResult } from './lib/metrics.js';
import { PER_VU_DEFAULTS, perVuIterationsOptions, planUsers } from './lib/options.js';
import { setupRun } from './lib/setup.js';

const cfg = parseConfig(__ENV, PER_VU_DEFAULTS);
const admin = createApi(cfg, cfg.apiKey);
const tokens = createTokenKeeper(admin);
const items = orderItems(cfg);

export const options = perVuIterationsOptions(cfg, 'payment_process');

export function setup() {
  const data = setupRun(admin, cfg, planUsers(cfg, cfg.vus, cfg.iterations));
  console.log(`payment-process: run ${data.runId}, ${data.users.length} users, balance checks ${data.exclusive && cfg.checkBalance ? 'on' : 'off'}`);
  return data;
}

export default function (data) {
  const user = pickUser(data.users, __VU);
  const result = guarded(() =>
    paymentIteration(createApi(cfg, tokens.tokenFor(user)), {
      user,
      key: newIdempotencyKey([data.runId, __VU, __ITER]),
      items,
      attempts: cfg.attempts,
      checkBalance: cfg.checkBalance && data.exclusive,
    }),
  );
  recordResult(result, { flow: 'payment-process' }, cfg.maxFailureLogs);
}
