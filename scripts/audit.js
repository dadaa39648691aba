// npm run audit: asks the database whether every payment happened exactly once and the money adds up.
// Exits 1 on any money violation; a warning (an abandoned claim, which moved no money) leaves it at 0. Uses DB_* like the service (default: the private server's `payonce`).
import mysql from 'mysql2/promise';
import { auditFailed, auditScope, formatAudit, runAudit } from './lib/audit-checks.js';
import { connectionOptions, loadDotEnv } from './lib/db-config.js';

loadDotEnv();
const connection = await mysql.createConnection(connectionOptions());
try {
  const results = await runAudit(connection);
  console.log(formatAudit(await auditScope(connection), results));
  process.exitCode = auditFailed(results) ? 1 : 0;
} finally {
  await connection.end();
}
