export * from './mysql-errors.js';
export * from './transaction-runner.js';
