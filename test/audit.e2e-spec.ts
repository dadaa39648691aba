import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mysql from 'mysql2/promise';
import { spawnSync } from 'node:child_process';
import { auditFailed, runAudit } from '../scripts/lib/audit-checks.js';
import { connectionOptions } from '../scripts/lib/db-config.js';
import { createOrder, createUser, newKey, pay } from './factories/index.js';
import { startTestApp, type TestApp } from './setup/test-app.js';

describe('npm run audit', () => {
  let t: TestApp;
  let connection: mysql.Connection;
  const violationsOf = async () =>
    Object.fromEntries((await runAudit(connection)).map((r: { name: string; violations: number }) => [r.name, r.violations]));

  beforeAll(async () => {
    t = await startTestApp();
    connection = await mysql.createConnection(connectionOptions(process.env));
  });
  afterAll(async () => {
    await connection.end();
    await t.close();
  });

  it('finds nothing wrong after real payments, replays and refusals', async () => {
    const user = await createUser(t, 20000);
    const order = await createOrder(t, user.id);
    const key = newKey();
    await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    await pay(t, key, { orderId: order.id, userId: user.id }).expect(200);
    await pay(t, newKey(), { orderId: order.id, userId: user.id }).expect(409);
    const violations = await violationsOf();
    expect(Object.keys(violations)).toHaveLength(7);
    expect(Object.values(violations).every((n) => n === 0)).toBe(true);
  });

  it('names each broken invariant, seen inside a transaction that is rolled back', async () => {
    const user = await createUser(t, 20000);
    const [paidOrder, pendingOrder] = [await createOrder(t, user.id), await createOrder(t, user.id)];
    await pay(t, newKey(), { orderId: paidOrder.id, userId: user.id }).expect(200);

    await connection.beginTransaction();
    try {
      await connection.query(`UPDATE orders SET status = 'PAID' WHERE id = ?`, [pendingOrder.id]);
      await connection.query(`UPDATE orders SET status = 'PENDING' WHERE id = ?`, [paidOrder.id]);
      await connection.query('UPDATE users SET balance = balance + 1 WHERE id = ?', [user.id]);
      await connection.query(
        `INSERT INTO idempotency_keys (account_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
         VALUES (?, ?, REPEAT('a', 64), 'POST /api/v1/payments', 'PROCESSING', 1, UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)`,
        [t.account.accountId, newKey()],
      );
      await connection.query(
        `INSERT INTO idempotency_keys (account_id, idempotency_key, fingerprint, route, status, fencing_token, response_status, response_content_type, response_body, created_at, updated_at, expires_at)
         VALUES (?, ?, REPEAT('b', 64), 'POST /api/v1/payments', 'COMPLETED', 1, 200, 'application/json', '{"id":999999999,"orderId":1}', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)`,
        [t.account.accountId, newKey()],
      );
      const violations = await violationsOf();
      expect(violations).toEqual({
        'no order has more than one payment': 0,
        'every PAID order has a payment': 1,
        "every payment's order is PAID, for the order's total, by its owner": 1,
        'per user: balance + payments = charges': 1,
        'in total: Σ balances + Σ payments = Σ charges': 1,
        'no abandoned claim: no key is PROCESSING past its lease': 1,
        'every COMPLETED payment key points at a payment that exists': 1,
      });
    } finally {
      await connection.rollback();
    }
  });

  it('tells an abandoned claim (a warning, the audit passes) from a money violation (a failure)', async () => {
    const user = await createUser(t, 20000);
    await connection.beginTransaction();
    try {
      await connection.query(
        `INSERT INTO idempotency_keys (account_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
         VALUES (?, ?, REPEAT('a', 64), 'POST /api/v1/payments', 'PROCESSING', 1, UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)`,
        [t.account.accountId, newKey()],
      );
      const abandonedOnly = await runAudit(connection);
      expect(abandonedOnly.filter((r: { violations: number }) => r.violations > 0)).toEqual([
        expect.objectContaining({ name: 'no abandoned claim: no key is PROCESSING past its lease', severity: 'warning', violations: 1 }),
      ]);
      expect(auditFailed(abandonedOnly)).toBe(false);

      await connection.query('UPDATE users SET balance = balance + 1 WHERE id = ?', [user.id]);
      expect(auditFailed(await runAudit(connection))).toBe(true);
    } finally {
      await connection.rollback();
    }
  });

  it('npm run audit exits 0 with a WARN for an abandoned claim alone, and 1 with a FAIL for a money violation', async () => {
    const runScript = () => spawnSync(process.execPath, ['scripts/audit.js'], { env: process.env, encoding: 'utf8' });
    const user = await createUser(t, 20000);
    const key = newKey();
    // Committed, so that the script's own connection sees it; undone below whatever happens.
    await connection.query(
      `INSERT INTO idempotency_keys (account_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
       VALUES (?, ?, REPEAT('a', 64), 'POST /api/v1/payments', 'PROCESSING', 1, UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)`,
      [t.account.accountId, key],
    );
    try {
      const warned = runScript();
      expect(warned.stdout).toContain('WARN no abandoned claim');
      expect(warned.status).toBe(0);
      await connection.query('UPDATE users SET balance = balance + 1 WHERE id = ?', [user.id]);
      try {
        const failed = runScript();
        expect(failed.stdout).toContain('FAIL per user: balance + payments = charges');
        expect(failed.status).toBe(1);
      } finally {
        await connection.query('UPDATE users SET balance = balance - 1 WHERE id = ?', [user.id]);
      }
    } finally {
      await connection.query('DELETE FROM idempotency_keys WHERE idempotency_key = ?', [key]);
    }
  });
});
