// The raw mysql2 baseline: the round trips the service sends for one new payment, statement for
// statement (test/bench/raw-baseline.e2e-spec.ts holds the two to the same shapes), with no HTTP,
// no framework and no ORM. What the service reaches as a fraction of this is the cost of everything else.
//   1 START TRANSACTION; the key's locking lookup            (the claim, at READ COMMITTED)
//   2 INSERT the PROCESSING key; COMMIT; mark the COMMIT      (the claim's end, on the same connection as)
//     START TRANSACTION; lock the order; lock the user       (the payment)
//   3 debit the user; INSERT the payment                     (its id goes into the answer)
//   4 mark the order PAID; store the answer under the key    (fenced by the token: the check after it
//     check that it changed one row; COMMIT                   fails otherwise, and the COMMIT never runs)
// The pool needs multipleStatements: true, as the service's has.
import { createHash, randomUUID } from 'node:crypto';

const RESPONSE_TYPE = 'application/json; charset=utf-8';
export const ROUND_TRIPS_PER_PAYMENT = 4;
// The service's check after a write that must change one row (ONE_ROW_CHECK, src/common/transaction/sql-session.ts).
const ONE_ROW_CHECK = 'SELECT ~0 + (ROW_COUNT() <> 1) AS one_row_changed';
/** Numbers the claims' COMMIT markers, as the service numbers its hand-overs. */
let claims = 0;

// The locking lookup as TypeORM builds it for IdempotencyRepository.findByKeyForUpdate.
const KEY_COLUMNS = ['id', 'account_id', 'scope_user_id', 'idempotency_key', 'fingerprint', 'route', 'status', 'fencing_token', 'lease_expires_at',
  'response_status', 'response_content_type', 'response_body', 'created_at', 'updated_at', 'expires_at'];
const lockKey = (prefix) =>
  `SELECT ${KEY_COLUMNS.map((c) => `\`k\`.\`${c}\` AS \`k_${c}\``).join(', ')} FROM \`${prefix}idempotency_keys\` \`k\` ` +
  'WHERE `k`.`account_id` = ? AND `k`.`scope_user_id` = ? AND `k`.`idempotency_key` = ? FOR UPDATE';

/** Like the service, the claim names READ COMMITTED only when the server's default is another level. */
export async function needsIsolationStatement(connection) {
  const [[row]] = await connection.query('SELECT @@SESSION.tx_isolation AS level').catch(() => connection.query('SELECT @@SESSION.transaction_isolation AS level'));
  return row.level !== 'READ-COMMITTED';
}

/** One round trip of several statements, each formatted (escaped) by the driver as the service's are. */
async function batch(connection, statements) {
  const sql = statements.map(([text, values = []]) => connection.format(text, values)).join(';\n');
  const [results] = await connection.query(sql);
  return statements.length === 1 ? [results] : results;
}

/**
 * One new payment, as the service sends it; returns the payment's answer. `prefix` names another
 * set of tables (the bench's peer pays on peer_users, peer_orders, ...).
 */
export async function rawPayment(connection, { accountId, orderId, userId }, setIsolation, { prefix = '', leaseMs = 30_000, ttlMs = 86_400_000 } = {}) {
  const key = randomUUID();
  const body = JSON.stringify({ orderId, userId });
  const fingerprint = createHash('sha256').update(`POST /api/v1/payments\n${body}`).digest('hex');
  const now = new Date();

  await batch(connection, [...(setIsolation ? [['SET TRANSACTION ISOLATION LEVEL READ COMMITTED']] : []), ['START TRANSACTION'], [lockKey(prefix), [accountId, 0, key]]]);
  try {
    const [, , , , [order], [user]] = await batch(connection, [
      [
        `INSERT INTO ${prefix}idempotency_keys
           (account_id, scope_user_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [accountId, 0, key, fingerprint, 'POST /api/v1/payments', 'PROCESSING', 1, new Date(now.getTime() + leaseMs), now, now, new Date(now.getTime() + ttlMs)],
      ],
      ['COMMIT'],
      ['SET @payonce_carried_commit = ?', [++claims]],
      ['START TRANSACTION'],
      [`SELECT id, account_id, user_id, total_amount, status, created_at, paid_at FROM ${prefix}orders WHERE id = ? AND account_id = ? FOR UPDATE`, [orderId, accountId]],
      [`SELECT id, account_id, name, balance, created_at FROM ${prefix}users WHERE id = ? AND account_id = ? FOR UPDATE`, [userId, accountId]],
    ]);
    const amount = Number(order.total_amount);
    if (order.status !== 'PENDING' || Number(user.balance) < amount) throw new Error(`order ${orderId} is not payable`);
    const paidAt = new Date();
    const [, inserted] = await batch(connection, [
      [`UPDATE ${prefix}users SET balance = ? WHERE id = ?`, [Number(user.balance) - amount, userId]],
      [`INSERT INTO ${prefix}payments (account_id, order_id, user_id, amount, status, paid_at) VALUES (?, ?, ?, ?, ?, ?)`, [accountId, orderId, userId, amount, 'COMPLETED', paidAt]],
    ]);
    const payment = { id: Number(inserted.insertId), orderId, userId, amount, status: 'COMPLETED', paidAt: paidAt.toISOString() };
    const response = Buffer.from(JSON.stringify(payment));
    await batch(connection, [
      [`UPDATE ${prefix}orders SET status = ?, paid_at = ? WHERE id = ?`, ['PAID', paidAt, orderId]],
      [
        `UPDATE ${prefix}idempotency_keys
            SET status = ?, response_status = ?, response_content_type = ?, response_body = ?, lease_expires_at = NULL, updated_at = ?
          WHERE account_id = ? AND scope_user_id = ? AND idempotency_key = ? AND fencing_token = ? AND status = ?`,
        ['COMPLETED', 200, RESPONSE_TYPE, response, new Date(), accountId, 0, key, 1, 'PROCESSING'],
      ],
      // Fails (1690) when the key was taken over, and the COMMIT after it does not run.
      [ONE_ROW_CHECK],
      ['COMMIT'],
    ]);
    return payment;
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
