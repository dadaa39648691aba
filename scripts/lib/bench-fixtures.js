// Bench fixtures written straight into the database: users with a large balance (and the
// matching charge, so the audit's sums still hold) and PENDING orders to pay. Only the
// fixtures skip the API; every payment the bench measures goes through it.
//
// Ids are read back, never computed from insertId: a multi-row INSERT's ids need not be
// consecutive (under Galera they step by the cluster size, auto_increment_increment).

const BATCH = 1000;

const chunks = (items, size = BATCH) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Inserts `count` PENDING orders of `amount` spread over `users` fresh users of the account (in the `prefix`ed tables); returns [{orderId, userId}]. */
export async function createPayableOrders(pool, { accountId, count, users, amount, tag, prefix = '' }) {
  const userCount = Math.max(1, Math.min(users, count));
  const balance = Math.ceil(count / userCount) * amount;
  const now = new Date();
  const names = Array.from({ length: userCount }, (_, i) => `bench-${tag}-${i}`);
  const userIds = [];
  for (const batch of chunks(names)) {
    const [inserted] = await pool.query(`INSERT INTO ${prefix}users (account_id, name, balance, created_at) VALUES ?`, [batch.map((name) => [accountId, name, balance, now])]);
    // insertId is the first id of the batch: the rest are above it, though not necessarily next to it.
    const [rows] = await pool.query(`SELECT id, name FROM ${prefix}users WHERE id >= ? AND account_id = ? AND name IN (?)`, [inserted.insertId, accountId, batch]);
    const idOf = new Map(rows.map((row) => [row.name, Number(row.id)]));
    userIds.push(...batch.map((name) => idOf.get(name)));
  }
  if (userIds.some((id) => id === undefined)) throw new Error(`bench fixture ${tag}: some users were not found after their insert`);
  for (const batch of chunks(userIds)) {
    await pool.query(`INSERT INTO ${prefix}balance_charges (account_id, user_id, amount, created_at) VALUES ?`, [batch.map((id) => [accountId, id, balance, now])]);
  }
  // Owners take turns, so that consecutive orders lock different users.
  const owners = Array.from({ length: count }, (_, i) => userIds[i % userIds.length]);
  for (const batch of chunks(owners)) {
    await pool.query(`INSERT INTO ${prefix}orders (account_id, user_id, total_amount, status, created_at) VALUES ?`, [batch.map((userId) => [accountId, userId, amount, 'PENDING', now])]);
  }
  // The users are new, so every order they have is one of ours; by id is the order of insertion.
  const orders = [];
  for (const batch of chunks(userIds)) {
    const [rows] = await pool.query(`SELECT id, user_id FROM ${prefix}orders WHERE account_id = ? AND user_id IN (?)`, [accountId, batch]);
    orders.push(...rows.map((row) => ({ accountId, orderId: Number(row.id), userId: Number(row.user_id) })));
  }
  orders.sort((a, b) => a.orderId - b.orderId);
  if (orders.length !== count) throw new Error(`bench fixture ${tag}: ${orders.length} orders found after inserting ${count}`);
  for (const batch of chunks(orders)) {
    await pool.query(`INSERT INTO ${prefix}order_items (order_id, name, unit_price, quantity) VALUES ?`, [batch.map((order) => [order.orderId, 'bench item', amount, 1])]);
  }
  return orders;
}

/**
 * Waits until the database has finished the clean-up of the phases before, so that a latency
 * phase measures the service at its rate and not that: InnoDB's purge of old row versions (its
 * history list) and the write-back of the pages they dirtied (the page cleaner writes a batch
 * about once a second, and each batch stalled the answers of that moment: BENCHMARKS.md). Both
 * are status variables on MariaDB and MySQL 8.0.35+; where one is missing it does not wait on it.
 * Returns what it saw and how long it waited.
 */
export async function quietDatabase(pool, { historyBelow = 1000, dirtyPagesBelow = 500, timeoutMs = 30_000 } = {}) {
  const started = Date.now();
  const status = async () => {
    const [rows] = await pool.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_history_list_length', 'Innodb_buffer_pool_pages_dirty')");
    const value = (name) => Number(rows.find((row) => row.Variable_name === name)?.Value ?? 0);
    return { history: value('Innodb_history_list_length'), dirtyPages: value('Innodb_buffer_pool_pages_dirty') };
  };
  const before = await status();
  let now = before;
  while ((now.history >= historyBelow || now.dirtyPages >= dirtyPagesBelow) && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    now = await status();
  }
  return { before, after: now, waitedMs: Date.now() - started };
}
