import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { IdempotencyInterceptor } from '../src/idempotency/idempotency.interceptor.js';
import { createOrder, createUser, json, ledgerOf, newKey, pay } from './factories/index.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

/**
 * Replays this process holds in memory are answered by a Fastify hook before Nest runs
 * (src/idempotency/memory-replays.ts). What a client sees must be exactly what the interceptor
 * would answer: the same bytes and headers, and the guard's and the key's rules unchanged.
 */
describe('replays answered from memory, before Nest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** The interceptor's calls while `work` runs: zero means the hook answered. */
  async function interceptorCalls(work: () => Promise<unknown>): Promise<number> {
    const spy = jest.spyOn(t.app.get(IdempotencyInterceptor), 'intercept');
    try {
      await work();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  it('sends the first answer byte for byte with Idempotent-Replayed, without running Nest, and pays once', async () => {
    const user = await createUser(t, 50_000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const first = await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    let replay!: Awaited<ReturnType<typeof pay>>;
    // The same fields in another order are the same request.
    expect(await interceptorCalls(async () => (replay = await pay(t, key, { userId: user.id, orderId: order.id })))).toBe(0);
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['content-type']).toBe(first.headers['content-type']);
    expect(replay.headers['x-request-id']).toBeDefined();
    expect(Buffer.compare(replay.body as Buffer, first.body as Buffer)).toBe(0);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41_000, payments: 1, paid: 9000 });
  });

  it('replays a stored business error with its own status', async () => {
    const user = await createUser(t, 100);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const first = await pay(t, key, { orderId: order.id, userId: user.id }).expect(422);
    let replay!: Awaited<ReturnType<typeof pay>>;
    expect(await interceptorCalls(async () => (replay = await pay(t, key, { orderId: order.id, userId: user.id })))).toBe(0);
    expect(replay.status).toBe(422);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(Buffer.compare(replay.body as Buffer, first.body as Buffer)).toBe(0);
  });

  it('answers a key reused for a different request 422 IDEMPOTENCY_KEY_REUSED, in the contract shape', async () => {
    const user = await createUser(t, 50_000);
    const [order, other] = [await createOrder(t, user.id), await createOrder(t, user.id)];
    const key = newKey();
    await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    const reused = await pay(t, key, { orderId: other.id, userId: user.id }).expect(422);
    expect(json(reused.body as Buffer)).toEqual({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String), error: 'Unprocessable Entity' });
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(await ledgerOf(t, user.id)).toMatchObject({ payments: 1 });
  });

  it("keeps the guard's rules: no credential is 401, a bad one is 401, another account's key is its own request", async () => {
    const user = await createUser(t, 50_000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);

    const anonymous = await pay(t, key, { orderId: order.id, userId: user.id }, t.anon()).expect(401);
    expect(json(anonymous.body as Buffer)).toMatchObject({ code: 'UNAUTHENTICATED' });
    await pay(t, key, { orderId: order.id, userId: user.id }, t.as('Bearer po_sk_not-a-key')).expect(401);

    // Another account sending the same key string is a new request of its own: it cannot see the order.
    const stranger = await t.newAccount();
    const theirs = await pay(t, key, { orderId: order.id, userId: user.id }, stranger.http());
    expect(theirs.status).toBe(404);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41_000, payments: 1, paid: 9000 });
  });

  it("keeps a user token's scope and an API-key-only route's 403", async () => {
    const user = await createUser(t, 50_000);
    const token = await t.userToken(t.account.accountId, user.id);
    const shopper = t.as(`Bearer ${token}`);
    const order = await createOrder(t, user.id, undefined, shopper);
    const key = newKey();
    const first = await pay(t, key, { orderId: order.id, userId: user.id }, shopper).expect(200);
    const replay = await pay(t, key, { orderId: order.id, userId: user.id }, shopper).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(Buffer.compare(replay.body as Buffer, first.body as Buffer)).toBe(0);
    // The account's API key with the shopper's key string: a different scope, so a new request (the order is paid: 409).
    const viaApiKey = await pay(t, key, { orderId: order.id, userId: user.id }).expect(409);
    expect(viaApiKey.headers['idempotent-replayed']).toBeUndefined();

    // Charging is API-key only: a replayable charge made with the API key, then the same key from a user token.
    const chargeKey = newKey();
    await t.http().post(`/api/v1/users/${user.id}/balance/charge`).set('Idempotency-Key', chargeKey).send({ amount: 10 }).expect(200);
    await t.http().post(`/api/v1/users/${user.id}/balance/charge`).set('Idempotency-Key', chargeKey).send({ amount: 10 }).expect(200).expect('idempotent-replayed', 'true');
    const forbidden = await shopper.post(`/api/v1/users/${user.id}/balance/charge`).set('Idempotency-Key', chargeKey).send({ amount: 10 }).expect(403);
    expect(forbidden.body).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41_010, payments: 1, paid: 9000 });
  });

  it('counts a replay from memory in /metrics and in its log outcome like any other replay', async () => {
    const replayedCount = async () => {
      const text = (await t.anon().get('/metrics').expect(200)).text;
      return Number(/payonce_idempotency_requests_total\{outcome="replayed"\} (\d+)/.exec(text)?.[1] ?? NaN);
    };
    const user = await createUser(t, 50_000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    const before = await replayedCount();
    for (let i = 0; i < 3; i++) await pay(t, key, { orderId: order.id, userId: user.id }).expect(200).expect('idempotent-replayed', 'true');
    expect(await replayedCount()).toBe(before + 3);
  });
});
