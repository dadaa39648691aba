// The k6 iterations run against an in-memory payonce (spec-support/fake-api.js): a correct one
// must pass, and each way of breaking exactly-once must be caught.
import { describe, expect, it } from '@jest/globals';
import { createFakeApi } from '../spec-support/fake-api.js';
import {
  chooseSoakAction,
  concurrentIteration,
  guarded,
  paymentIteration,
  pickUser,
  remember,
  replayIteration,
  soakIteration,
  verifyDebit,
} from './flows.js';
import { isValidIdempotencyKey, newIdempotencyKey, newRunId } from './keys.js';
import { createFundedUsers, setupRun } from './setup.js';
import { parseConfig } from './config.js';
import { planUsers } from './options.js';

const items = [{ name: 'k6 load-test item', unitPrice: 1000, quantity: 2 }];

function fundedUser(api, balance = 100000) {
  const [user] = createFundedUsers(api, { runId: 'test', count: 1, balancePerUser: balance, chargeChunk: 1000000 });
  return user;
}

function ctx(user, extra = {}) {
  return { user, key: newIdempotencyKey(['test']), items, attempts: 3, concurrency: 5, followUp: true, checkBalance: true, ...extra };
}

describe('paymentIteration (payment-process)', () => {
  it('verifies a correct server: one payment, two replays, one debit', () => {
    const api = createFakeApi();
    const user = fundedUser(api);
    const result = paymentIteration(api, ctx(user));
    expect(result.reason).toBe('');
    expect(result.ok).toBe(true);
    expect(result.classes).toEqual(['SUCCESS', 'CACHED', 'CACHED']);
    expect(result.cached).toBe(2);
    expect(api.state.payments).toHaveLength(1);
    expect(api.state.users.get(user.id).balance).toBe(100000 - 2000);
    expect(Object.values(result.checks).every((v) => v === true)).toBe(true);
  });

  it('catches a server that pays again on every request', () => {
    const api = createFakeApi({ ignoreKeys: true });
    const result = paymentIteration(api, ctx(fundedUser(api)));
    expect(result.ok).toBe(false);
    expect(result.stage).toBe('payment');
    expect(result.classes[0]).toBe('SUCCESS');
    expect(result.classes.slice(1)).toEqual(['UNEXPECTED', 'UNEXPECTED']);
  });

  it('catches replays that are not byte-identical', () => {
    const api = createFakeApi({ replayReserialize: true });
    const result = paymentIteration(api, ctx(fundedUser(api)));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/UNEXPECTED/);
  });

  it('catches replays without the Idempotent-Replayed header', () => {
    const api = createFakeApi({ noReplayHeader: true });
    expect(paymentIteration(api, ctx(fundedUser(api))).ok).toBe(false);
  });

  it('catches replays that debit again, through the balance', () => {
    const api = createFakeApi({ debitOnReplay: true });
    const result = paymentIteration(api, ctx(fundedUser(api)));
    expect(result.classes).toEqual(['SUCCESS', 'CACHED', 'CACHED']);
    expect(result.ok).toBe(false);
    expect(result.stage).toBe('debit');
    expect(result.reason).toMatch(/debited 6000, expected 2000/);
  });

  it('misses a replay that debits again when balance checks are off (shared users)', () => {
    const api = createFakeApi({ debitOnReplay: true });
    expect(paymentIteration(api, ctx(fundedUser(api), { checkBalance: false })).ok).toBe(true);
  });

  it('fails, at the order stage, when no order can be made', () => {
    const api = createFakeApi({ orderStatus: 500 });
    const result = paymentIteration(api, ctx(fundedUser(api)));
    expect(result.ok).toBe(false);
    expect(result.stage).toBe('order');
    expect(result.checks['order created (201)']).toBe(false);
  });

  it('fails when the balance is too low (422 is not a SUCCESS)', () => {
    const api = createFakeApi();
    const result = paymentIteration(api, ctx(fundedUser(api, 1000)));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/INSUFFICIENT_BALANCE/);
  });

  it('sends every attempt with the same key', () => {
    const api = createFakeApi();
    const c = ctx(fundedUser(api), { attempts: 4 });
    expect(paymentIteration(api, c).ok).toBe(true);
    const keys = api.state.calls.filter((call) => call[0] === 'pay').map((call) => call[3]);
    expect(keys).toEqual([c.key, c.key, c.key, c.key]);
  });
});

describe('concurrentIteration (concurrent-duplicates)', () => {
  it('verifies a correct server: one new answer, the rest 409 or replays, a replay after', () => {
    const api = createFakeApi();
    const user = fundedUser(api);
    const result = concurrentIteration(api, ctx(user));
    expect(result.reason).toBe('');
    expect(result.ok).toBe(true);
    expect(result.counts).toEqual({ SUCCESS: 1, CACHED: 2, CONFLICT: 2, UNEXPECTED: 0 });
    expect(result.cached).toBe(3); // two in the batch and the follow-up
    expect(result.conflicts).toBe(2);
    expect(result.checks['409 IN_PROGRESS has Retry-After']).toBe(true);
    expect(api.state.payments).toHaveLength(1);
  });

  it('verifies a batch where every duplicate is a 409', () => {
    const api = createFakeApi({ batchPattern: ['conflict', 'conflict', 'conflict', 'conflict'] });
    expect(concurrentIteration(api, ctx(fundedUser(api))).ok).toBe(true);
  });

  it('catches a race where two duplicates both ran', () => {
    const api = createFakeApi({ batchRace: true });
    const result = concurrentIteration(api, ctx(fundedUser(api)));
    expect(result.ok).toBe(false);
    expect(result.counts.SUCCESS).toBe(2);
    expect(api.state.payments).toHaveLength(2);
  });

  it('catches a server without idempotency', () => {
    const api = createFakeApi({ ignoreKeys: true });
    expect(concurrentIteration(api, ctx(fundedUser(api))).ok).toBe(false);
  });

  it('flags a 409 without Retry-After as a failed check, not as a double payment', () => {
    const api = createFakeApi({ noRetryAfter: true });
    const result = concurrentIteration(api, ctx(fundedUser(api)));
    expect(result.ok).toBe(true);
    expect(result.checks['409 IN_PROGRESS has Retry-After']).toBe(false);
  });

  it('catches a follow-up request that is not a replay', () => {
    const api = createFakeApi();
    const user = fundedUser(api);
    const realPay = api.pay;
    api.pay = (orderId, userId, key) => realPay(orderId, userId, `${key}-lost`);
    const result = concurrentIteration(api, ctx(user));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/request after the batch was UNEXPECTED/);
    expect(result.checks['request after the batch is a replay']).toBe(false);
  });
});

describe('soak', () => {
  it('replays an earlier payment byte for byte without a debit', () => {
    const api = createFakeApi();
    const user = fundedUser(api);
    const first = paymentIteration(api, ctx(user, { attempts: 1 }));
    expect(first.ok).toBe(true);
    const replay = replayIteration(api, first.record, { checkBalance: true });
    expect(replay.ok).toBe(true);
    expect(replay.cached).toBe(1);
  });

  it('catches a late replay that is not byte-identical or that debits', () => {
    for (const fault of [{ replayReserialize: true }, { debitOnReplay: true }, { ignoreKeys: true }]) {
      const api = createFakeApi(fault);
      const user = fundedUser(api);
      const first = paymentIteration(api, ctx(user, { attempts: 1 }));
      expect(replayIteration(api, first.record, { checkBalance: true }).ok).toBe(false);
    }
  });

  it('treats a 409 IN_PROGRESS long after the payment finished as a failure', () => {
    const api = createFakeApi();
    const user = fundedUser(api);
    const first = paymentIteration(api, ctx(user, { attempts: 1 }));
    api.pay = () => ({ status: 409, body: '{"statusCode":409,"code":"IDEMPOTENCY_KEY_IN_PROGRESS"}', headers: { 'Retry-After': '1' } });
    const replay = replayIteration(api, first.record, { checkBalance: true });
    expect(replay.ok).toBe(false);
    expect(replay.classes).toEqual(['CONFLICT']);
  });

  it('mixes new payments and replays, remembering only successful payments', () => {
    const api = createFakeApi();
    const user = fundedUser(api, 1000000);
    const state = { memory: [] };
    const sequence = [0.9, 0.1, 0.0, 0.9, 0.1, 0.5];
    let i = 0;
    const random = () => sequence[i++ % sequence.length];
    const actions = [];
    for (let n = 0; n < 6; n++) {
      const result = soakIteration(api, state, { ...ctx(user), key: newIdempotencyKey([n]), replayRatio: 0.5, replayMemory: 10 }, random);
      expect(result.reason).toBe('');
      actions.push(result.action);
    }
    expect(actions[0]).toBe('new'); // nothing to replay yet
    expect(actions).toContain('replay');
    expect(state.memory.length).toBe(actions.filter((a) => a === 'new').length);
  });

  it('chooses and remembers within bounds', () => {
    expect(chooseSoakAction(0, 1, () => 0)).toBe('new');
    expect(chooseSoakAction(3, 0.5, () => 0.2)).toBe('replay');
    expect(chooseSoakAction(3, 0.5, () => 0.7)).toBe('new');
    expect(chooseSoakAction(3, 0, () => 0)).toBe('new');
    const memory = [];
    for (let n = 0; n < 5; n++) remember(memory, { n }, 3);
    expect(memory).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
    expect(remember(memory, null, 3)).toHaveLength(3);
  });
});

describe('helpers', () => {
  it('gives VU n the nth user', () => {
    const users = [{ id: 1 }, { id: 2 }, { id: 3 }];
    expect(pickUser(users, 1)).toEqual({ id: 1 });
    expect(pickUser(users, 3)).toEqual({ id: 3 });
    expect(pickUser(users, 4)).toEqual({ id: 1 });
    expect(() => pickUser([], 1)).toThrow(/setup/);
  });

  it('checks debits exactly', () => {
    expect(verifyDebit(5000, 3000, 2000).ok).toBe(true);
    expect(verifyDebit(5000, 1000, 2000).ok).toBe(false);
    expect(verifyDebit(5000, 5000, 0).ok).toBe(true);
  });

  it('makes valid, distinct keys, with or without WebCrypto', () => {
    const withCrypto = newIdempotencyKey(['run', 1, 0]);
    expect(withCrypto).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const a = newIdempotencyKey(['run', 1, 0], null);
    const b = newIdempotencyKey(['run', 1, 0], null);
    expect(a).toMatch(/^k6-run-1-0-/);
    expect(a).not.toBe(b);
    expect(isValidIdempotencyKey(a)).toBe(true);
    expect(isValidIdempotencyKey(newIdempotencyKey(['ü ber'], null))).toBe(true);
    expect(isValidIdempotencyKey('')).toBe(false);
    expect(isValidIdempotencyKey('a'.repeat(256))).toBe(false);
    expect(newRunId(0, () => 0)).toBe('00000');
  });
});

describe('setup', () => {
  it('makes one funded user per VU, charging in chunks with keys', () => {
    const api = createFakeApi();
    const cfg = parseConfig({ API_KEY: 'po_sk_test', CHARGE_CHUNK: '15000' });
    const data = setupRun(api, cfg, planUsers(cfg, 3, 20), 'run1');
    expect(data.runId).toBe('run1');
    expect(data.exclusive).toBe(true);
    expect(data.users.map((u) => u.name)).toEqual(['k6-run1-1', 'k6-run1-2', 'k6-run1-3']);
    expect(data.users.every((u) => u.balance === 20000)).toBe(true);
    const charges = api.state.calls.filter((c) => c[0] === 'chargeBalance');
    expect(charges.map((c) => c[2])).toEqual([15000, 5000, 15000, 5000, 15000, 5000]);
    expect(charges.every((c) => isValidIdempotencyKey(c[3]))).toBe(true);
  });

  it('stops the run when the API refuses to make a user', () => {
    const api = createFakeApi();
    api.createUser = () => ({ status: 500, body: '{"code":"INTERNAL_ERROR"}', headers: {} });
    expect(() => createFundedUsers(api, { runId: 'r', count: 1, balancePerUser: 1, chargeChunk: 1 })).toThrow(/POST \/users answered 500/);
  });

  it('stops the run when a charge fails', () => {
    const api = createFakeApi();
    api.chargeBalance = () => ({ status: 400, body: '{"code":"VALIDATION_FAILED"}', headers: {} });
    expect(() => createFundedUsers(api, { runId: 'r', count: 1, balancePerUser: 1, chargeChunk: 1 })).toThrow(/balance\/charge answered 400/);
  });
});

describe('guarded', () => {
  it('turns an iteration that throws into a failed one, so it counts against the run', () => {
    const result = guarded(() => {
      throw new Error('POST /users/1/tokens answered 500');
    });
    expect(result).toMatchObject({ ok: false, stage: 'exception', reason: 'POST /users/1/tokens answered 500' });
  });

  it('passes a finished iteration through', () => {
    const done = { ok: true, stage: '' };
    expect(guarded(() => done)).toBe(done);
  });
});
