import { Injectable } from '@nestjs/common';
import type { SqlSession } from '../common/transaction/index.js';
import { UserEntity } from './user.entity.js';

const COLUMNS = 'id, account_id, name, balance, created_at';

interface UserRow {
  id: string;
  account_id: string;
  name: string;
  balance: string;
  created_at: Date;
}

function toUser(row: UserRow): UserEntity {
  return Object.assign(new UserEntity(), {
    id: Number(row.id),
    accountId: Number(row.account_id),
    name: row.name,
    balance: Number(row.balance),
    createdAt: row.created_at,
  });
}

/** Users and their ledger, through the session each caller passes (a transaction, or the pool). */
@Injectable()
export class UserRepository {

  async insert(session: SqlSession, accountId: number, name: string): Promise<UserEntity> {
    const createdAt = new Date();
    const result = await session.send<{ insertId: number }>(
      'INSERT INTO users (account_id, name, balance, created_at) VALUES (?, ?, 0, ?)',
      [accountId, name, createdAt],
    );
    return Object.assign(new UserEntity(), { id: Number(result.insertId), accountId, name, balance: 0, createdAt });
  }

  /** The user if it belongs to the account; another account's user reads as none. */
  async findInAccount(session: SqlSession, accountId: number, id: number): Promise<UserEntity | null> {
    const rows = await session.send<UserRow[]>(`SELECT ${COLUMNS} FROM users WHERE id = ? AND account_id = ?`, [id, accountId]);
    return rows.length ? toUser(rows[0]) : null;
  }

  /** Locks the account's user row until the surrounding transaction ends; a transaction's session only. */
  async findInAccountForUpdate(session: SqlSession, accountId: number, id: number): Promise<UserEntity | null> {
    const rows = await session.send<UserRow[]>(`SELECT ${COLUMNS} FROM users WHERE id = ? AND account_id = ? FOR UPDATE`, [id, accountId]);
    return rows.length ? toUser(rows[0]) : null;
  }

  /** Queued: it goes out with the transaction's next statement. */
  updateBalance(session: SqlSession, user: UserEntity, balance: number): void {
    session.defer('UPDATE users SET balance = ? WHERE id = ?', [balance, user.id]);
    user.balance = balance;
  }

  /** Queued: it goes out with the transaction's next statement. */
  recordCharge(session: SqlSession, user: UserEntity, amount: number): void {
    session.defer('INSERT INTO balance_charges (account_id, user_id, amount, created_at) VALUES (?, ?, ?, ?)', [
      user.accountId,
      user.id,
      amount,
      new Date(),
    ]);
  }
}
