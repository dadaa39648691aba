import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import type { SqlSession } from '../common/transaction/index.js';
import { AccountEntity } from './account.entity.js';
import { ApiKeyEntity } from './api-key.entity.js';

/** accounts and api_keys, through the session each caller passes (a transaction, or the pool). */
@Injectable()
export class ApiKeyRepository {
  /** The account of that name, created when new; `created` says which. */
  async findOrCreateAccount(session: SqlSession, name: string): Promise<{ account: AccountEntity; created: boolean }> {
    const result = await session.send<{ affectedRows: number }>('INSERT IGNORE INTO accounts (name, created_at) VALUES (?, ?)', [name, new Date()]);
    const account = await (await session.orm()).findOneByOrFail(AccountEntity, { name });
    return { account, created: result.affectedRows === 1 };
  }

  async insertKey(session: SqlSession, accountId: number, prefix: string, keyHash: string): Promise<number> {
    const result = await session.send<{ insertId: number }>(
      'INSERT INTO api_keys (account_id, prefix, key_hash, created_at) VALUES (?, ?, ?, ?)',
      [accountId, prefix, keyHash, new Date()],
    );
    return Number(result.insertId);
  }

  async findByHash(session: SqlSession, keyHash: string): Promise<ApiKeyEntity | null> {
    return (await session.orm()).findOneBy(ApiKeyEntity, { keyHash });
  }

  /** Active keys that an operator's reference names: an id, or a displayed prefix. */
  async findActiveByReference(session: SqlSession, reference: string): Promise<ApiKeyEntity[]> {
    const where = /^[1-9][0-9]{0,18}$/.test(reference) ? { id: Number(reference) } : { prefix: reference };
    return (await session.orm()).find(ApiKeyEntity, { where: { ...where, revokedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
  }

  async revoke(session: SqlSession, id: number, at: Date): Promise<void> {
    await session.send('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
  }
}
