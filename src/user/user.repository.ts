import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../common/transaction/index.js';
import { BalanceChargeEntity } from './balance-charge.entity.js';
import { UserEntity } from './user.entity.js';

/** Users and their ledger, always through the manager of the transaction in progress. */
@Injectable()
export class UserRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  private get users() {
    return this.transactions.manager.getRepository(UserEntity);
  }

  async insert(accountId: number, name: string): Promise<UserEntity> {
    const values = { accountId, name, balance: 0, createdAt: new Date() };
    // insert() writes the raw generated values (BIGINT strings) back into what it is given: give it a copy.
    const { identifiers } = await this.users.insert({ ...values });
    return this.users.create({ ...values, id: Number(identifiers[0].id) });
  }

  /** The user if it belongs to the account; another account's user reads as none. */
  findInAccount(accountId: number, id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id, accountId });
  }

  /** Locks the account's user row until the surrounding transaction ends; call inside TransactionRunner.run. */
  findInAccountForUpdate(accountId: number, id: number): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
  }

  async updateBalance(user: UserEntity, balance: number): Promise<void> {
    await this.transactions.manager.query('UPDATE users SET balance = ? WHERE id = ?', [balance, user.id]);
    user.balance = balance;
  }

  async recordCharge(user: UserEntity, amount: number): Promise<void> {
    await this.transactions.manager.insert(BalanceChargeEntity, { accountId: user.accountId, userId: user.id, amount, createdAt: new Date() });
  }
}
