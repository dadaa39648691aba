import { Injectable } from '@nestjs/common';
import { canSee, type Caller } from '../auth/caller.js';
import { MAX_BALANCE } from '../common/money.js';
import { TransactionRunner } from '../common/transaction/index.js';
import type { UserEntity } from './user.entity.js';
import { BalanceLimitExceededError, UserNotFoundError } from './user.errors.js';
import { UserRepository } from './user.repository.js';

@Injectable()
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  create(caller: Caller, name: string): Promise<UserEntity> {
    return this.users.insert(caller.accountId, name);
  }

  /** The user, if the caller may see it; otherwise 404, exactly as for an id that does not exist. */
  async get(caller: Caller, id: number): Promise<UserEntity> {
    const user = await this.users.findInAccount(caller.accountId, id);
    if (!user || !canSee(caller, { accountId: user.accountId, userId: user.id })) throw new UserNotFoundError(id);
    return user;
  }

  /** Adds to the balance under the user's row lock and writes the ledger entry in the same transaction. */
  charge(caller: Caller, userId: number, amount: number): Promise<UserEntity> {
    return this.transactions.run(async () => {
      const user = await this.lockForUpdate(caller, userId);
      const balance = user.balance + amount;
      if (balance > MAX_BALANCE) throw new BalanceLimitExceededError(MAX_BALANCE);
      this.users.updateBalance(user, balance);
      this.users.recordCharge(user, amount);
      return user;
    });
  }

  /** The caller's user, row-locked for the rest of the caller's transaction. */
  async lockForUpdate(caller: Caller, userId: number): Promise<UserEntity> {
    const user = await this.users.findInAccountForUpdate(caller.accountId, userId);
    if (!user || !canSee(caller, { accountId: user.accountId, userId: user.id })) throw new UserNotFoundError(userId);
    return user;
  }

  /** Takes money from a user the caller has locked (the caller checked that it is there); written with the transaction's next statement. */
  debit(user: UserEntity, amount: number): void {
    this.users.updateBalance(user, user.balance - amount);
  }
}
