import { Logger } from '@nestjs/common';
import mysql from 'mysql2/promise';
import { driverCodeOf, isDatabaseUnreachable } from '../common/transaction/mysql-errors.js';
import type { DatabaseConfig, DatabaseHost } from '../config/database.config.js';

const RETRY_DELAY_MS = 1000;
const MAX_ATTEMPT_MS = 5000;

/**
 * Waits until the server answers, one log line per failed attempt, for up to
 * DB_CONNECT_TIMEOUT_MS: a database that starts after the app (a restarted host, compose
 * without health checks) is waited for instead of killing the app. Returns the server's
 * VERSION(). A server that answers with a refusal (a wrong password) fails at once.
 */
export async function waitForDatabase(db: DatabaseConfig, logger = new Logger('Database')): Promise<string> {
  const where = db.hosts.map((server) => `${server.host}:${server.port}`).join(', ');
  const deadline = Date.now() + db.connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await askServerVersion(db, Math.min(MAX_ATTEMPT_MS, Math.max(1000, deadline - Date.now())));
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      if (Date.now() + RETRY_DELAY_MS > deadline) {
        const failure = new Error(`database ${where} did not answer within ${db.connectTimeoutMs} ms (DB_CONNECT_TIMEOUT_MS) after ${attempt} attempts; last error: ${driverCodeOf(error)}`);
        // The message says it all; a stack trace would only bury it.
        failure.stack = `Error: ${failure.message}`;
        throw failure;
      }
      logger.warn(`database ${where} not answering (${driverCodeOf(error)}), attempt ${attempt}; retrying in ${RETRY_DELAY_MS / 1000} s, for up to ${db.connectTimeoutMs / 1000} s in all`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}

/**
 * VERSION() over a connection of its own (not the pool's) to the first host of DB_HOST that
 * answers, each given up after `connectTimeout` ms of connecting; the last host's error otherwise.
 */
export async function askServerVersion(db: DatabaseConfig, connectTimeout: number): Promise<string> {
  let lastError: unknown;
  for (const server of db.hosts) {
    try {
      return await askOneServer(db, server, connectTimeout);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function askOneServer(db: DatabaseConfig, server: DatabaseHost, connectTimeout: number): Promise<string> {
  const connection = await mysql.createConnection({ host: server.host, port: server.port, user: db.username, password: db.password, connectTimeout });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
    return String(rows[0].version);
  } finally {
    await connection.end().catch(() => undefined);
  }
}
