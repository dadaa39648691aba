// npm run audit: asks the database whether every payment happened exactly once and the money adds up.
// Exits 1 on any violation. Uses DB_* like the service (default: the private server's `payonce`).
import mysql from 'mysql2/promise';
import { auditScope, formatAudit, runAudit } from './lib/audit-checks.js';
import { connectionOptions, loadDotEnv } from './lib/db-config.js';

loadDotEnv();
const connection = await mysql.createConnection(connectionOptions());
try {
  const results = await runAudit(connection);
  console.log(formatAudit(await auditScope(connection), results));
  process.exitCode = results.some((r) => r.violations > 0) ? 1 : 0;
} finally {
  await connection.end();
}
