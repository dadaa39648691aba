import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup.js';
import { ApiKeyService } from '../../src/auth/api-key.service.js';
import { UserTokenService } from '../../src/auth/user-token.service.js';
import { applyTestEnv } from './test-env.js';

type Agent = ReturnType<typeof request>;
/** The supertest methods the suites use, each request sent with a credential when there is one. */
export type Client = Pick<Agent, 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options'>;

export interface TestAccount {
  accountId: number;
  apiKey: string;
  /** Requests with this account's API key. */
  http: () => Client;
}

export interface TestApp {
  app: NestFastifyApplication;
  /** A supertest client of the app listening on 127.0.0.1 (so requests really run concurrently), with the test account's API key. */
  http: () => Client;
  /** The same without any credential. */
  anon: () => Client;
  /** Requests with any Authorization value (a user token, a bad credential). */
  as: (credential: string) => Client;
  /** The account behind `http()`. */
  account: TestAccount;
  /** A further account with its own key: what another customer of payonce sees. */
  newAccount: () => Promise<TestAccount>;
  /** A user token for one of an account's users. */
  userToken: (accountId: number, userId: number) => Promise<string>;
  baseUrl: string;
  /** Ask the database what happened. */
  query: <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
}

function client(baseUrl: string, authorization?: string): Client {
  const agent = request(baseUrl);
  const withAuth = <M extends keyof Client>(method: M) =>
    ((url: string) => {
      const test = agent[method](url);
      return authorization === undefined ? test : test.set('Authorization', authorization);
    }) as Client[M];
  return { get: withAuth('get'), post: withAuth('post'), put: withAuth('put'), patch: withAuth('patch'), delete: withAuth('delete'), options: withAuth('options') };
}

/** Boots the real AppModule with the same pipes, filters, guards and hooks as main.ts, and gives it an account. */
export async function startTestApp(): Promise<TestApp> {
  applyTestEnv();
  const app = await createApp();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const dataSource = app.get(DataSource);
  const newAccount = async (): Promise<TestAccount> => {
    const { key, accountId } = await app.get(ApiKeyService).create(`test-${randomUUID()}`);
    return { accountId, apiKey: key, http: () => client(baseUrl, `Bearer ${key}`) };
  };
  const account = await newAccount();
  return {
    app,
    baseUrl,
    account,
    newAccount,
    http: account.http,
    anon: () => client(baseUrl),
    as: (credential) => client(baseUrl, credential),
    userToken: async (accountId, userId) => (await app.get(UserTokenService).mint(accountId, userId)).token,
    query: (sql, params) => dataSource.query(sql, params),
    close: () => app.close(),
  };
}
