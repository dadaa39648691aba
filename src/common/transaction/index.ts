export * from './mysql-errors.js';
export * from './sql-session.js';
export * from './transaction-runner.js';
