import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { firstHost } from '../scripts/lib/db-config.js';
import { freePort } from '../scripts/lib/load.js';
import { databaseSettings } from '../src/config/database.config.js';
import { buildDataSourceOptions } from '../src/database/data-source-options.js';
import { applyTestEnv } from './setup/test-env.js';

/** DB_HOST as a list: the pool skips a host that refuses and serves from the next (a cluster's node that died). */
describe('DB_HOST with several hosts', () => {
  it('answers from the next host when the first refuses every connection, from start-up on', async () => {
    applyTestEnv();
    const server = firstHost();
    const closed = await freePort(); // nothing listens there: connections are refused
    const settings = databaseSettings({ ...process.env, DB_HOST: `127.0.0.1:${closed},${server.host}:${server.port}`, DB_POOL_SIZE: '4' });
    expect(settings.hosts).toHaveLength(2);
    const dataSource = new DataSource({ ...(await buildDataSourceOptions(settings)), migrationsRun: false });
    await dataSource.initialize();
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, () => dataSource.query<{ port: number }[]>('SELECT @@port AS port')));
      expect(answers.map((rows) => Number(rows[0].port))).toEqual(Array(8).fill(server.port));
      // A transaction too, as every request runs one.
      const runner = dataSource.createQueryRunner();
      await runner.startTransaction();
      expect(Number((await runner.query('SELECT @@port AS port'))[0].port)).toBe(server.port);
      await runner.rollbackTransaction();
      await runner.release();
    } finally {
      await dataSource.destroy();
    }
  });
});
