import { Injectable } from '@nestjs/common';
import { canSee, type Caller } from '../auth/caller.js';
import { MAX_BALANCE } from '../common/money.js';
import type { RequestContext } from '../common/context/index.js';
import { TransactionRunner, type SqlSession } from '../common/transaction/index.js';
import type { UserEntity } from './user.entity.js';
import { BalanceLimitExceededError, UserNotFoundError } from './user.errors.js';
import { UserRepository } from './user.repository.js';

@Injectable()
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  create(context: RequestContext, caller: Caller, name: string): Promise<UserEntity> {
    return this.users.insert(this.transactions.session(context), caller.accountId, name);
  }

  /** The user, if the caller may see it; otherwise 404, exactly as for an id that does not exist. */
  async get(context: RequestContext, caller: Caller, id: number): Promise<UserEntity> {
    const user = await this.users.findInAccount(this.transactions.session(context), caller.accountId, id);
    if (!user || !canSee(caller, { accountId: user.accountId, userId: user.id })) throw new UserNotFoundError(id);
    return user;
  }

  /** Adds to the balance under the user's row lock and writes the ledger entry in the same transaction. */
  charge(context: RequestContext, caller: Caller, userId: number, amount: number): Promise<UserEntity> {
    return this.transactions.run(context, async (session) => {
      const user = await this.lockForUpdate(session, caller, userId);
      const balance = user.balance + amount;
      if (balance > MAX_BALANCE) throw new BalanceLimitExceededError(MAX_BALANCE);
      this.users.updateBalance(session, user, balance);
      this.users.recordCharge(session, user, amount);
      return user;
    });
  }

  /** The caller's user, row-locked for the rest of the transaction whose session is passed. */
  async lockForUpdate(session: SqlSession, caller: Caller, userId: number): Promise<UserEntity> {
    const user = await this.users.findInAccountForUpdate(session, caller.accountId, userId);
    if (!user || !canSee(caller, { accountId: user.accountId, userId: user.id })) throw new UserNotFoundError(userId);
    return user;
  }

  /** Takes money from a user the caller has locked (the caller checked that it is there); written with the transaction's next statement. */
  debit(session: SqlSession, user: UserEntity, amount: number): void {
    this.users.updateBalance(session, user, user.balance - amount);
  }
}
