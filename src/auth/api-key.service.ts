import { Injectable } from '@nestjs/common';
import { NO_REQUEST } from '../common/context/index.js';
import { TransactionRunner } from '../common/transaction/index.js';
import { AmbiguousApiKeyError } from './auth.errors.js';
import { generateApiKey, hashApiKey, sameHash } from './api-key.js';
import { ApiKeyRepository } from './api-key.repository.js';
import type { Caller } from './caller.js';

export interface CreatedApiKey {
  /** The secret: shown to the operator once, never stored. */
  key: string;
  id: number;
  prefix: string;
  accountId: number;
  accountCreated: boolean;
}

/** Accounts' API keys: made, revoked and checked. Used by the auth guard, the apikey CLI and the development bootstrap. */
@Injectable()
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  /** A new key for the named account, creating the account when it is new. */
  create(accountName: string): Promise<CreatedApiKey> {
    return this.transactions.run(NO_REQUEST, async (session) => {
      const { account, created } = await this.keys.findOrCreateAccount(session, accountName);
      const { key, prefix, hash } = generateApiKey();
      const id = await this.keys.insertKey(session, account.id, prefix, hash);
      return { key, id, prefix, accountId: account.id, accountCreated: created };
    });
  }

  /** Registers a key that was made elsewhere (the development key kept in .data/); false when it was revoked. */
  adopt(accountName: string, key: string, prefix: string): Promise<boolean> {
    return this.transactions.run(NO_REQUEST, async (session) => {
      const existing = await this.keys.findByHash(session, hashApiKey(key));
      if (existing) return existing.revokedAt === null;
      const { account } = await this.keys.findOrCreateAccount(session, accountName);
      await this.keys.insertKey(session, account.id, prefix, hashApiKey(key));
      return true;
    });
  }

  /** Revokes the active key named by id or prefix; returns its prefix, or null when none matches. */
  revoke(reference: string): Promise<{ id: number; prefix: string } | null> {
    return this.transactions.run(NO_REQUEST, async (session) => {
      const matches = await this.keys.findActiveByReference(session, reference);
      if (matches.length === 0) return null;
      if (matches.length > 1) throw new AmbiguousApiKeyError(`${matches.length} active keys start with ${reference}; revoke by id`);
      await this.keys.revoke(session, matches[0].id, new Date());
      return { id: matches[0].id, prefix: matches[0].prefix };
    });
  }

  /** The caller a key stands for, or null when it is unknown or revoked. */
  async authenticate(key: string): Promise<Caller | null> {
    const hash = hashApiKey(key);
    const record = await this.keys.findByHash(this.transactions.pool, hash);
    // The lookup is by hash, so its timing says nothing about the key; the comparison is constant-time all the same.
    if (!record || record.revokedAt !== null || !sameHash(record.keyHash, hash)) return null;
    return { kind: 'api_key', accountId: record.accountId, apiKeyId: record.id };
  }
}
