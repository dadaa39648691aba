import { describe, expect, it } from '@jest/globals';
import {
  CACHED,
  CONFLICT,
  SUCCESS,
  UNEXPECTED,
  classifyAnswer,
  classifyConcurrent,
  classifySequence,
  hasRetryAfter,
  headerValue,
  isReplayed,
  paymentBodyProblems,
  verifyIteration,
} from './classify.js';

const paymentBody = '{"id":7,"orderId":3,"userId":1,"amount":1000,"status":"COMPLETED","paidAt":"2025-01-01T00:00:00.000Z"}';
const first = { status: 200, body: paymentBody, headers: { 'Content-Type': 'application/json; charset=utf-8' } };
const replay = (over = {}) => ({ status: 200, body: paymentBody, headers: { 'Idempotent-Replayed': 'true' }, ...over });
const inProgress = (code = 'IDEMPOTENCY_KEY_IN_PROGRESS') => ({
  status: 409,
  body: JSON.stringify({ statusCode: 409, code, message: 'm', error: 'Conflict' }),
  headers: { 'Retry-After': '1' },
});

describe('headers as k6 gives them', () => {
  it('finds a header whatever the case of its name', () => {
    expect(headerValue({ 'Idempotent-Replayed': 'true' }, 'idempotent-replayed')).toBe('true');
    expect(headerValue({ 'idempotent-replayed': 'true' }, 'Idempotent-Replayed')).toBe('true');
  });

  it('takes the first value when k6 gives an array', () => {
    expect(headerValue({ 'Retry-After': ['2', '3'] }, 'Retry-After')).toBe('2');
    expect(isReplayed({ headers: { 'Idempotent-Replayed': ['true'] } })).toBe(true);
  });

  it('is not replayed without the header or with another value', () => {
    expect(isReplayed({ headers: {} })).toBe(false);
    expect(isReplayed({ headers: { 'Idempotent-Replayed': 'false' } })).toBe(false);
    expect(isReplayed({})).toBe(false);
  });

  it('reads Retry-After only as whole seconds', () => {
    expect(hasRetryAfter(inProgress())).toBe(true);
    expect(hasRetryAfter({ headers: {} })).toBe(false);
    expect(hasRetryAfter({ headers: { 'Retry-After': 'soon' } })).toBe(false);
  });
});

describe('classifyAnswer', () => {
  it('calls the first answer SUCCESS when it is a fresh 2xx', () => {
    expect(classifyAnswer(null, first)).toBe(SUCCESS);
    expect(classifyAnswer(first, first)).toBe(SUCCESS);
  });

  it('does not call a failed or replayed first answer SUCCESS', () => {
    expect(classifyAnswer(null, { status: 500, body: '{"code":"INTERNAL_ERROR"}', headers: {} })).toBe(UNEXPECTED);
    expect(classifyAnswer(null, { status: 409, body: '{"code":"ORDER_ALREADY_PAID"}', headers: {} })).toBe(UNEXPECTED);
    expect(classifyAnswer(null, replay())).toBe(UNEXPECTED);
    expect(classifyAnswer(null, { status: 0, body: null, headers: {}, error: 'connection refused' })).toBe(UNEXPECTED);
    expect(classifyAnswer(null, undefined)).toBe(UNEXPECTED);
  });

  it('calls a byte-identical replay CACHED', () => {
    expect(classifyAnswer(first, replay())).toBe(CACHED);
  });

  it('does not call a replay with a different body CACHED, even if the JSON means the same', () => {
    const reordered = JSON.stringify({ status: 'COMPLETED', ...JSON.parse(paymentBody) });
    expect(JSON.parse(reordered)).toEqual(JSON.parse(paymentBody));
    expect(classifyAnswer(first, replay({ body: reordered }))).toBe(UNEXPECTED);
    expect(classifyAnswer(first, replay({ body: `${paymentBody} ` }))).toBe(UNEXPECTED);
  });

  it('does not call an identical body without the replay header CACHED', () => {
    expect(classifyAnswer(first, { status: 200, body: paymentBody, headers: {} })).toBe(UNEXPECTED);
  });

  it('does not call a replay with another status CACHED', () => {
    expect(classifyAnswer(first, replay({ status: 201 }))).toBe(UNEXPECTED);
  });

  it('calls a second fresh payment UNEXPECTED (the payment ran twice)', () => {
    const second = { status: 200, body: paymentBody.replace('"id":7', '"id":8'), headers: {} };
    expect(classifyAnswer(first, second)).toBe(UNEXPECTED);
  });

  it('calls a 409 IDEMPOTENCY_KEY_IN_PROGRESS CONFLICT', () => {
    expect(classifyAnswer(first, inProgress())).toBe(CONFLICT);
  });

  it('does not call a 409 with another code CONFLICT', () => {
    expect(classifyAnswer(first, inProgress('ORDER_ALREADY_PAID'))).toBe(UNEXPECTED);
    expect(classifyAnswer(first, inProgress('IDEMPOTENCY_KEY_REUSED'))).toBe(UNEXPECTED);
    expect(classifyAnswer(first, { status: 409, body: 'not json', headers: {} })).toBe(UNEXPECTED);
  });

  it('does not call another status with the in-progress code CONFLICT', () => {
    expect(classifyAnswer(first, { ...inProgress(), status: 422 })).toBe(UNEXPECTED);
  });

  it('keeps non-ASCII bodies byte for byte', () => {
    const korean = { status: 200, body: '{"name":"김치 🌶"}', headers: {} };
    expect(classifyAnswer(korean, { status: 200, body: '{"name":"김치 🌶"}', headers: { 'Idempotent-Replayed': 'true' } })).toBe(CACHED);
    expect(classifyAnswer(korean, { status: 200, body: '{"name":"\\uae40\\uce58 🌶"}', headers: { 'Idempotent-Replayed': 'true' } })).toBe(UNEXPECTED);
  });
});

describe('verifyIteration', () => {
  it('passes 1 SUCCESS and 2 CACHED-or-CONFLICT', () => {
    expect(verifyIteration([SUCCESS, CACHED, CACHED]).ok).toBe(true);
    expect(verifyIteration([SUCCESS, CONFLICT, CACHED]).ok).toBe(true);
    expect(verifyIteration([SUCCESS, CONFLICT, CONFLICT]).ok).toBe(true);
  });

  it('fails two SUCCESSes', () => {
    const verdict = verifyIteration([SUCCESS, SUCCESS, CACHED]);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('exactly 1 SUCCESS, got 2');
  });

  it('fails no SUCCESS', () => {
    expect(verifyIteration([UNEXPECTED, CACHED, CACHED]).ok).toBe(false);
    expect(verifyIteration([CONFLICT, CONFLICT, CONFLICT]).ok).toBe(false);
  });

  it('fails any UNEXPECTED answer', () => {
    const verdict = verifyIteration([SUCCESS, CACHED, UNEXPECTED]);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts).toEqual({ SUCCESS: 1, CACHED: 1, CONFLICT: 0, UNEXPECTED: 1 });
  });

  it('fails a missing answer', () => {
    expect(verifyIteration([SUCCESS, CACHED]).ok).toBe(false);
    expect(verifyIteration([]).ok).toBe(false);
    expect(verifyIteration(undefined).ok).toBe(false);
  });

  it('takes the expected number of answers', () => {
    expect(verifyIteration([SUCCESS, CACHED, CONFLICT, CACHED, CONFLICT], 5).ok).toBe(true);
    expect(verifyIteration([SUCCESS], 1).ok).toBe(true);
  });

  it('counts an unknown class as UNEXPECTED', () => {
    expect(verifyIteration([SUCCESS, CACHED, 'MAYBE']).ok).toBe(false);
  });
});

describe('classifySequence', () => {
  it('classifies later answers against the first', () => {
    expect(classifySequence([first, replay(), inProgress()])).toEqual([SUCCESS, CACHED, CONFLICT]);
  });

  it('cannot call anything CACHED when the first answer was an error', () => {
    const error = { status: 500, body: '{"code":"INTERNAL_ERROR"}', headers: {} };
    const classes = classifySequence([error, replay(), replay()]);
    expect(classes).toEqual([UNEXPECTED, UNEXPECTED, UNEXPECTED]);
    expect(verifyIteration(classes).ok).toBe(false);
  });
});

describe('classifyConcurrent', () => {
  it('finds the one new answer wherever it is in the batch', () => {
    const { classes, originalIndex } = classifyConcurrent([inProgress(), replay(), first, inProgress(), replay()]);
    expect(originalIndex).toBe(2);
    expect(classes).toEqual([CONFLICT, CACHED, SUCCESS, CONFLICT, CACHED]);
    expect(verifyIteration(classes, 5).ok).toBe(true);
  });

  it('fails when two answers are new (the payment ran twice)', () => {
    const other = { status: 200, body: paymentBody.replace('"id":7', '"id":8'), headers: {} };
    const { classes, originalIndex } = classifyConcurrent([first, other, inProgress(), replay(), replay()]);
    expect(originalIndex).toBe(-1);
    expect(verifyIteration(classes, 5).ok).toBe(false);
  });

  it('fails when no answer is new', () => {
    const { classes } = classifyConcurrent([inProgress(), inProgress(), replay()]);
    expect(classes).toEqual([CONFLICT, CONFLICT, UNEXPECTED]);
    expect(verifyIteration(classes, 3).ok).toBe(false);
  });

  it('fails a replay whose body differs from the new answer', () => {
    const { classes } = classifyConcurrent([first, replay({ body: paymentBody.replace('1000', '2000') }), inProgress()]);
    expect(classes).toEqual([SUCCESS, UNEXPECTED, CONFLICT]);
    expect(verifyIteration(classes, 3).ok).toBe(false);
  });
});

describe('paymentBodyProblems', () => {
  const expected = { orderId: 3, userId: 1, amount: 1000 };

  it('accepts the contract body', () => {
    expect(paymentBodyProblems(first, expected)).toEqual([]);
  });

  it('names what is wrong', () => {
    const wrong = { status: 200, body: JSON.stringify({ id: 7, orderId: 4, userId: 1, amount: 999, status: 'PENDING' }) };
    const problems = paymentBodyProblems(wrong, expected);
    expect(problems.join('\n')).toMatch(/status/);
    expect(problems.join('\n')).toMatch(/orderId 4 != 3/);
    expect(problems.join('\n')).toMatch(/amount 999 != 1000/);
    expect(problems.join('\n')).toMatch(/paidAt/);
  });

  it('rejects a body that is not JSON', () => {
    expect(paymentBodyProblems({ status: 200, body: '<html>' }, expected)).toEqual(['payment body is not a JSON object']);
  });
});
