// Classification of the answers to one Idempotency-Key, as plain functions.
//
// NO k6 imports here: jest imports this module directly, and the k6 scripts import it too.
// An "answer" is a plain object { status, body, headers }:
//   - status: the HTTP status (0 when the request never got an answer),
//   - body: the response body as a string (k6 gives a string by default; null on network errors),
//   - headers: an object of response headers. k6 canonicalises header names
//     ("idempotent-replayed" becomes "Idempotent-Replayed") and a value may be a string or,
//     in some k6 versions, an array of strings; both are handled, names are matched
//     case-insensitively.

export const SUCCESS = 'SUCCESS';
export const CACHED = 'CACHED';
export const CONFLICT = 'CONFLICT';
export const UNEXPECTED = 'UNEXPECTED';
export const CLASSES = Object.freeze([SUCCESS, CACHED, CONFLICT, UNEXPECTED]);

export const IN_PROGRESS_CODE = 'IDEMPOTENCY_KEY_IN_PROGRESS';
export const REPLAY_HEADER = 'Idempotent-Replayed';
export const RETRY_AFTER_HEADER = 'Retry-After';

/** The first value of a header, matched case-insensitively; undefined when absent. */
export function headerValue(headers, name) {
  if (!headers || typeof headers !== 'object') return undefined;
  const wanted = String(name).toLowerCase();
  const keys = Object.keys(headers);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i].toLowerCase() !== wanted) continue;
    const value = headers[keys[i]];
    if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
    return value === undefined || value === null ? undefined : String(value);
  }
  return undefined;
}

/** True when the answer carries `Idempotent-Replayed: true`. */
export function isReplayed(answer) {
  const value = headerValue(answer && answer.headers, REPLAY_HEADER);
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

export function isSuccessStatus(status) {
  return typeof status === 'number' && status >= 200 && status <= 299;
}

/** The parsed JSON body, or undefined when the body is missing or not JSON. */
export function parseBody(body) {
  if (typeof body !== 'string' || body.length === 0) return undefined;
  try {
    return JSON.parse(body);
  } catch (e) {
    return undefined;
  }
}

/** The `code` field of a JSON error body, or undefined. */
export function errorCode(answer) {
  const parsed = parseBody(answer && answer.body);
  if (!parsed || typeof parsed !== 'object') return undefined;
  return typeof parsed.code === 'string' ? parsed.code : undefined;
}

/** A 409 whose body says the first request with this key is still running. */
export function isInProgressConflict(answer) {
  return !!answer && answer.status === 409 && errorCode(answer) === IN_PROGRESS_CODE;
}

/** True when the answer has a Retry-After header with a non-negative integer (seconds). */
export function hasRetryAfter(answer) {
  const value = headerValue(answer && answer.headers, RETRY_AFTER_HEADER);
  return value !== undefined && /^\s*\d+\s*$/.test(value);
}

/** A 2xx answer that was produced now (not a replay) and has a body. */
export function isFreshSuccess(answer) {
  return !!answer && isSuccessStatus(answer.status) && !isReplayed(answer) && typeof answer.body === 'string';
}

/** A replay of `first`: replay header set, same status, and the body byte for byte. */
export function isReplayOf(first, current) {
  if (!first || !current) return false;
  return (
    isReplayed(current) &&
    current.status === first.status &&
    typeof current.body === 'string' &&
    typeof first.body === 'string' &&
    current.body === first.body
  );
}

/**
 * Classifies one answer to a key.
 * - `first` is the first answer for the key (null/undefined, or the same object as `current`,
 *   when `current` IS the first answer).
 * - The first answer is SUCCESS when it is a fresh 2xx, otherwise UNEXPECTED.
 * - A later answer is CONFLICT when it is 409 with code IDEMPOTENCY_KEY_IN_PROGRESS,
 *   CACHED when it is a replay of the first answer (header `Idempotent-Replayed: true`, same
 *   status, byte-identical body), and UNEXPECTED otherwise (for instance a second fresh 2xx:
 *   the payment ran twice, or a replay whose body differs).
 */
export function classifyAnswer(first, current) {
  if (!current) return UNEXPECTED;
  if (!first || first === current) return isFreshSuccess(current) ? SUCCESS : UNEXPECTED;
  if (isInProgressConflict(current)) return CONFLICT;
  if (isReplayOf(first, current)) return CACHED;
  return UNEXPECTED;
}

/** Answers sent one after the other: the first is the reference for the others. */
export function classifySequence(answers) {
  const list = Array.isArray(answers) ? answers : [];
  const first = list[0];
  const classes = [];
  for (let i = 0; i < list.length; i++) classes.push(classifyAnswer(i === 0 ? null : first, list[i]));
  return classes;
}

/**
 * Answers sent at the same time (http.batch): there is no "first" by order, so the reference is
 * the one answer that is a fresh 2xx. With exactly one such answer it is SUCCESS and the others
 * are classified against it. With zero or several, every fresh 2xx is SUCCESS (so verification
 * sees 0 or 2+ successes and fails), 409 IN_PROGRESS are CONFLICT and the rest UNEXPECTED.
 * Returns { classes, originalIndex } (originalIndex is -1 unless exactly one was fresh).
 */
export function classifyConcurrent(answers) {
  const list = Array.isArray(answers) ? answers : [];
  const fresh = [];
  for (let i = 0; i < list.length; i++) if (isFreshSuccess(list[i])) fresh.push(i);
  const originalIndex = fresh.length === 1 ? fresh[0] : -1;
  const classes = [];
  for (let i = 0; i < list.length; i++) {
    if (originalIndex >= 0) {
      classes.push(i === originalIndex ? SUCCESS : classifyAnswer(list[originalIndex], list[i]));
    } else if (fresh.indexOf(i) >= 0) {
      classes.push(SUCCESS);
    } else {
      classes.push(isInProgressConflict(list[i]) ? CONFLICT : UNEXPECTED);
    }
  }
  return { classes, originalIndex };
}

/** Counts per class; anything that is not a known class counts as UNEXPECTED. */
export function countClasses(classes) {
  const counts = { SUCCESS: 0, CACHED: 0, CONFLICT: 0, UNEXPECTED: 0 };
  const list = Array.isArray(classes) ? classes : [];
  for (let i = 0; i < list.length; i++) {
    if (CLASSES.indexOf(list[i]) >= 0) counts[list[i]] += 1;
    else counts.UNEXPECTED += 1;
  }
  return counts;
}

/**
 * An iteration that sent `expectedAnswers` requests with one key is verified when it got exactly
 * that many answers, exactly one SUCCESS, and all the others CACHED or CONFLICT.
 * Returns { ok, counts, reason } (reason is '' when ok).
 */
export function verifyIteration(classes, expectedAnswers = 3) {
  const counts = countClasses(classes);
  const got = Array.isArray(classes) ? classes.length : 0;
  const problems = [];
  if (got !== expectedAnswers) problems.push(`expected ${expectedAnswers} answers, got ${got}`);
  if (counts.SUCCESS !== 1) problems.push(`expected exactly 1 SUCCESS, got ${counts.SUCCESS}`);
  if (counts.UNEXPECTED > 0) problems.push(`${counts.UNEXPECTED} UNEXPECTED answer(s)`);
  return { ok: problems.length === 0, counts, reason: problems.join('; ') };
}

/**
 * What is wrong with the body of a successful payment, as a list of sentences (empty when fine):
 * it must be JSON with a positive integer id, the order id, the user id, the order's amount and
 * status "COMPLETED", and a paidAt.
 */
export function paymentBodyProblems(answer, expected) {
  const body = parseBody(answer && answer.body);
  if (!body || typeof body !== 'object') return ['payment body is not a JSON object'];
  const problems = [];
  if (!(Number.isInteger(body.id) && body.id > 0)) problems.push(`payment id ${JSON.stringify(body.id)} is not a positive integer`);
  if (body.status !== 'COMPLETED') problems.push(`payment status is ${JSON.stringify(body.status)}, expected "COMPLETED"`);
  if (expected && Number(body.orderId) !== Number(expected.orderId)) problems.push(`orderId ${body.orderId} != ${expected.orderId}`);
  if (expected && Number(body.userId) !== Number(expected.userId)) problems.push(`userId ${body.userId} != ${expected.userId}`);
  if (expected && expected.amount !== undefined && body.amount !== expected.amount) problems.push(`amount ${body.amount} != ${expected.amount}`);
  if (body.paidAt === undefined || body.paidAt === null || body.paidAt === '') problems.push('paidAt is missing');
  return problems;
}

/** A short, log-friendly description of an answer. */
export function describeAnswer(answer) {
  if (!answer) return 'no answer';
  const body = typeof answer.body === 'string' ? answer.body : '';
  const shortBody = body.length > 200 ? `${body.slice(0, 200)}...` : body;
  const replay = isReplayed(answer) ? ' (replayed)' : '';
  const error = answer.error ? ` error=${answer.error}` : '';
  return `${answer.status}${replay}${error} ${shortBody}`.trim();
}
