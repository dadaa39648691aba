import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TransactionRunner } from '../common/transaction/index.js';
import { databaseConfig, type DatabaseConfig } from '../config/database.config.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { DatabaseOutageMonitor } from './database-outage.monitor.js';

/** The connection pool (migrations run at start-up), the transaction runner every module shares, and the outage monitor. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: DatabaseConfig) => buildDataSourceOptions(db),
    }),
  ],
  providers: [TransactionRunner, DatabaseOutageMonitor],
  exports: [TransactionRunner, DatabaseOutageMonitor],
})
export class DatabaseModule {}
