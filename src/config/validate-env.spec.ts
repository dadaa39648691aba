import { describe, expect, it } from '@jest/globals';
import { DatabaseEnv, databaseSettings } from './database.config.js';
import { validateEnv } from './validate-env.js';

describe('validateEnv', () => {
  it('fills defaults that point at the private server', () => {
    expect(databaseSettings({})).toMatchObject({ host: '127.0.0.1', port: 3307, username: 'payonce', database: 'payonce', type: undefined });
  });

  it('reads numbers and names from the environment', () => {
    expect(databaseSettings({ DB_HOST: 'db', DB_PORT: '3306', DB_TYPE: 'mysql' })).toMatchObject({ host: 'db', port: 3306, type: 'mysql' });
  });

  it('stops with a message that names the bad variable', () => {
    expect(() => validateEnv(DatabaseEnv, { DB_PORT: 'not-a-port' })).toThrow(/DB_PORT/);
    expect(() => validateEnv(DatabaseEnv, { DB_TYPE: 'postgres' })).toThrow(/DB_TYPE/);
    expect(() => validateEnv(DatabaseEnv, { DB_POOL_SIZE: '0' })).toThrow(/DB_POOL_SIZE/);
  });
});
