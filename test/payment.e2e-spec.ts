import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createOrder, createUser, json, ledgerOf, newKey, pay } from './factories/index.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

describe('payments', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('debits the user, marks the order PAID and records the payment', async () => {
    const user = await createUser(t, 20000);
    const order = await createOrder(t, user.id);
    const res = await pay(t, newKey(), { orderId: order.id, userId: user.id }).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const payment = json(res.body);
    expect(payment).toEqual({ id: expect.any(Number), orderId: order.id, userId: user.id, amount: 9000, status: 'COMPLETED', paidAt: expect.any(String) });

    expect(await ledgerOf(t, user.id)).toEqual({ balance: 11000, payments: 1, paid: 9000 });
    const read = await t.http().get(`/api/v1/orders/${order.id}`).expect(200);
    expect(read.body.status).toBe('PAID');
    const fetched = await t.http().get(`/api/v1/payments/${payment.id}`).expect(200);
    expect(fetched.body).toEqual(payment);
  });

  it('answers 404 PAYMENT_NOT_FOUND for an unknown payment', async () => {
    const res = await t.http().get('/api/v1/payments/987654321').expect(404);
    expect(res.body.code).toBe('PAYMENT_NOT_FOUND');
  });

  it('refuses an unknown order with 404 ORDER_NOT_FOUND', async () => {
    const user = await createUser(t, 20000);
    const res = await pay(t, newKey(), { orderId: 987654321, userId: user.id }).expect(404);
    expect(json(res.body)).toMatchObject({ statusCode: 404, code: 'ORDER_NOT_FOUND', error: 'Not Found' });
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 20000, payments: 0, paid: 0 });
  });

  it("refuses someone else's order with 403 ORDER_NOT_OWNED", async () => {
    const owner = await createUser(t, 20000);
    const other = await createUser(t, 20000);
    const order = await createOrder(t, owner.id);
    const res = await pay(t, newKey(), { orderId: order.id, userId: other.id }).expect(403);
    expect(json(res.body)).toMatchObject({ code: 'ORDER_NOT_OWNED' });
    expect(await ledgerOf(t, other.id)).toEqual({ balance: 20000, payments: 0, paid: 0 });
    expect(await ledgerOf(t, owner.id)).toEqual({ balance: 20000, payments: 0, paid: 0 });
  });

  it('refuses a second payment of the same order under another key with 409 ORDER_ALREADY_PAID', async () => {
    const user = await createUser(t, 20000);
    const order = await createOrder(t, user.id);
    await pay(t, newKey(), { orderId: order.id, userId: user.id }).expect(200);
    const res = await pay(t, newKey(), { orderId: order.id, userId: user.id }).expect(409);
    expect(json(res.body)).toMatchObject({ code: 'ORDER_ALREADY_PAID' });
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 11000, payments: 1, paid: 9000 });
  });

  it('refuses a payment larger than the balance with 422 INSUFFICIENT_BALANCE', async () => {
    const user = await createUser(t, 8999);
    const order = await createOrder(t, user.id);
    const res = await pay(t, newKey(), { orderId: order.id, userId: user.id }).expect(422);
    expect(json(res.body)).toEqual({
      statusCode: 422,
      code: 'INSUFFICIENT_BALANCE',
      message: 'Balance 8999 is lower than the amount 9000',
      error: 'Unprocessable Entity',
    });
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 8999, payments: 0, paid: 0 });
  });

  it('pays an order that costs exactly the balance', async () => {
    const user = await createUser(t, 9000);
    const order = await createOrder(t, user.id);
    await pay(t, newKey(), { orderId: order.id, userId: user.id }).expect(200);
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 0, payments: 1, paid: 9000 });
  });

  it.each([
    ['a missing orderId', { userId: 1 }],
    ['a string orderId', { orderId: '1', userId: 1 }],
    ['a negative userId', { orderId: 1, userId: -1 }],
    ['a fractional orderId', { orderId: 1.5, userId: 1 }],
    ['an unknown field', { orderId: 1, userId: 1, amount: 1 }],
  ])('refuses %s with 400 and stores nothing under the key', async (_label, body) => {
    const key = newKey();
    const res = await pay(t, key, body).expect(400);
    expect(json(res.body)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await t.query('SELECT id FROM idempotency_keys WHERE idempotency_key = ?', [key])).toHaveLength(0);
  });

  it('pays every one of 20 orders of one user paid concurrently, and the sums add up', async () => {
    const user = await createUser(t, 200000);
    const orders = await Promise.all(Array.from({ length: 20 }, () => createOrder(t, user.id)));
    const answers = await Promise.all(orders.map((order) => pay(t, newKey(), { orderId: order.id, userId: user.id })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(await ledgerOf(t, user.id)).toEqual({ balance: 200000 - 20 * 9000, payments: 20, paid: 20 * 9000 });
  });
});
