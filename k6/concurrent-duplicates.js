// concurrent-duplicates: each iteration makes an order and sends CONCURRENCY (default 5)
// identical payments with one Idempotency-Key at the same moment (http.batch), as a
// double-clicking browser with its user token might. Exactly one answer must be new (2xx without
// Idempotent-Replayed); every other one a byte-identical replay of it or a 409
// IDEMPOTENCY_KEY_IN_PROGRESS; then (FOLLOW_UP) one more request must be a replay, and the
// balance must go down once.
//
//   k6 run -e BASE_URL=http://127.0.0.1:3000 -e API_KEY=po_sk_... k6/concurrent-duplicates.js
//
// Bounded: VUS (5) x ITERATIONS (20) iterations, DURATION (5m) at most. See k6/README.md.

import { createApi } from './lib/api.js';
import { parseConfig } from './lib/config.js';
import { createTokenKeeper } from './lib/credentials.js';
import { concurrentIteration, guarded, orderItems, pickUser } from './lib/flows.js';
import { newIdempotencyKey } from './lib/keys.js';
import { recordResult } from './lib/metrics.js';
import { PER_VU_DEFAULTS, perVuIterationsOptions, planUsers } from './lib/options.js';
import { setupRun } from './lib/setup.js';

const cfg = parseConfig(__ENV, Object.assign({}, PER_VU_DEFAULTS, { vus: 5 }));
const admin = createApi(cfg, cfg.apiKey);
const tokens = createTokenKeeper(admin);
const items = orderItems(cfg);

// http.batch opens at most `batchPerHost` connections to one host (k6 default 6): raise it so
// that all CONCURRENCY requests really are in flight together.
export const options = perVuIterationsOptions(cfg, 'concurrent_duplicates', {
  batch: Math.max(20, cfg.concurrency),
  batchPerHost: Math.max(6, cfg.concurrency),
});

export function setup() {
  const data = setupRun(admin, cfg, planUsers(cfg, cfg.vus, cfg.iterations));
  console.log(`concurrent-duplicates: run ${data.runId}, ${data.users.length} users, ${cfg.concurrency} requests per key`);
  return data;
}

export default function (data) {
  const user = pickUser(data.users, __VU);
  const result = guarded(() =>
    concurrentIteration(createApi(cfg, tokens.tokenFor(user)), {
      user,
      key: newIdempotencyKey([data.runId, __VU, __ITER]),
      items,
      concurrency: cfg.concurrency,
      followUp: cfg.followUp,
      checkBalance: cfg.checkBalance && data.exclusive,
    }),
  );
  recordResult(result, { flow: 'concurrent-duplicates' }, cfg.maxFailureLogs);
}
