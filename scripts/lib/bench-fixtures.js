// Bench fixtures written straight into the database: users with a large balance (and the
// matching charge, so the audit's sums still hold) and PENDING orders to pay. Only the
// fixtures skip the API; every payment the bench measures goes through it.

const BATCH = 1000;

/** Inserts `count` PENDING orders of `amount` spread over `users` fresh users of the account (in the `prefix`ed tables); returns [{orderId, userId}]. */
export async function createPayableOrders(pool, { accountId, count, users, amount, tag, prefix = '' }) {
  const userCount = Math.max(1, Math.min(users, count));
  const balance = Math.ceil(count / userCount) * amount;
  const now = new Date();
  const userIds = [];
  for (let i = 0; i < userCount; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, userCount - i) }, (_, j) => [accountId, `bench-${tag}-${i + j}`, balance, now]);
    const [result] = await pool.query(`INSERT INTO ${prefix}users (account_id, name, balance, created_at) VALUES ?`, [rows]);
    for (let j = 0; j < rows.length; j++) userIds.push(Number(result.insertId) + j);
  }
  for (let i = 0; i < userIds.length; i += BATCH) {
    const rows = userIds.slice(i, i + BATCH).map((id) => [accountId, id, balance, now]);
    await pool.query(`INSERT INTO ${prefix}balance_charges (account_id, user_id, amount, created_at) VALUES ?`, [rows]);
  }
  const orders = [];
  for (let i = 0; i < count; i += BATCH) {
    const owners = Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => userIds[(i + j) % userIds.length]);
    const [result] = await pool.query(`INSERT INTO ${prefix}orders (account_id, user_id, total_amount, status, created_at) VALUES ?`, [
      owners.map((userId) => [accountId, userId, amount, 'PENDING', now]),
    ]);
    const first = Number(result.insertId);
    await pool.query(`INSERT INTO ${prefix}order_items (order_id, name, unit_price, quantity) VALUES ?`, [
      owners.map((_, j) => [first + j, 'bench item', amount, 1]),
    ]);
    owners.forEach((userId, j) => orders.push({ accountId, orderId: first + j, userId }));
  }
  return orders;
}
