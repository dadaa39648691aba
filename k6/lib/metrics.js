// Custom metrics and checks. k6-only module: imported in the init context, where k6 requires
// custom metrics to be created.

import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { METRICS } from './options.js';

/** Iterations that proved exactly-once (threshold: count>0). */
export const verificationSuccess = new Counter(METRICS.success);
/** Iterations that did not (threshold: count==0); tagged with the `stage` that failed. */
export const verificationFailure = new Counter(METRICS.failure);
/** Duplicate requests that did not pay again: tagged kind=cached (replay) or kind=conflict (409). */
export const duplicatesPrevented = new Counter(METRICS.prevented);

let failuresLogged = 0;

/**
 * Records one flow result: the counters (a 0 is added too, so every metric shows in the summary),
 * k6 checks from result.checks, and a warning with the reason for the first `maxLogs` failures
 * of this VU.
 */
export function recordResult(result, tags, maxLogs) {
  const baseTags = tags || {};
  verificationSuccess.add(result.ok ? 1 : 0, baseTags);
  verificationFailure.add(result.ok ? 0 : 1, Object.assign({ stage: result.ok ? 'none' : result.stage || 'unknown' }, baseTags));
  if (result.cached > 0) duplicatesPrevented.add(result.cached, Object.assign({ kind: 'cached' }, baseTags));
  if (result.conflicts > 0) duplicatesPrevented.add(result.conflicts, Object.assign({ kind: 'conflict' }, baseTags));

  const sets = {};
  const names = Object.keys(result.checks || {});
  for (let i = 0; i < names.length; i++) {
    const value = result.checks[names[i]];
    if (value === undefined) continue;
    sets[names[i]] = () => value === true;
  }
  if (names.length > 0) check(result, sets, baseTags);

  if (!result.ok && failuresLogged < (maxLogs === undefined ? 10 : maxLogs)) {
    failuresLogged += 1;
    console.warn(`exactly-once verification failed (VU ${__VU}, iteration ${__ITER}, stage ${result.stage}): ${result.reason}`);
  }
}
