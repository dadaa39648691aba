import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mysql from 'mysql2/promise';
import { runAudit } from '../../scripts/lib/audit-checks.js';
import { createPayableOrders, quietDatabase } from '../../scripts/lib/bench-fixtures.js';
import { connectionOptions } from '../../scripts/lib/db-config.js';
import { ledgerOf, newKey, pay } from '../factories/index.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/** Under Galera a multi-row INSERT's ids step by the cluster size; the fixtures must not assume they are consecutive. */
describe("the bench's fixtures", () => {
  let t: TestApp;
  let connection: mysql.Connection;
  beforeAll(async () => {
    t = await startTestApp();
    connection = await mysql.createConnection(connectionOptions(process.env));
    // What a three-node Galera cluster sets on its second node.
    await connection.query('SET SESSION auto_increment_increment = 3, auto_increment_offset = 2');
  });
  afterAll(async () => {
    await connection.end();
    await t.close();
  });

  it('make payable orders of their own users, each charged for its balance, when ids are not consecutive', async () => {
    const orders = await createPayableOrders(connection, { accountId: t.account.accountId, count: 25, users: 10, amount: 9000, tag: `gaps-${Date.now()}` });
    expect(orders).toHaveLength(25);
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(25);

    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT o.id, o.user_id, o.status, u.balance, (SELECT SUM(amount) FROM balance_charges c WHERE c.user_id = u.id) AS charged,
              (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS items
         FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id IN (?)`,
      [orders.map((o) => o.orderId)],
    );
    const byId = new Map(rows.map((row) => [Number(row.id), row]));
    for (const order of orders) {
      const row = byId.get(order.orderId)!;
      expect({ user: Number(row.user_id), status: row.status, items: Number(row.items) }).toEqual({ user: order.userId, status: 'PENDING', items: 1 });
      expect(Number(row.balance)).toBe(Number(row.charged));
    }
    // Three orders per user at most (25 over 10): the balance covers them all.
    expect(Number(rows[0].balance)).toBe(3 * 9000);

    const first = orders[0];
    await pay(t, newKey(), { orderId: first.orderId, userId: first.userId }).expect(200);
    expect(await ledgerOf(t, first.userId)).toMatchObject({ payments: 1, balance: 2 * 9000 });
    expect((await runAudit(connection)).filter((check: { violations: number }) => check.violations > 0)).toEqual([]);
  });

  it("waits for the server's purge and page write-back as the server reports them, and no longer than it is told", async () => {
    const settled = await quietDatabase(connection, { historyBelow: Number.MAX_SAFE_INTEGER, dirtyPagesBelow: Number.MAX_SAFE_INTEGER });
    expect(settled.waitedMs).toBeLessThan(1000);
    expect(Number.isInteger(settled.after.history) && Number.isInteger(settled.after.dirtyPages)).toBe(true);
    // Nothing is ever below zero: it waits out its bound.
    const bounded = await quietDatabase(connection, { historyBelow: 0, dirtyPagesBelow: 0, timeoutMs: 600 });
    expect(bounded.waitedMs).toBeGreaterThanOrEqual(600);
    expect(bounded.waitedMs).toBeLessThan(2000);
  });
});
