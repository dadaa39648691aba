// The raw mysql2 baseline: the same statements the service sends for one new payment (the
// replay read, the claim transaction, then the payment transaction with the key's completion:
// 13 round trips, 14 on a server whose default isolation is not READ COMMITTED), with no HTTP and no framework. What the service reaches as a fraction of this is the cost of everything else.
import { createHash, randomUUID } from 'node:crypto';

const RESPONSE_TYPE = 'application/json; charset=utf-8';

/** Like the service, the claim names READ COMMITTED only when the server's default is another level. */
export async function needsIsolationStatement(connection) {
  const [[row]] = await connection.query('SELECT @@SESSION.tx_isolation AS level').catch(() => connection.query('SELECT @@SESSION.transaction_isolation AS level'));
  return row.level !== 'READ-COMMITTED';
}

export async function rawPayment(connection, { accountId, orderId, userId }, setIsolation, leaseMs = 30_000, ttlMs = 86_400_000) {
  const key = randomUUID();
  const body = JSON.stringify({ orderId, userId });
  const fingerprint = createHash('sha256').update(`POST /api/v1/payments\n${body}`).digest('hex');
  const now = new Date();

  // The replay fast path's read, then the claim.
  await connection.query('SELECT * FROM idempotency_keys WHERE account_id = ? AND scope_user_id = 0 AND idempotency_key = ? LIMIT 1', [accountId, key]);
  if (setIsolation) await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await connection.query('START TRANSACTION');
  await connection.query('SELECT * FROM idempotency_keys WHERE account_id = ? AND scope_user_id = 0 AND idempotency_key = ? LIMIT 1 FOR UPDATE', [accountId, key]);
  const [claimed] = await connection.query(
    `INSERT INTO idempotency_keys (account_id, scope_user_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
     VALUES (?, 0, ?, ?, 'POST /api/v1/payments', 'PROCESSING', 1, ?, ?, ?, ?)`,
    [accountId, key, fingerprint, new Date(now.getTime() + leaseMs), now, now, new Date(now.getTime() + ttlMs)],
  );
  await connection.query('COMMIT');

  // The payment, with the stored response, in one transaction at the server's default isolation.
  await connection.query('START TRANSACTION');
  try {
    const [[order]] = await connection.query('SELECT * FROM orders WHERE id = ? AND account_id = ? LIMIT 1 FOR UPDATE', [orderId, accountId]);
    const [[user]] = await connection.query('SELECT * FROM users WHERE id = ? AND account_id = ? LIMIT 1 FOR UPDATE', [userId, accountId]);
    const amount = Number(order.total_amount);
    if (order.status !== 'PENDING' || Number(user.balance) < amount) throw new Error(`order ${orderId} is not payable`);
    const paidAt = new Date();
    await connection.query('UPDATE users SET balance = ? WHERE id = ?', [Number(user.balance) - amount, userId]);
    const [inserted] = await connection.query(
      "INSERT INTO payments (account_id, order_id, user_id, amount, status, paid_at) VALUES (?, ?, ?, ?, 'COMPLETED', ?)",
      [accountId, orderId, userId, amount, paidAt],
    );
    await connection.query("UPDATE orders SET status = 'PAID', paid_at = ? WHERE id = ?", [paidAt, orderId]);
    const response = Buffer.from(
      JSON.stringify({ id: Number(inserted.insertId), orderId, userId, amount, status: 'COMPLETED', paidAt: paidAt.toISOString() }),
    );
    await connection.query(
      `UPDATE idempotency_keys SET status = 'COMPLETED', response_status = 200, response_content_type = ?, response_body = ?,
              lease_expires_at = NULL, updated_at = ? WHERE id = ? AND fencing_token = 1 AND status = 'PROCESSING'`,
      [RESPONSE_TYPE, response, paidAt, claimed.insertId],
    );
    await connection.query('COMMIT');
  } catch (error) {
    await connection.query('ROLLBACK');
    throw error;
  }
}

/** A plain read of a completed key: the floor under a replay that misses the in-memory cache. */
export async function rawReplayRead(connection, accountId, key) {
  const [[row]] = await connection.query('SELECT * FROM idempotency_keys WHERE account_id = ? AND scope_user_id = 0 AND idempotency_key = ? LIMIT 1', [accountId, key]);
  if (!row || row.status !== 'COMPLETED') throw new Error(`key ${key} is not completed`);
}
