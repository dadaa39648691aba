import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUser } from './factories/index.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

describe('orders', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a PENDING order whose total the server computes, and reads it back', async () => {
    const user = await createUser(t);
    const items = [
      { name: 'latte', unitPrice: 5000, quantity: 2 },
      { name: 'bagel', unitPrice: 3200, quantity: 1 },
    ];
    const created = await t.http().post('/api/v1/orders').send({ userId: user.id, items }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      userId: user.id,
      items,
      totalAmount: 13200,
      status: 'PENDING',
      createdAt: expect.any(String),
    });
    const read = await t.http().get(`/api/v1/orders/${created.body.id}`).expect(200);
    expect(read.body).toEqual(created.body);
  });

  it('returns Korean and emoji item names byte for byte', async () => {
    const user = await createUser(t);
    const items = [
      { name: '떡볶이 🌶️', unitPrice: 4500, quantity: 2 },
      { name: '김밥 (참치) 🍙', unitPrice: 3000, quantity: 1 },
    ];
    const created = await t.http().post('/api/v1/orders').send({ userId: user.id, items }).expect(201);
    const read = await t.http().get(`/api/v1/orders/${created.body.id}`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    const text = (read.body as Buffer).toString('utf8');
    expect(text).toContain(Buffer.from('"떡볶이 🌶️"', 'utf8').toString('utf8'));
    expect(JSON.parse(text).items).toEqual(items);
  });

  it('answers 404 for an unknown order', async () => {
    const res = await t.http().get('/api/v1/orders/987654321').expect(404);
    expect(res.body).toEqual({ statusCode: 404, code: 'ORDER_NOT_FOUND', message: 'Order 987654321 does not exist', error: 'Not Found' });
  });

  it('answers 404 USER_NOT_FOUND for an order of an unknown user and writes nothing', async () => {
    const [before] = await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM orders');
    const res = await t.http().post('/api/v1/orders').send({ userId: 987654321, items: [{ name: 'x', unitPrice: 1, quantity: 1 }] }).expect(404);
    expect(res.body.code).toBe('USER_NOT_FOUND');
    const [after] = await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM orders');
    expect(after.n).toBe(before.n);
  });

  it.each([
    ['no items', []],
    ['items not an array', 'coffee'],
    ['an item without a name', [{ unitPrice: 100, quantity: 1 }]],
    ['a negative price', [{ name: 'x', unitPrice: -1, quantity: 1 }]],
    ['a fractional price', [{ name: 'x', unitPrice: 9.99, quantity: 1 }]],
    ['a price as a string', [{ name: 'x', unitPrice: '100', quantity: 1 }]],
    ['a zero quantity', [{ name: 'x', unitPrice: 100, quantity: 0 }]],
    ['a huge price', [{ name: 'x', unitPrice: 1e18, quantity: 1 }]],
    ['an unknown item field', [{ name: 'x', unitPrice: 100, quantity: 1, discount: 50 }]],
    ['101 items', Array.from({ length: 101 }, () => ({ name: 'x', unitPrice: 1, quantity: 1 }))],
  ])('refuses an order with %s (400, nothing written)', async (_label, items) => {
    const user = await createUser(t);
    const res = await t.http().post('/api/v1/orders').send({ userId: user.id, items }).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request' });
    expect(res.body.message).toMatch(/items/);
    const rows = await t.query('SELECT id FROM orders WHERE user_id = ?', [user.id]);
    expect(rows).toHaveLength(0);
  });

  it.each([
    ['a missing userId', { items: [{ name: 'x', unitPrice: 1, quantity: 1 }] }],
    ['a string userId', { userId: '1', items: [{ name: 'x', unitPrice: 1, quantity: 1 }] }],
    ['a client-supplied total', { userId: 1, totalAmount: 1, items: [{ name: 'x', unitPrice: 1, quantity: 1 }] }],
  ])('refuses an order with %s', async (_label, body) => {
    const res = await t.http().post('/api/v1/orders').send(body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});
