import { DataSource } from 'typeorm';
import type { TestApp } from './test-app.js';

/** Literals out, so that two round trips with other values read the same. */
export function shapeOf(sql: string): string {
  return sql
    .replace(/'(?:[^'\\]|\\.)*'/g, '?')
    .replace(/X'[0-9a-fA-F]*'/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Records every round trip the app's pool sends while `work` runs, as the server receives it (values in place). */
export async function recordRoundTrips(t: TestApp, work: () => Promise<unknown>): Promise<string[]> {
  const dataSource = t.app.get(DataSource);
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const seen: string[] = [];
  const format = (dataSource.driver as unknown as { mysql: { format: (sql: string, values?: unknown[]) => string } }).mysql.format;
  logger.logQuery = (query, parameters, runner) => {
    seen.push(format(query, Array.isArray(parameters) ? parameters : []));
    original(query, parameters, runner);
  };
  try {
    await work();
  } finally {
    logger.logQuery = original;
  }
  return seen;
}
