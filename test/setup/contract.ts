import { expect } from '@jest/globals';
import type { TestApp } from './test-app.js';

/** Every `code` a 4xx answer may carry: the contract's, ours, and those of a bare status. */
export const CLIENT_ERROR_CODES = new Set([
  'BAD_REQUEST', 'VALIDATION_FAILED', 'INVALID_JSON', 'IDEMPOTENCY_KEY_MISSING', 'IDEMPOTENCY_KEY_INVALID',
  'UNAUTHENTICATED', 'FORBIDDEN', 'ORDER_NOT_OWNED',
  'NOT_FOUND', 'USER_NOT_FOUND', 'ORDER_NOT_FOUND', 'PAYMENT_NOT_FOUND', 'METHOD_NOT_ALLOWED',
  'IDEMPOTENCY_KEY_IN_PROGRESS', 'ORDER_ALREADY_PAID', 'PAYLOAD_TOO_LARGE', 'URI_TOO_LONG', 'UNSUPPORTED_MEDIA_TYPE',
  'IDEMPOTENCY_KEY_REUSED', 'INSUFFICIENT_BALANCE', 'BALANCE_LIMIT_EXCEEDED', 'REQUEST_HEADER_FIELDS_TOO_LARGE',
]);

/** Asserts the contract's one error shape, with exactly these four fields. */
export function expectErrorBody(body: unknown, status: number, code?: string): void {
  expect(body).toEqual({ statusCode: status, code: code ?? expect.any(String), message: expect.any(String), error: expect.any(String) });
  if (status < 500) expect(CLIENT_ERROR_CODES).toContain((body as { code: string }).code);
}

const TABLES = ['users', 'orders', 'order_items', 'payments', 'balance_charges', 'idempotency_keys'] as const;

/** Rows in every table the API writes, to show that a refused request wrote nothing. */
export async function rowCounts(t: TestApp): Promise<Record<(typeof TABLES)[number], number>> {
  const [row] = await t.query<Record<string, string>>(`SELECT ${TABLES.map((table) => `(SELECT COUNT(*) FROM ${table}) AS ${table}`).join(', ')}`);
  return Object.fromEntries(TABLES.map((table) => [table, Number(row[table])])) as Record<(typeof TABLES)[number], number>;
}

/** Sum of every balance, so a refused charge shows it moved no money. */
export async function totalBalance(t: TestApp): Promise<number> {
  const [row] = await t.query<{ total: string | null }>('SELECT SUM(balance) AS total FROM users');
  return Number(row.total ?? 0);
}
