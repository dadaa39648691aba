// What `npm run audit` asks the database. Each check returns the rows that break it (at most
// `sample` of them) and how many there are; zero everywhere means the exactly-once guarantee held.
// A check is a `failure` (money or a stored answer is wrong) unless it says `warning`: something
// to look at that moved no money.

const PAYMENT_ROUTE = 'POST /api/v1/payments';

export const CHECKS = [
  {
    name: 'no order has more than one payment',
    sql: `SELECT order_id AS id, COUNT(*) AS payments FROM payments GROUP BY order_id HAVING COUNT(*) > 1`,
  },
  {
    name: 'every PAID order has a payment',
    sql: `SELECT o.id FROM orders o LEFT JOIN payments p ON p.order_id = o.id WHERE o.status = 'PAID' AND p.id IS NULL`,
  },
  {
    name: "every payment's order is PAID, for the order's total, by its owner",
    sql: `SELECT p.id, o.status, p.amount, o.total_amount, p.user_id, o.user_id AS order_user_id
            FROM payments p JOIN orders o ON o.id = p.order_id
           WHERE o.status <> 'PAID' OR p.amount <> o.total_amount OR p.user_id <> o.user_id`,
  },
  {
    name: 'per user: balance + payments = charges',
    sql: `SELECT u.id, u.balance, COALESCE(c.total, 0) AS charged, COALESCE(p.total, 0) AS paid
            FROM users u
            LEFT JOIN (SELECT user_id, SUM(amount) AS total FROM balance_charges GROUP BY user_id) c ON c.user_id = u.id
            LEFT JOIN (SELECT user_id, SUM(amount) AS total FROM payments GROUP BY user_id) p ON p.user_id = u.id
           WHERE u.balance + COALESCE(p.total, 0) <> COALESCE(c.total, 0) OR u.balance < 0`,
  },
  {
    name: 'in total: Σ balances + Σ payments = Σ charges',
    sql: `SELECT b.total AS balances, p.total AS payments, c.total AS charges
            FROM (SELECT COALESCE(SUM(balance), 0) AS total FROM users) b,
                 (SELECT COALESCE(SUM(amount), 0) AS total FROM payments) p,
                 (SELECT COALESCE(SUM(amount), 0) AS total FROM balance_charges) c
           WHERE b.total + p.total <> c.total`,
  },
  {
    // A process died mid-request. Its claim holds no payment (a payment commits with its key's
    // completion); the reaper releases it, or a retry with the key takes it over.
    name: 'no abandoned claim: no key is PROCESSING past its lease',
    severity: 'warning',
    sql: `SELECT idempotency_key AS id, lease_expires_at FROM idempotency_keys
           WHERE status = 'PROCESSING' AND (lease_expires_at IS NULL OR lease_expires_at < UTC_TIMESTAMP(3))`,
  },
  {
    name: 'every COMPLETED payment key points at a payment that exists',
    sql: `SELECT k.idempotency_key AS id, JSON_VALUE(CONVERT(k.response_body USING utf8mb4), '$.id') AS payment_id
            FROM idempotency_keys k
            LEFT JOIN payments p
              ON p.id = JSON_VALUE(CONVERT(k.response_body USING utf8mb4), '$.id')
             AND p.order_id = JSON_VALUE(CONVERT(k.response_body USING utf8mb4), '$.orderId')
           WHERE k.status = 'COMPLETED' AND k.route = '${PAYMENT_ROUTE}' AND k.response_status = 200 AND p.id IS NULL`,
  },
];

/** Runs every check on a mysql2/promise connection; returns [{ name, violations, sample }]. */
export async function runAudit(connection, sample = 5) {
  const results = [];
  for (const check of CHECKS) {
    const [rows] = await connection.query(check.sql);
    results.push({ name: check.name, severity: check.severity ?? 'failure', violations: rows.length, sample: rows.slice(0, sample) });
  }
  return results;
}

/** The counts the audit looked at, so a clean result is seen to have checked something. */
export async function auditScope(connection) {
  const [[row]] = await connection.query(
    `SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM orders) AS orders,
            (SELECT COUNT(*) FROM payments) AS payments, (SELECT COUNT(*) FROM balance_charges) AS charges,
            (SELECT COUNT(*) FROM idempotency_keys) AS idempotency_keys`,
  );
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

/** True when a money check failed; warnings alone leave the audit passing. */
export function auditFailed(results) {
  return results.some((r) => r.violations > 0 && r.severity === 'failure');
}

export function formatAudit(scope, results) {
  const lines = [`audit of ${Object.entries(scope).map(([k, v]) => `${v} ${k}`).join(', ')}`];
  for (const r of results) {
    const mark = r.violations === 0 ? 'ok  ' : r.severity === 'warning' ? 'WARN' : 'FAIL';
    lines.push(`  ${mark} ${r.name}${r.violations ? ` — ${r.violations} ${r.severity === 'warning' ? 'warning' : 'violation'}(s), e.g. ${JSON.stringify(r.sample)}` : ''}`);
  }
  const failed = results.filter((r) => r.violations > 0 && r.severity === 'failure').length;
  const warned = results.filter((r) => r.violations > 0 && r.severity === 'warning').length;
  const warnings = warned ? ` (${warned} with warnings: no money moved)` : '';
  lines.push(failed === 0 ? `audit: ${results.length} checks passed${warnings}` : `audit: ${failed} of ${results.length} checks FAILED${warnings}`);
  return lines.join('\n');
}
