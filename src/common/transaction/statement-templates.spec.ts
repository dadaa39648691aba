import { describe, expect, it } from '@jest/globals';
import mysql from 'mysql2';
import { StatementTemplates, type Escaping } from './statement-templates.js';

/** The driver's own formatting, as a connection with the default settings does it. */
const driver: Escaping = {
  format: (sql, values) => mysql.format(sql, values as never),
  escape: (value) => mysql.escape(value as never),
};

const VALUES: unknown[] = [
  7, -1.5, 2 ** 53, 10n ** 20n, 0, true, false, null, undefined,
  '', 'kim', "it's", 'back\\slash', 'new\nline', '\u0000nul', '아메리카노 ☕', '?', '\u0000placeholder\u0000',
  new Date(Date.UTC(2026, 11, 1, 12, 30, 45, 678)), Buffer.from([0, 1, 255]),
  [1, 'a', null], [[1, 'x', 4500, 2], [1, 'y', 0, 1]],
];

const TEXTS = [
  'INSERT INTO idempotency_keys (account_id, scope_user_id, idempotency_key, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)',
  "SELECT '?' AS mark, ? AS value, `a?b` FROM t WHERE x = ? -- why? ?",
  'SELECT ? /* a comment? */ , "?" , ?',
  'UPDATE users SET balance = ? WHERE id = ?',
  'INSERT INTO order_items (order_id, name, unit_price, quantity) VALUES ?',
  'SET @payonce_carried_commit = ?',
];

describe('StatementTemplates', () => {
  it('formats every text and value exactly as the driver does, use after use', () => {
    const templates = new StatementTemplates();
    for (let round = 0; round < 5; round++) {
      for (const sql of TEXTS) {
        const placeholders = driver.format(sql, new Array(10).fill({ toSqlString: () => '\u0001' })).split('\u0001').length - 1;
        for (let i = 0; i < VALUES.length; i++) {
          const params = Array.from({ length: placeholders }, (_, j) => VALUES[(i + j * 7 + round) % VALUES.length]);
          expect(templates.format(driver, sql, params)).toBe(driver.format(sql, params));
        }
      }
    }
  });

  it('leaves to the driver what it formats by context: objects in a SET clause, identifiers, too few or too many values', () => {
    const templates = new StatementTemplates();
    const cases: [string, unknown[]][] = [
      ['UPDATE users SET ? WHERE id = ?', [{ name: 'kim', balance: 5 }, 1]],
      ['SELECT ?? FROM ?? WHERE id = ?', ['name', 'users', 1]],
      ['SELECT ?, ?', [1]],
      ['SELECT ?', [1, 2]],
      ['SELECT ?', [new Map([['a', 1]])]],
    ];
    for (let round = 0; round < 5; round++) for (const [sql, params] of cases) expect(templates.format(driver, sql, params)).toBe(driver.format(sql, params));
  });

  it('calls the driver\'s format only to split a text and check its first three uses', () => {
    let formats = 0;
    const counting: Escaping = { format: (sql, values) => (formats++, driver.format(sql, values)), escape: driver.escape };
    const templates = new StatementTemplates();
    for (let i = 0; i < 100; i++) templates.format(counting, TEXTS[0], [i, 0, `key-${i}`, 'f', new Date()]);
    expect(formats).toBe(4);
  });

  it('goes back to the driver for good once a template disagrees with it', () => {
    let formats = 0;
    const drifting: Escaping = {
      format: (sql, values) => (formats++, driver.format(sql, values)),
      // An escape that differs from what the driver's format writes: the check on first use catches it.
      escape: (value) => ` ${driver.escape(value)}`,
    };
    const templates = new StatementTemplates();
    for (let i = 0; i < 10; i++) expect(templates.format(drifting, 'SELECT ? AS n', [i])).toBe(`SELECT ${i} AS n`);
    // Once to split the text, once to check, then once a use.
    expect(formats).toBe(11);
  });
});
