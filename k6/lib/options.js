// k6 `options` objects and the planning numbers behind them, built from a parsed config.
// Pure: NO k6 imports (jest checks the thresholds and scenarios that a run will get).

import { parseDurationMs } from './config.js';

/** The per-VU scripts run at most this long unless DURATION says otherwise. */
export const PER_VU_DEFAULTS = Object.freeze({ duration: '5m' });

export const METRICS = Object.freeze({
  success: 'idempotency_verification_success',
  failure: 'idempotency_verification_failure',
  prevented: 'duplicate_payments_prevented',
});

/**
 * Thresholds shared by every script. A run fails (k6 exits non-zero) when:
 * - any iteration could not prove exactly-once (failure count must stay 0),
 * - no iteration was verified at all (success count must be > 0),
 * - p(95)/p(99) of http_req_duration exceed P95_MS/P99_MS,
 * - more than MAX_ERROR_RATE of the requests failed (409 IN_PROGRESS and replays of payments
 *   are marked expected by the scripts, so they are not failures).
 * The two `duplicate_payments_prevented{kind:...}` entries always pass: they make k6 print the
 * replay and conflict counts separately in the end-of-test summary.
 */
export function exactlyOnceThresholds(cfg) {
  const thresholds = {};
  thresholds[METRICS.failure] = ['count==0'];
  thresholds[METRICS.success] = ['count>0'];
  thresholds[`${METRICS.prevented}{kind:cached}`] = ['count>=0'];
  thresholds[`${METRICS.prevented}{kind:conflict}`] = ['count>=0'];
  thresholds.http_req_duration = [`p(95)<${cfg.p95Ms}`, `p(99)<${cfg.p99Ms}`];
  thresholds.http_req_failed = [`rate<=${cfg.maxErrorRate}`];
  return thresholds;
}

function commonOptions(cfg) {
  return {
    setupTimeout: cfg.setupTimeout,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    thresholds: exactlyOnceThresholds(cfg),
  };
}

/** The common options with one named scenario, plus any `extra` options. */
function withScenario(cfg, scenarioName, scenario, extra) {
  const options = commonOptions(cfg);
  options.scenarios = {};
  options.scenarios[scenarioName] = scenario;
  return Object.assign(options, extra || {});
}

/** A bounded per-vu-iterations scenario: VUS users each run ITERATIONS, stopped after DURATION at the latest. */
export function perVuIterationsOptions(cfg, scenarioName, extra) {
  return withScenario(
    cfg,
    scenarioName,
    { executor: 'per-vu-iterations', vus: cfg.vus, iterations: cfg.iterations, maxDuration: cfg.duration },
    extra,
  );
}

/** A constant-arrival-rate scenario: RATE iterations per TIME_UNIT for DURATION. */
export function constantArrivalRateOptions(cfg, scenarioName, extra) {
  return withScenario(
    cfg,
    scenarioName,
    {
      executor: 'constant-arrival-rate',
      rate: cfg.rate,
      timeUnit: cfg.timeUnit,
      duration: cfg.duration,
      preAllocatedVUs: cfg.preAllocatedVUs,
      maxVUs: cfg.maxVUs,
    },
    extra,
  );
}

/** Most iterations a constant-arrival-rate scenario can start. */
export function arrivalRateIterationBound(cfg) {
  return Math.ceil((cfg.rate * parseDurationMs(cfg.duration)) / parseDurationMs(cfg.timeUnit));
}

/**
 * How many users setup makes and how much each needs.
 * - maxVuId: the largest __VU the scenario can have (VUS, or MAX_VUS for the soak);
 * - iterationsPerVu: the most iterations one VU can run.
 * USERS=0 (default) means one user per VU, so each VU owns its user and can check its balance
 * exactly. With fewer users, VUs share them: the balance check is turned off and each user is
 * funded for every VU that may share it.
 */
export function planUsers(cfg, maxVuId, iterationsPerVu) {
  const count = cfg.users > 0 ? cfg.users : maxVuId;
  const vusPerUser = Math.ceil(maxVuId / count);
  return {
    count,
    exclusive: count >= maxVuId,
    balancePerUser: vusPerUser * iterationsPerVu * cfg.orderAmount,
  };
}

/** Splits a total charge into amounts no larger than `chunk`: (25, 10) -> [10, 10, 5]. */
export function planCharges(total, chunk) {
  const amounts = [];
  if (!(total > 0)) return amounts;
  const size = Math.max(1, Math.floor(chunk));
  let left = Math.ceil(total);
  while (left > 0) {
    const amount = Math.min(size, left);
    amounts.push(amount);
    left -= amount;
  }
  return amounts;
}
