import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUser } from './factories/index.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

describe('users and balances', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a user with a zero balance and reads it back', async () => {
    const created = await t.http().post('/api/v1/users').send({ name: 'kim' }).expect(201);
    expect(created.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(created.body).toEqual({ id: expect.any(Number), name: 'kim', balance: 0, createdAt: expect.any(String) });
    expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);

    const read = await t.http().get(`/api/v1/users/${created.body.id}`).expect(200);
    expect(read.body).toEqual(created.body);
  });

  it('keeps Korean and emoji names unchanged', async () => {
    const name = '김민지 🐯💳';
    const created = await t.http().post('/api/v1/users').send({ name }).expect(201);
    const read = await t.http().get(`/api/v1/users/${created.body.id}`).expect(200);
    expect(read.body.name).toBe(name);
    const [row] = await t.query<{ name: string }>('SELECT name FROM users WHERE id = ?', [created.body.id]);
    expect(row.name).toBe(name);
  });

  it('charges a balance and records the charge in the ledger', async () => {
    const user = await createUser(t);
    const first = await t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: 50000 }).expect(200);
    expect(first.body).toEqual({ userId: user.id, balance: 50000 });
    const second = await t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: 700 }).expect(200);
    expect(second.body).toEqual({ userId: user.id, balance: 50700 });

    const [ledger] = await t.query<{ n: string; total: string }>(
      'SELECT COUNT(*) AS n, SUM(amount) AS total FROM balance_charges WHERE user_id = ?',
      [user.id],
    );
    expect(Number(ledger.n)).toBe(2);
    expect(Number(ledger.total)).toBe(50700);
    const read = await t.http().get(`/api/v1/users/${user.id}`).expect(200);
    expect(read.body.balance).toBe(50700);
  });

  it('applies 50 concurrent charges of 100 exactly once each', async () => {
    const user = await createUser(t, 1000);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: 100 })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    // Every answer saw a distinct balance: the row lock serialised them.
    const balances = responses.map((r) => r.body.balance as number).sort((a, b) => a - b);
    expect(balances).toEqual(Array.from({ length: 50 }, (_, i) => 1100 + i * 100));

    const [row] = await t.query<{ balance: string }>('SELECT balance FROM users WHERE id = ?', [user.id]);
    expect(Number(row.balance)).toBe(6000);
    const [ledger] = await t.query<{ total: string }>('SELECT SUM(amount) AS total FROM balance_charges WHERE user_id = ?', [user.id]);
    expect(Number(ledger.total)).toBe(6000);
  });

  it('answers 404 USER_NOT_FOUND for unknown users, and charges nothing', async () => {
    const missing = 987654321;
    const read = await t.http().get(`/api/v1/users/${missing}`).expect(404);
    expect(read.body).toEqual({ statusCode: 404, code: 'USER_NOT_FOUND', message: `User ${missing} does not exist`, error: 'Not Found' });
    const charge = await t.http().post(`/api/v1/users/${missing}/balance/charge`).send({ amount: 100 }).expect(404);
    expect(charge.body.code).toBe('USER_NOT_FOUND');
    const [ledger] = await t.query<{ n: string }>('SELECT COUNT(*) AS n FROM balance_charges WHERE user_id = ?', [missing]);
    expect(Number(ledger.n)).toBe(0);
  });

  it.each([
    ['zero', 0],
    ['negative', -100],
    ['fractional', 10.5],
    ['string', '100'],
    ['huge', 1e20],
    ['above the per-charge limit', 1_000_000_001],
    ['null', null],
    ['boolean', true],
  ])('refuses a %s amount with 400 VALIDATION_FAILED and leaves the balance alone', async (_label, amount) => {
    const user = await createUser(t, 300);
    const res = await t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount }).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request' });
    expect(res.body.message).toContain('amount');
    const read = await t.http().get(`/api/v1/users/${user.id}`).expect(200);
    expect(read.body.balance).toBe(300);
  });

  it.each([
    ['missing name', {}],
    ['empty name', { name: '' }],
    ['numeric name', { name: 42 }],
    ['name over 100 characters', { name: 'x'.repeat(101) }],
    ['unknown field', { name: 'kim', balance: 1000000 }],
  ])('refuses a user with %s', async (_label, body) => {
    const res = await t.http().post('/api/v1/users').send(body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999999999999'])('refuses the path id %s with 400', async (id) => {
    const res = await t.http().get(`/api/v1/users/${id}`).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'id must be a positive integer in canonical decimal, at most 9007199254740991' });
  });
});
