import { randomUUID } from 'node:crypto';
import type { TestApp } from '../setup/test-app.js';

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
export async function createUser(t: TestApp, balance = 0): Promise<UserBody> {
  const created = await t.http().post('/api/v1/users').send({ name: `user-${randomUUID().slice(0, 8)}` }).expect(201);
  const user = created.body as UserBody;
  if (balance > 0) {
    await t.http().post(`/api/v1/users/${user.id}/balance/charge`).send({ amount: balance }).expect(200);
    user.balance = balance;
  }
  return user;
}

export async function createOrder(
  t: TestApp,
  userId: number,
  items = [{ name: 'coffee', unitPrice: 4500, quantity: 2 }],
): Promise<OrderBody> {
  const res = await t.http().post('/api/v1/orders').send({ userId, items }).expect(201);
  return res.body as OrderBody;
}
