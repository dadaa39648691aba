// soak: RATE (default 20) iterations per TIME_UNIT (1s) for DURATION (10m), constant-arrival-rate.
// An iteration, acting with its user's token as a browser does, either makes a new order and
// pays it once with a fresh key, or (REPLAY_RATIO, default 0.5) replays one of this VU's earlier
// payments, which must come back byte-identical with `Idempotent-Replayed: true` and debit
// nothing, however long ago it was made.
//
//   k6 run -e BASE_URL=http://127.0.0.1:3000 -e API_KEY=po_sk_... -e DURATION=2m k6/soak.js
//
// Bounded: stops after DURATION (+ k6's 30s gracefulStop). See k6/README.md.

import { createApi } from './lib/api.js';
import { parseConfig } from './lib/config.js';
import { createTokenKeeper } from './lib/credentials.js';
import { guarded, orderItems, pickUser, soakIteration } from './lib/flows.js';
import { newIdempotencyKey } from './lib/keys.js';
import { recordResult } from './lib/metrics.js';
import { arrivalRateIterationBound, constantArrivalRateOptions, planUsers } from './lib/options.js';
import { setupRun } from './lib/setup.js';

const cfg = parseConfig(__ENV);
const admin = createApi(cfg, cfg.apiKey);
const tokens = createTokenKeeper(admin);
const items = orderItems(cfg);

export const options = constantArrivalRateOptions(cfg, 'soak');

// Each VU runs one iteration at a time and keeps its own earlier payments here.
const state = { memory: [] };

export function setup() {
  // Any VU may run every iteration of the run, so each user is funded for all of them.
  const data = setupRun(admin, cfg, planUsers(cfg, cfg.maxVUs, arrivalRateIterationBound(cfg)));
  console.log(`soak: run ${data.runId}, ${data.users.length} users, ${cfg.rate}/${cfg.timeUnit} for ${cfg.duration}`);
  return data;
}

export default function (data) {
  const user = pickUser(data.users, __VU);
  const result = guarded(() =>
    soakIteration(createApi(cfg, tokens.tokenFor(user)), state, {
      user,
      key: newIdempotencyKey([data.runId, __VU, __ITER]),
      items,
      checkBalance: cfg.checkBalance && data.exclusive,
      replayRatio: cfg.replayRatio,
      replayMemory: cfg.replayMemory,
    }),
  );
  recordResult(result, { flow: 'soak', action: result.action || 'none' }, cfg.maxFailureLogs);
}
