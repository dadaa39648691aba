import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup.js';
import { applyTestEnv } from './test-env.js';

export interface TestApp {
  app: NestFastifyApplication;
  /** A supertest agent bound to the app listening on 127.0.0.1, so requests can really run concurrently. */
  http: () => ReturnType<typeof request>;
  baseUrl: string;
  /** Ask the database what happened. */
  query: <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
}

/** Boots the real AppModule with the same pipes, filters and hooks as main.ts. */
export async function startTestApp(): Promise<TestApp> {
  applyTestEnv();
  const app = await createApp();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const dataSource = app.get(DataSource);
  return {
    app,
    baseUrl,
    http: () => request(baseUrl),
    query: (sql, params) => dataSource.query(sql, params),
    close: () => app.close(),
  };
}
