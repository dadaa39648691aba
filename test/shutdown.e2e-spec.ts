import { describe, expect, it } from '@jest/globals';
import mysql from 'mysql2/promise';
import { connectionOptions } from '../scripts/lib/db-config.js';
import { createOrder, createUser, newKey } from './factories/index.js';
import { startTestApp } from './setup/test-app.js';

describe('graceful shutdown', () => {
  it('lets a payment whose client has gone finish before the pool closes, so its key is not left PROCESSING', async () => {
    const t = await startTestApp();
    const user = await createUser(t, 50000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    const blocker = await mysql.createConnection(connectionOptions(process.env));
    try {
      // Hold the order's row lock, so the payment is mid-transaction when the shutdown starts.
      await blocker.beginTransaction();
      await blocker.query('SELECT id FROM orders WHERE id = ? FOR UPDATE', [order.id]);
      // The client gives up (as a load balancer or a closing browser tab does), the server goes on.
      const client = new AbortController();
      const abandoned = fetch(`${t.baseUrl}/api/v1/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${t.account.apiKey}` },
        body: JSON.stringify({ orderId: order.id, userId: user.id }),
        signal: client.signal,
      }).catch((error: Error) => error.name);
      for (let i = 0; i < 250; i++) {
        const [rows] = await blocker.query('SELECT status FROM idempotency_keys WHERE idempotency_key = ?', [key]);
        if ((rows as unknown[]).length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      client.abort();
      expect(await abandoned).toBe('AbortError');
      const closing = t.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await blocker.rollback();
      await closing;
      const [[row]] = (await blocker.query('SELECT status FROM idempotency_keys WHERE idempotency_key = ?', [key])) as [{ status: string }[], unknown];
      expect(row.status).toBe('COMPLETED');
      const [[payment]] = (await blocker.query('SELECT COUNT(*) AS n FROM payments WHERE order_id = ?', [order.id])) as [{ n: number }[], unknown];
      expect(Number(payment.n)).toBe(1);
    } finally {
      await blocker.end();
    }
  });
});
