import { describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedLoopHttp } from './load.js';
import { encodeRequest, ResponseReader } from './raw-http.js';

const answer = (status: number, body: string) => Buffer.from(`HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

describe('ResponseReader', () => {
  it('frames answers by Content-Length, whether they span chunks or share one', () => {
    const bytes = Buffer.concat([answer(200, '{"a":1}'), answer(409, '{"error":"conflict"}'), answer(201, '')]);
    const reader = new ResponseReader();
    const statuses: number[] = [];
    // One byte at a time, then the whole stream in one chunk.
    for (let i = 0; i < bytes.length; i++) statuses.push(...reader.push(bytes.subarray(i, i + 1)));
    expect(statuses).toEqual([200, 409, 201]);
    expect(new ResponseReader().push(bytes)).toEqual([200, 409, 201]);
  });

  it('refuses answers it cannot frame rather than miscounting them', () => {
    expect(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'))).toThrow(/chunked/);
    expect(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{}'))).toThrow(/without Content-Length/);
  });

  it('notes an answer after which the server closes the connection', () => {
    const reader = new ResponseReader();
    reader.push(answer(200, '{}'));
    expect(reader.closing).toBe(false);
    reader.push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n'));
    expect(reader.closing).toBe(true);
  });
});

describe('encodeRequest', () => {
  it('writes the request line, the Host, the headers, the body length in bytes and the body', () => {
    const bytes = encodeRequest({ method: 'POST', path: '/p', headers: { 'idempotency-key': 'k' }, body: '{"name":"café"}' }, '127.0.0.1:3000');
    expect(bytes.toString('utf8')).toBe('POST /p HTTP/1.1\r\nhost: 127.0.0.1:3000\r\nidempotency-key: k\r\ncontent-length: 16\r\n\r\n{"name":"café"}');
    expect(encodeRequest({ path: '/health/live' }, 'h').toString()).toBe('GET /health/live HTTP/1.1\r\nhost: h\r\n\r\n');
  });
});

describe('closedLoopHttp', () => {
  /** Answers with a Content-Length, as payonce and the apps it is compared with do (node:http would otherwise send writeHead's answers chunked). */
  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);
  const serve = async (handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) => {
    const sockets = new Set<unknown>();
    const server = createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => handle(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    return { url, sockets, close };
  };

  it('sends every request once, in order over its kept-alive connections, and stops when they run out', async () => {
    const seen: { path?: string; key?: string; body: string; host?: string }[] = [];
    const server = await serve((req, body, res) => {
      seen.push({ path: req.url, key: req.headers['idempotency-key'] as string, body, host: req.headers.host });
      send(res, req.url === '/fail' ? 422 : 200, '{"ok":true}');
    });
    try {
      const requests = Array.from({ length: 40 }, (_, i) => ({
        method: 'POST',
        path: i === 7 ? '/fail' : '/pay',
        headers: { 'content-type': 'application/json', 'idempotency-key': `k${i}` },
        body: JSON.stringify({ n: i }),
      }));
      const result = await closedLoopHttp({ targets: [server.url], connections: 4, durationMs: 5000, requests });
      expect(result).toMatchObject({ requests: 40, used: 40, ok2xx: 39, non2xx: 1, errors: 0, exhausted: true });
      expect(seen.map((s) => s.key).sort()).toEqual(requests.map((r) => r.headers['idempotency-key']).sort());
      expect(seen.find((s) => s.key === 'k3')).toEqual({ path: '/pay', key: 'k3', body: '{"n":3}', host: server.url.slice('http://'.length) });
      expect(server.sockets.size).toBe(4);
      // Stopped when the list ran dry, well before its 5 s.
      expect(result.seconds).toBeLessThan(3);
    } finally {
      await server.close();
    }
  });

  it('with cycle, goes round the list until its time is up, and opens again a connection the server closed', async () => {
    let answered = 0;
    const server = await serve((req, _body, res) => {
      answered++;
      // Every fifth answer closes its connection, as a server that stops keeping it alive does.
      const close = answered % 5 === 0;
      send(res, 200, '{}', close ? { connection: 'close' } : {});
    });
    try {
      const result = await closedLoopHttp({ targets: [server.url], connections: 2, durationMs: 300, requests: [{ path: '/a' }, { path: '/b' }], cycle: true });
      expect(result.exhausted).toBe(false);
      expect(result.ok2xx).toBeGreaterThan(10);
      expect(result.ok2xx).toBe(answered);
      expect(result.errors).toBe(0);
      expect(server.sockets.size).toBeGreaterThan(2);
      expect(result.seconds).toBeGreaterThanOrEqual(0.3);
    } finally {
      await server.close();
    }
  });

  it('with a warm-up, counts only what was sent after it in the rate, but every answer in the statuses', async () => {
    let answered = 0;
    const server = await serve((_req, _body, res) => {
      answered++;
      setTimeout(() => send(res, 200, '{}'), 5);
    });
    try {
      const result = await closedLoopHttp({ targets: [server.url], connections: 2, warmupMs: 200, durationMs: 200, requests: [{ path: '/a' }], cycle: true });
      expect(result.used).toBe(answered);
      expect(result.ok2xx).toBe(answered);
      expect(result.requests).toBeGreaterThan(10);
      expect(result.requests).toBeLessThan(answered - 10);
      expect(result.latencies).toHaveLength(result.requests);
      expect(result.seconds).toBeGreaterThanOrEqual(0.2);
      expect(result.seconds).toBeLessThan(0.4);
    } finally {
      await server.close();
    }
  });

  it('counts a target that refuses connections as errors and ends, instead of retrying in a loop', async () => {
    const server = await serve((_req, _body, res) => send(res, 200, '{}'));
    await server.close();
    const result = await closedLoopHttp({ targets: [server.url], connections: 3, durationMs: 2000, requests: [{ path: '/' }], cycle: true });
    expect(result).toMatchObject({ requests: 0, errors: 3 });
    expect(result.firstError).toMatch(/ECONNREFUSED/);
    expect(result.seconds).toBeLessThan(1);
  });
});
