import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with the next POST /api/v1/payments:
 * - forward: pass it on and pass the answer back;
 * - answer-503: answer 503 DATABASE_BUSY itself, the server never sees it;
 * - answer-401: answer 401 UNAUTHENTICATED itself, as for a token that expired on the way;
 * - drop-after-commit: pass it on, wait for the server's whole answer (it has committed), then cut the browser's connection;
 * - drop-while-running: pass it on and cut the browser's connection while the server is still working on it;
 * - hold: pass it on, and never answer the browser (a reload or a closed tab ends the wait).
 */
export type PaymentPlan = 'forward' | 'answer-503' | 'answer-401' | 'drop-after-commit' | 'drop-while-running' | 'hold';

export interface ProxiedPayment {
  key: string | undefined;
  plan: PaymentPlan;
  /** What the server answered (undefined until it has, or when it never saw the request). */
  status?: number;
  code?: string;
  replayed?: boolean;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const PAYMENTS = '/api/v1/payments';
// Hop-by-hop headers are the proxy's own business; every answer closes its connection so that
// the browser opens a fresh one per request, and a cut connection is a failure the page itself sees
// (on a reused keep-alive connection Chromium would silently resend the request).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** An HTTP proxy on 127.0.0.1 in front of the app, that loses, fakes or holds payment answers as a test plans. */
export class FlakyProxy {
  /** Consumed one per payment request; forward when empty. */
  readonly plans: PaymentPlan[] = [];
  readonly payments: ProxiedPayment[] = [];
  /** Runs before a payment request is passed on, with its parsed body (a test may take a lock there). */
  beforePayment?: (body: { orderId: number; userId: number }) => Promise<void>;
  private server?: Server;
  private readonly upstream: URL;

  constructor(upstream: string) {
    this.upstream = new URL(upstream);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Forgets the previous test's plans and payments. */
  reset(...plans: PaymentPlan[]): void {
    this.plans.splice(0, this.plans.length, ...plans);
    this.payments.splice(0, this.payments.length);
    this.beforePayment = undefined;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    if (req.method !== 'POST' || req.url !== PAYMENTS) return this.reply(res, await this.forward(req, body));

    const payment: ProxiedPayment = { key: header(req.headers['idempotency-key']), plan: this.plans.shift() ?? 'forward' };
    this.payments.push(payment);
    if (payment.plan === 'answer-503') {
      return this.reply(res, fakeError(503, 'DATABASE_BUSY', 'The database is busy; nothing was changed, please retry', 'Service Unavailable', { 'retry-after': '0' }));
    }
    if (payment.plan === 'answer-401') {
      return this.reply(res, fakeError(401, 'UNAUTHENTICATED', 'The user token has expired', 'Unauthorized', { 'www-authenticate': 'Bearer realm="payonce", error="invalid_token"' }));
    }
    await this.beforePayment?.(JSON.parse(body.toString('utf8')) as { orderId: number; userId: number });
    const answered = this.forward(req, body).then((answer) => {
      const parsed = parseJson(answer.body);
      Object.assign(payment, { status: answer.status, code: parsed?.code, replayed: answer.headers['idempotent-replayed'] === 'true' });
      return answer;
    });
    if (payment.plan === 'drop-while-running') {
      setTimeout(() => req.socket.destroy(), 300);
      await answered;
      return;
    }
    const answer = await answered;
    if (payment.plan === 'drop-after-commit') return void req.socket.destroy();
    if (payment.plan === 'hold') return;
    this.reply(res, answer);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.upstream.host };
      const upstream = request({ host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
        void readAll(answer).then((buffer) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: buffer }), reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  private reply(res: ServerResponse, answer: Answer): void {
    if (res.destroyed) return;
    const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    res.writeHead(answer.status, { ...headers, connection: 'close', 'content-length': answer.body.length });
    res.end(answer.body);
  }
}

function fakeError(status: number, code: string, message: string, error: string, headers: IncomingHttpHeaders): Answer {
  const body = Buffer.from(JSON.stringify({ statusCode: status, code, message, error }));
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): { code?: string } | undefined {
  try {
    return JSON.parse(body.toString('utf8')) as { code?: string };
  } catch {
    return undefined;
  }
}
