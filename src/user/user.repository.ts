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

  async insert(name: string): Promise<UserEntity> {
    const values = { name, balance: 0, createdAt: new Date() };
    // insert() writes the raw generated values (BIGINT strings) back into what it is given: give it a copy.
    const { identifiers } = await this.users.insert({ ...values });
    return this.users.create({ ...values, id: Number(identifiers[0].id) });
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** Locks the user row until the surrounding transaction ends; call inside TransactionRunner.run. */
  findByIdForUpdate(id: number): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async updateBalance(user: UserEntity, balance: number): Promise<void> {
    await this.transactions.manager.query('UPDATE users SET balance = ? WHERE id = ?', [balance, user.id]);
    user.balance = balance;
  }

  async recordCharge(userId: number, amount: number): Promise<void> {
    await this.transactions.manager.insert(BalanceChargeEntity, { userId, amount, createdAt: new Date() });
  }
}
