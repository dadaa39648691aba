import { randomUUID } from 'node:crypto';
import { bytes } from '../setup/raw-body.js';
import type { Client, TestApp } from '../setup/test-app.js';

export interface UserBody {
  id: number;
  name: string;
  balance: number;
  createdAt: string;
}

export interface OrderBody {
  id: number;
  userId: number;
  totalAmount: number;
  status: string;
  items: { name: string; unitPrice: number; quantity: number }[];
}

/** A new user (unique name), charged with `balance` when it is above zero. */
export async function createUser(t: TestApp, balance = 0, client: Client = t.http()): Promise<UserBody> {
  const created = await client.post('/api/v1/users').send({ name: `user-${randomUUID().slice(0, 8)}` }).expect(201);
  const user = created.body as UserBody;
  if (balance > 0) {
    await client.post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: balance }).expect(200);
    user.balance = balance;
  }
  return user;
}

export async function createOrder(
  t: TestApp,
  userId: number,
  items = [{ name: 'coffee', unitPrice: 4500, quantity: 2 }],
  client: Client = t.http(),
): Promise<OrderBody> {
  const res = await client.post('/api/v1/orders').send({ userId, items }).expect(201);
  return res.body as OrderBody;
}

/** Pays an order with the given key and keeps the answer's exact bytes in `body`. */
export function pay(t: TestApp, key: string | undefined, body: object | string, client: Client = t.http()) {
  const req = client.post('/api/v1/payments').set('Content-Type', 'application/json');
  if (key !== undefined) req.set('Idempotency-Key', key);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body)).buffer(true).parse(bytes);
}

export const newKey = (): string => randomUUID();

export function json(body: Buffer): Record<string, unknown> {
  return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
}

/** What the database says about one user and their payments. */
export async function ledgerOf(t: TestApp, userId: number) {
  const [row] = await t.query<{ balance: string; payments: string; paid: string | null }>(
    `SELECT u.balance,
            (SELECT COUNT(*) FROM payments p WHERE p.user_id = u.id) AS payments,
            (SELECT SUM(amount) FROM payments p WHERE p.user_id = u.id) AS paid
       FROM users u WHERE u.id = ?`,
    [userId],
  );
  return { balance: Number(row.balance), payments: Number(row.payments), paid: Number(row.paid ?? 0) };
}

/** A key claimed by a request that is still running (lease ahead) or whose process died (lease behind). */
export function insertProcessingKey(run: (sql: string, params: unknown[]) => Promise<unknown>, accountId: number, key: string, fingerprint: string, leaseOffsetMs: number) {
  return run(
    `INSERT INTO idempotency_keys
       (account_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
     VALUES (?, ?, ?, 'POST /api/v1/payments', 'PROCESSING', 1, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)`,
    [accountId, key, fingerprint, new Date(Date.now() + leaseOffsetMs)],
  );
}
