import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NO_REQUEST } from '../src/common/context/index.js';
import { TransactionRunner } from '../src/common/transaction/index.js';
import { IdempotencyKeyInProgressError } from '../src/idempotency/idempotency.errors.js';
import { IdempotencyService } from '../src/idempotency/idempotency.service.js';
import { IdempotencyPurger } from '../src/idempotency/idempotency-purger.js';
import { requestFingerprint } from '../src/idempotency/request-fingerprint.js';
import { storeJson } from '../src/idempotency/stored-response.js';
import { createOrder, createUser, json, ledgerOf, newKey, pay } from './factories/index.js';
import { bytes } from './setup/raw-body.js';
import { startTestApp, type Client, type TestApp } from './setup/test-app.js';

interface KeyRow {
  status: string;
  fencing_token: number;
  fingerprint: string;
  response_status: number | null;
  response_body: Buffer | null;
}

describe('Idempotency-Key', () => {
  let t: TestApp;
  const keyRow = async (key: string): Promise<KeyRow | undefined> =>
    (await t.query<KeyRow>('SELECT status, fencing_token, fingerprint, response_status, response_body FROM idempotency_keys WHERE idempotency_key = ?', [key]))[0];
  /** A claim committed and left in flight, as a request leaves it while its work runs (its hand-over committed with an empty transaction). */
  const committedClaim = async (key: string, fingerprint: string, route: string) => {
    const resolution = await t.app.get(IdempotencyService).claim(NO_REQUEST, { accountId: t.account.accountId, userId: 0 }, key, fingerprint, route);
    if (resolution.outcome === 'new') await t.app.get(TransactionRunner).runNew(async () => undefined, { after: resolution.claim.after });
    return resolution;
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs a payment once and replays it byte for byte, marked as a replay', async () => {
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const first = await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    const second = await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    const third = await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);

    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(Buffer.compare(second.body, first.body)).toBe(0);
    expect(Buffer.compare(third.body, first.body)).toBe(0);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });

    // What was stored is exactly what the first caller received.
    const row = await keyRow(key);
    expect(row).toMatchObject({ status: 'COMPLETED', response_status: 200 });
    expect(Buffer.compare(row!.response_body!, first.body)).toBe(0);
  });

  it('treats the quoted form "abc" as the key abc', async () => {
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const first = await pay(t, `"${key}"`, { orderId: order.id, userId: user.id }).expect(200);
    const again = await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(Buffer.compare(again.body, first.body)).toBe(0);
  });

  it('ignores the order of keys in the JSON body', async () => {
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    await pay(t, key, `{"orderId":${order.id},"userId":${user.id}}`).expect(200);
    const swapped = await pay(t, key, `{ "userId": ${user.id}, "orderId": ${order.id} }`).expect(200);
    expect(swapped.headers['idempotent-replayed']).toBe('true');
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED to another body under a used key, and keeps the record', async () => {
    const user = await createUser(t, 50000);
    const [order, otherOrder] = [await createOrder(t, user.id), await createOrder(t, user.id)];
    const key = newKey();
    await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    const before = await keyRow(key);
    const res = await pay(t, key, { orderId: otherOrder.id, userId: user.id }).expect(422);
    expect(json(res.body)).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED', error: 'Unprocessable Entity' });
    expect(await keyRow(key)).toEqual(before);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
  });

  it('answers 422 when a key is reused on another route or another path id', async () => {
    const user = await createUser(t, 1000);
    const other = await createUser(t, 1000);
    const key = newKey();
    await t.http().post(`/api/v1/users/${user.id}/balance/charge`).set('Idempotency-Key', key).send({ amount: 100 }).expect(200);
    const otherUser = await t.http().post(`/api/v1/users/${other.id}/balance/charge`).set('Idempotency-Key', key).send({ amount: 100 });
    expect(otherUser.status).toBe(422);
    const otherRoute = await t.http().post('/api/v1/orders').set('Idempotency-Key', key).send({ userId: user.id, items: [{ name: 'x', unitPrice: 1, quantity: 1 }] });
    expect(otherRoute.status).toBe(422);
    expect((await ledgerOf(t, other.id)).balance).toBe(1000);
  });

  it('does not store a validation failure: a corrected retry with the same key runs', async () => {
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    await pay(t, key, { orderId: String(order.id), userId: user.id }).expect(400);
    expect(await keyRow(key)).toBeUndefined();
    const fixed = await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
  });

  it('replays a business error even after its cause is gone', async () => {
    const user = await createUser(t, 100);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const refused = await pay(t, key, { orderId: order.id, userId: user.id }).expect(422);
    expect(json(refused.body).code).toBe('INSUFFICIENT_BALANCE');

    await t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: 50000 }).expect(200);
    const replay = await pay(t, key, { orderId: order.id, userId: user.id }).expect(422);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(Buffer.compare(replay.body, refused.body)).toBe(0);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 50100, payments: 0, paid: 0 });

    // A new key is a new attempt, and now it succeeds.
    await pay(t, newKey(), { orderId: order.id, userId: user.id }).expect(200);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 41100, payments: 1, paid: 9000 });
  });

  describe('header validation', () => {
    it('answers 400 IDEMPOTENCY_KEY_MISSING when the required key is absent, and pays nothing', async () => {
      const user = await createUser(t, 50000);
      const order = await createOrder(t, user.id);
      const res = await pay(t, undefined, { orderId: order.id, userId: user.id }).expect(400);
      expect(json(res.body)).toEqual({
        statusCode: 400,
        code: 'IDEMPOTENCY_KEY_MISSING',
        message: 'This endpoint requires an Idempotency-Key header (a UUID v4 is recommended)',
        error: 'Bad Request',
      });
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 50000, payments: 0, paid: 0 });
    });

    it.each([
      ['empty', ''],
      ['empty quotes', '""'],
      ['256 characters', 'k'.repeat(256)],
      ['a space inside', 'abc def'],
      ['a non-ASCII character', 'clé'],
      ['a tab inside', 'abc\tdef'],
    ])('answers 400 IDEMPOTENCY_KEY_INVALID to a key that is %s', async (_label, key) => {
      const res = await pay(t, key, { orderId: 1, userId: 1 }).expect(400);
      expect(json(res.body)).toMatchObject({ statusCode: 400, code: 'IDEMPOTENCY_KEY_INVALID' });
    });

    it('accepts a key of exactly 255 visible characters', async () => {
      const user = await createUser(t, 50000);
      const order = await createOrder(t, user.id);
      const key = `${newKey()}-${'~'.repeat(218)}`;
      expect(key).toHaveLength(255);
      await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    });

    it('answers 400 IDEMPOTENCY_KEY_INVALID to a header sent twice', async () => {
      const res = await t
        .http()
        .post('/api/v1/payments')
        .set('Idempotency-Key', [newKey(), newKey()] as unknown as string) // Node sends an array as two header lines
        .send({ orderId: 1, userId: 1 });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_INVALID');
    });
  });

  describe('concurrency', () => {
    it('pays exactly once when 50 requests race on one new key, 20 rounds over', async () => {
      const user = await createUser(t, 20 * 9000);
      for (let round = 0; round < 20; round++) {
        const order = await createOrder(t, user.id);
        const key = newKey();
        const answers = await Promise.all(Array.from({ length: 50 }, () => pay(t, key, { orderId: order.id, userId: user.id })));

        const fresh = answers.filter((a) => a.status === 200 && a.headers['idempotent-replayed'] === undefined);
        expect(fresh).toHaveLength(1);
        for (const answer of answers) {
          if (answer === fresh[0]) continue;
          if (answer.status === 409) {
            expect(json(answer.body).code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
            expect(answer.headers['retry-after']).toBe('1');
          } else {
            expect(answer.status).toBe(200);
            expect(answer.headers['idempotent-replayed']).toBe('true');
            expect(Buffer.compare(answer.body, fresh[0].body)).toBe(0);
          }
        }
        const [{ n }] = await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM payments WHERE order_id = ?', [order.id]);
        expect(Number(n)).toBe(1);
      }
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 0, payments: 20, paid: 20 * 9000 });
    });

    it('pays one order once when 10 different keys race for it', async () => {
      const user = await createUser(t, 50000);
      const order = await createOrder(t, user.id);
      const answers = await Promise.all(Array.from({ length: 10 }, () => pay(t, newKey(), { orderId: order.id, userId: user.id })));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, ...Array(9).fill(409)]);
      for (const refused of answers.filter((a) => a.status === 409)) expect(json(refused.body).code).toBe('ORDER_ALREADY_PAID');
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
    });

    it('charges a balance once when 20 requests race on one key', async () => {
      const user = await createUser(t, 0);
      const key = newKey();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => t.http().post(`/api/v1/users/${user.id}/balance/charge`).set('Idempotency-Key', key).send({ amount: 700 })),
      );
      expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
      expect((await ledgerOf(t, user.id)).balance).toBe(700);
      const [{ n }] = await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM balance_charges WHERE user_id = ?', [user.id]);
      expect(Number(n)).toBe(1);
    });
  });

  describe('optional keys', () => {
    it('replays an order with Korean and emoji item names byte for byte', async () => {
      const user = await createUser(t);
      const key = newKey();
      const body = { userId: user.id, items: [{ name: '떡볶이 🌶️ 매운맛', unitPrice: 4500, quantity: 2 }, { name: '🍙 삼각김밥', unitPrice: 1200, quantity: 3 }] };
      const create = () => t.http().post('/api/v1/orders').set('Idempotency-Key', key).send(body).buffer(true).parse(bytes);
      const first = await create().expect(201);
      const replay = await create().expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(Buffer.compare(replay.body, first.body)).toBe(0);
      expect(json(first.body).items).toEqual(body.items);
      const orders = await t.query('SELECT id FROM orders WHERE user_id = ?', [user.id]);
      expect(orders).toHaveLength(1);
    });

    it('runs every request without a key', async () => {
      const user = await createUser(t);
      for (let i = 0; i < 3; i++) await t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: 100 }).expect(200);
      expect((await ledgerOf(t, user.id)).balance).toBe(300);
    });
  });

  describe('leases, fencing and expiry', () => {
    /** A second app instance: another process's memory on the same database, called with the same account's key. */
    const onAnotherProcess = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
      const other = await startTestApp();
      try {
        return await work(other.as(`Bearer ${t.account.apiKey}`));
      } finally {
        await other.close();
      }
    };
    const insertProcessing = (key: string, fingerprint: string, leaseOffsetMs: number) =>
      t.query(
        `INSERT INTO idempotency_keys
           (account_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
         VALUES (?, ?, ?, 'POST /api/v1/payments', 'PROCESSING', 1, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)`,
        [t.account.accountId, key, fingerprint, new Date(Date.now() + leaseOffsetMs)],
      );

    it('answers 409 IDEMPOTENCY_KEY_IN_PROGRESS with Retry-After while the first request holds the lease', async () => {
      const user = await createUser(t, 50000);
      const order = await createOrder(t, user.id);
      const key = newKey();
      const body = { orderId: order.id, userId: user.id };
      await insertProcessing(key, requestFingerprint('POST', '/api/v1/payments', body), 20_000);
      const res = await pay(t, key, body).expect(409);
      expect(json(res.body)).toEqual({
        statusCode: 409,
        code: 'IDEMPOTENCY_KEY_IN_PROGRESS',
        message: 'A request with this Idempotency-Key is still being processed',
        error: 'Conflict',
      });
      expect(res.headers['retry-after']).toBe('1');
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 50000, payments: 0, paid: 0 });
      await t.query('DELETE FROM idempotency_keys WHERE idempotency_key = ?', [key]); // the "owner" never comes back
    });

    it('lets the next request take over a key whose owner died (lease ran out), under a new fencing token', async () => {
      const user = await createUser(t, 50000);
      const order = await createOrder(t, user.id);
      const key = newKey();
      const body = { orderId: order.id, userId: user.id };
      await insertProcessing(key, requestFingerprint('POST', '/api/v1/payments', body), -1);
      const res = await pay(t, key, body).expect(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await keyRow(key)).toMatchObject({ status: 'COMPLETED', fencing_token: 2, response_status: 200 });
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
    });

    it("rejects a late completion carrying a stale fencing token, leaving the new owner's claim alone", async () => {
      const idempotency = t.app.get(IdempotencyService);
      const key = newKey();
      const fingerprint = requestFingerprint('POST', '/api/v1/payments', { orderId: 1, userId: 1 });
      const first = await committedClaim(key, fingerprint, 'POST /test/fencing');
      expect(first.outcome).toBe('new');
      await t.query('UPDATE idempotency_keys SET lease_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?', [key]);
      const second = await committedClaim(key, fingerprint, 'POST /test/fencing');
      expect(second.outcome).toBe('new');
      if (first.outcome !== 'new' || second.outcome !== 'new') return;
      expect(second.claim.token).toBe(first.claim.token + 1);

      await expect(t.app.get(TransactionRunner).runNew(async (session) => idempotency.complete(session, first.claim, storeJson(200, { stale: true })))).rejects.toBeInstanceOf(IdempotencyKeyInProgressError);
      expect(await keyRow(key)).toMatchObject({ status: 'PROCESSING', fencing_token: 2, response_body: null });

      await t.app.get(TransactionRunner).runNew(async (session) => idempotency.complete(session, second.claim, storeJson(200, { fresh: true })));
      expect((await keyRow(key))!.response_body!.toString()).toBe('{"fresh":true}');
    });

    it('purges an expired key, after which the key counts as never seen', async () => {
      const user = await createUser(t, 50000);
      const [order, nextOrder] = [await createOrder(t, user.id), await createOrder(t, user.id)];
      const key = newKey();
      await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
      await t.query('UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?', [key]);

      await t.app.get(IdempotencyPurger).runOnce();
      expect(await keyRow(key)).toBeUndefined();

      // Used again for another order, it runs as new rather than replaying or answering 422. (This
      // process remembers the answer until the row's own expiry, which the test moved; another
      // process shows what every process shows once the TTL has really passed.)
      const res = await onAnotherProcess((client) => pay(t, key, { orderId: nextOrder.id, userId: user.id }, client).expect(200));
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 32000, payments: 2, paid: 18000 });
    });

    it('treats an expired key as new even before the purge has run', async () => {
      const user = await createUser(t, 50000);
      const [order, nextOrder] = [await createOrder(t, user.id), await createOrder(t, user.id)];
      const key = newKey();
      await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
      await t.query('UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?', [key]);
      const res = await onAnotherProcess((client) => pay(t, key, { orderId: nextOrder.id, userId: user.id }, client).expect(200));
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 32000, payments: 2, paid: 18000 });
    });

    it('releases a claim abandoned past its lease (counted), leaves a live one alone, and the next request with the key pays once', async () => {
      const user = await createUser(t, 50000);
      const order = await createOrder(t, user.id);
      const [abandoned, live] = [newKey(), newKey()];
      const body = { orderId: order.id, userId: user.id };
      await insertProcessing(abandoned, requestFingerprint('POST', '/api/v1/payments', body), -1);
      await insertProcessing(live, 'f'.repeat(64), 60_000);

      const run = await t.app.get(IdempotencyPurger).runOnce();
      expect(run.reaped).toBeGreaterThanOrEqual(1);
      expect(await keyRow(abandoned)).toMatchObject({ status: 'RELEASED', fencing_token: 1 });
      expect(await keyRow(live)).toMatchObject({ status: 'PROCESSING' });

      const res = await pay(t, abandoned, body).expect(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await keyRow(abandoned)).toMatchObject({ status: 'COMPLETED', fencing_token: 2 });
      expect(await ledgerOf(t, user.id)).toEqual({ balance: 41000, payments: 1, paid: 9000 });
      await t.query('DELETE FROM idempotency_keys WHERE idempotency_key = ?', [live]);
    });

    it('refuses the completion of a claim released while its process was only slow', async () => {
      const idempotency = t.app.get(IdempotencyService);
      const key = newKey();
      const slow = await committedClaim(key, 'e'.repeat(64), 'POST /test/reaped');
      if (slow.outcome !== 'new') throw new Error('expected a new claim');
      await t.query('UPDATE idempotency_keys SET lease_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?', [key]);
      expect(await t.app.get(IdempotencyPurger).reapAbandoned()).toBeGreaterThanOrEqual(1);
      await expect(t.app.get(TransactionRunner).runNew(async (session) => idempotency.complete(session, slow.claim, storeJson(200, { late: true })))).rejects.toBeInstanceOf(IdempotencyKeyInProgressError);
      expect(await keyRow(key)).toMatchObject({ status: 'RELEASED', response_body: null });
    });

    it('never purges a key whose lease is still running', async () => {
      const key = newKey();
      await insertProcessing(key, 'f'.repeat(64), 60_000);
      await t.query('UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?', [key]);
      await t.app.get(IdempotencyPurger).runOnce();
      expect(await keyRow(key)).toMatchObject({ status: 'PROCESSING' });
      await t.query('DELETE FROM idempotency_keys WHERE idempotency_key = ?', [key]);
    });
  });
});
