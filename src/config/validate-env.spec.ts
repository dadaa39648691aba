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

  it('reads a list of hosts, in order, with DB_PORT where a port is missing', () => {
    const settings = databaseSettings({ DB_HOST: '127.0.0.1:3341, db2 ,db3:3343', DB_PORT: '3306' });
    expect(settings.hosts).toEqual([
      { host: '127.0.0.1', port: 3341 },
      { host: 'db2', port: 3306 },
      { host: 'db3', port: 3343 },
    ]);
    expect(settings).toMatchObject({ host: '127.0.0.1', port: 3341, hostRetryMs: 5000 });
    expect(databaseSettings({}).hosts).toEqual([{ host: '127.0.0.1', port: 3307 }]);
  });

  it('refuses a host list with an empty entry, a bad port or spaces inside a name', () => {
    for (const DB_HOST of ['a:3306,', 'a:0', 'a:65536', 'a:33o6', 'a b', ',a', 'a::1']) {
      expect(() => validateEnv(DatabaseEnv, { DB_HOST })).toThrow(/DB_HOST: must be a host, or a comma-separated list/);
    }
    expect(() => validateEnv(DatabaseEnv, { DB_HOST_RETRY_MS: '10' })).toThrow(/DB_HOST_RETRY_MS/);
  });

  it('stops with a message that names the bad variable', () => {
    expect(() => validateEnv(DatabaseEnv, { DB_PORT: 'not-a-port' })).toThrow(/DB_PORT/);
    expect(() => validateEnv(DatabaseEnv, { DB_TYPE: 'postgres' })).toThrow(/DB_TYPE/);
    expect(() => validateEnv(DatabaseEnv, { DB_POOL_SIZE: '0' })).toThrow(/DB_POOL_SIZE/);
  });
});
