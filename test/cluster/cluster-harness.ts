import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { SERVICE_ARGS } from '../../scripts/lib/app-process.js';
import { auditScope, runAudit } from '../../scripts/lib/audit-checks.js';
import { testDatabaseName } from '../../scripts/lib/db-config.js';
import { freePort } from '../../scripts/lib/load.js';

const run = promisify(execFile);

export const NODES = [1, 2, 3] as const;
export type Node = (typeof NODES)[number];
export const nodePort = (node: Node): number => Number(process.env.CLUSTER_SQL_PORT ?? 3341) + node - 1;
const credentials = { user: process.env.DB_USER ?? 'payonce', password: process.env.DB_PASSWORD ?? 'payonce' };
export const DATABASE = testDatabaseName();
/** Short, so that a takeover after a crash happens within the test. */
export const LEASE_MS = 4000;

/** The node's own address first, then the others: where the app process for `node` connects, and fails over to. */
export const hostsFor = (node: Node): string => [node, ...NODES.filter((n) => n !== node)].map((n) => `127.0.0.1:${nodePort(n)}`).join(',');

/** The environment of an app process (or CLI) on the cluster's test database. */
export function appEnv(node: Node, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DB_HOST: hostsFor(node),
    DB_NAME: DATABASE,
    DB_POOL_SIZE: '10',
    DB_HOST_RETRY_MS: '2000',
    AUTH_TOKEN_SECRET: 'cluster-test-secret-cluster-test-secret-0123456789',
    DEV_CREDENTIALS: 'off',
    LOG_LEVEL: 'warn',
    IDEMPOTENCY_LEASE_MS: String(LEASE_MS),
    ...extra,
  };
}

/** `bash scripts/cluster.sh …`; resolves with what it printed. */
export async function cluster(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('bash', ['scripts/cluster.sh', ...args], { env: process.env, maxBuffer: 1 << 20 });
  return stdout + stderr;
}

/** A new API key of a new account, made with the project's CLI on node 1. */
export async function createApiKey(): Promise<string> {
  const { stdout } = await run(process.execPath, ['dist/cli/apikey.js', 'create', `cluster-${randomUUID().slice(0, 8)}`], { env: appEnv(1) });
  return stdout.trim().split('\n').pop()!;
}

/** `node dist/main.js` as a child, connected to `node` first; the test keeps its pid and kills only it. */
export class AppProcess {
  private constructor(
    readonly node: Node,
    readonly url: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    readonly exited: Promise<void>,
  ) {}

  static async start(node: Node): Promise<AppProcess> {
    const port = await freePort();
    mkdirSync('.data/cluster', { recursive: true });
    const logFile = `.data/cluster/app-node${node}-${port}.log`;
    const log = openSync(logFile, 'w');
    const child = spawn(process.execPath, SERVICE_ARGS, { env: appEnv(node, { PORT: String(port), HOST: '127.0.0.1' }), stdio: ['ignore', log, log] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const app = new AppProcess(node, `http://127.0.0.1:${port}`, logFile, child, exited);
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`app on node ${node} exited at start-up; see ${logFile}`);
      if (await fetch(`${app.url}/health/live`).then((r) => r.ok, () => false)) return app;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`app on node ${node} did not come up; see ${logFile}`);
  }

  /** SIGKILL, as a crash: nothing is finished, nothing is released. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }

  /** How often its log names a retry reason, e.g. "certification conflict". */
  logCount(pattern: RegExp): number {
    return readFileSync(this.logFile, 'utf8').split('\n').filter((line) => pattern.test(line)).length;
  }
}

export interface Answer {
  status: number;
  body: string;
  replayed: boolean;
  /** The request never got an HTTP answer (connection refused or reset). */
  failed?: string;
}

export async function call(url: string, apiKey: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: await res.text(), replayed: res.headers.get('idempotent-replayed') === 'true' };
  } catch (error) {
    return { status: 0, body: '', replayed: false, failed: String(error) };
  }
}

export const codeOf = (answer: Answer): string | undefined => (answer.body.startsWith('{') ? (JSON.parse(answer.body) as { code?: string }).code : undefined);

/** A new user of the key's account, charged `balance` (and the order to pay, of `amount`). */
export async function userWithOrder(app: AppProcess, apiKey: string, balance: number, amount: number): Promise<{ userId: number; orderId: number }> {
  const user = JSON.parse((await call(app.url, apiKey, 'POST', '/api/v1/users', { name: `cluster-${randomUUID().slice(0, 8)}` })).body) as { id: number };
  await call(app.url, apiKey, 'POST', `/api/v1/users/${user.id}/balance/charge`, { amount: balance });
  const order = JSON.parse((await call(app.url, apiKey, 'POST', '/api/v1/orders', { userId: user.id, items: [{ name: '클러스터 🧾', unitPrice: amount, quantity: 1 }] })).body) as { id: number };
  return { userId: user.id, orderId: order.id };
}

export function nodeConnection(node: Node): Promise<mysql.Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port: nodePort(node), ...credentials, database: DATABASE, supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z' });
}

/** One query on every node that is up; rows by node. */
export async function onEveryNode<T>(sql: string, params: unknown[] = [], nodes: readonly Node[] = NODES): Promise<Map<Node, T[]>> {
  const results = new Map<Node, T[]>();
  for (const node of nodes) {
    const connection = await nodeConnection(node);
    try {
      results.set(node, (await connection.query(sql, params))[0] as T[]);
    } finally {
      await connection.end();
    }
  }
  return results;
}

/** What each node says after the fact: the audit's counts and its violations (wsrep_sync_wait makes each read wait for what the cluster committed). */
export async function auditEveryNode(nodes: readonly Node[] = NODES) {
  const byNode = new Map<Node, { scope: Record<string, number>; violations: Record<string, number> }>();
  for (const node of nodes) {
    const connection = await nodeConnection(node);
    try {
      const results = (await runAudit(connection)) as { name: string; violations: number }[];
      byNode.set(node, { scope: (await auditScope(connection)) as Record<string, number>, violations: Object.fromEntries(results.filter((r) => r.violations > 0).map((r) => [r.name, r.violations])) });
    } finally {
      await connection.end();
    }
  }
  return byNode;
}
