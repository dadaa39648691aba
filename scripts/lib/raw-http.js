// The bench's HTTP/1.1 load drivers (closed and open loop) over plain keep-alive sockets, for requests
// that differ one from another (each new payment has its own key and order). Every request is encoded
// once, before the clock starts, so a send is one socket write. autocannon rebuilds such a request on
// every send (its setupRequest): on the two cores the app and the database share, its process took
// 91-118 µs of CPU a new payment from them, against 72-87 µs for the whole bench process with these
// (BENCHMARKS.md, sixth pass). They read answers framed by Content-Length, which is how payonce, the
// peer and the ceilings answer; anything else is an error.
import net from 'node:net';
import { summarize } from './load.js';

/** A whole request, Host header and all: what a send writes. */
export function encodeRequest({ method = 'GET', path = '/', headers = {}, body }, host) {
  const bodyBytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  if (body !== undefined) lines.push(`content-length: ${bodyBytes.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bodyBytes]);
}

/**
 * Splits what a connection reads into whole answers: `push(chunk)` returns the status of each answer
 * the chunk completed (an answer may span chunks, a chunk may end several). Throws on an answer it
 * cannot frame (chunked, or no Content-Length). `closing` says an answer announced that the server
 * closes the connection after it. Only the head of an answer becomes a string.
 */
export class ResponseReader {
  /** What was read of an answer not yet complete. */
  pending = undefined;
  closing = false;

  push(chunk) {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const statuses = [];
    let offset = 0;
    for (;;) {
      const headerEnd = data.indexOf('\r\n\r\n', offset, 'latin1');
      if (headerEnd < 0) break;
      const head = data.latin1Slice(offset, headerEnd).toLowerCase();
      if (head.includes('\r\ntransfer-encoding:')) throw new Error('a chunked answer: this driver reads Content-Length answers only');
      const at = head.indexOf('\r\ncontent-length:');
      if (at < 0) throw new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`);
      const end = headerEnd + 4 + parseInt(head.slice(at + 17), 10);
      if (data.length < end) break;
      statuses.push(Number(head.slice(9, 12)));
      if (head.includes('\r\nconnection: close')) this.closing = true;
      offset = end;
    }
    this.pending = offset < data.length ? data.subarray(offset) : undefined;
    return statuses;
  }
}

/** A failure of the answer itself (one this driver cannot frame): the connection that read it is not used again. */
class UnreadableAnswer extends Error {}

/**
 * One keep-alive connection with one request at a time: `send(bytes)` resolves to the answer's
 * status, or rejects when the connection fails or closes first. `usable` turns false once the
 * server closed it or said it would.
 */
export class Connection {
  connected = false;
  #open = true;
  #reader = new ResponseReader();
  #waiting;
  #error;
  #closed;

  constructor(origin) {
    this.socket = net.connect({ host: origin.hostname, port: Number(origin.port) });
    this.socket.setNoDelay(true);
    this.#closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.on('connect', () => (this.connected = true));
    this.socket.on('data', (chunk) => {
      let statuses;
      try {
        statuses = this.#reader.push(chunk);
      } catch (error) {
        this.#error = new UnreadableAnswer(error.message);
        return this.socket.destroy();
      }
      for (const status of statuses) {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting?.resolve(status);
      }
      if (this.#reader.closing) this.socket.end();
    });
    this.socket.on('error', (error) => (this.#error ??= error));
    this.socket.on('close', () => {
      this.#open = false;
      this.#waiting?.reject(this.#error ?? new Error('the connection closed with a request in flight'));
      this.#waiting = undefined;
    });
  }

  get usable() {
    return this.#open && !this.#reader.closing && !this.#error;
  }

  send(bytes) {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close() {
    this.socket.end();
    return this.#closed;
  }
}

/** Each of `requests` as the bytes to write to each origin, keyed by its host. */
const encodeFor = (origins, requests) => new Map(origins.map((origin) => [origin.host, requests.map((request) => encodeRequest(request, origin.host))]));

/**
 * `connections` keep-alive connections spread over `targets` (http://127.0.0.1:port URLs), each
 * sending `requests` in turn (every request once, in order across all connections; `cycle` starts the
 * list again instead of stopping when it runs dry) and the next one as soon as an answer came, until
 * `warmupMs + durationMs` has passed. Requests sent in the first `warmupMs` (new connections, the
 * thread's first, interpreted, sends) are not in the rate and latencies, but their failures are in
 * the counts. A connection the server closed is opened again, and a request that was in flight on it
 * counts in `errors`; a connection that could not connect, or read an answer it cannot frame, stops.
 * Resolves to { requests (answers after the warm-up), used (how many of `requests` went out), ok2xx,
 * non2xx, errors (all three the warm-up's included), exhausted, seconds, rate, latency: { p50, p99,
 * max }, latencies, firstError }.
 */
export async function closedLoopSockets({ targets, connections, durationMs, requests, cycle = false, warmupMs = 0 }) {
  const origins = targets.map((target) => new URL(target));
  const encoded = encodeFor(origins, requests);
  const latencies = [];
  const totals = { ok2xx: 0, non2xx: 0, errors: 0, exhausted: false };
  let used = 0;
  let counted = 0;
  let firstError;
  const started = performance.now() + warmupMs;
  const deadline = started + durationMs;

  const drive = async (origin) => {
    const bytes = encoded.get(origin.host);
    let connection = new Connection(origin);
    while (performance.now() < deadline) {
      if (!cycle && used >= requests.length) {
        totals.exhausted = true;
        break;
      }
      if (!connection.usable) connection = new Connection(origin);
      const sentAt = performance.now();
      try {
        const status = await connection.send(bytes[used++ % bytes.length]);
        if (status >= 200 && status < 300) totals.ok2xx++;
        else totals.non2xx++;
        if (sentAt < started) continue;
        latencies.push(performance.now() - sentAt);
        counted++;
      } catch (error) {
        totals.errors++;
        firstError ??= error;
        if (!connection.connected || error instanceof UnreadableAnswer) break;
      }
    }
    await connection.close();
  };

  await Promise.all(Array.from({ length: connections }, (_, i) => drive(origins[i % origins.length])));
  const seconds = Math.max(0, performance.now() - started) / 1000;
  return { requests: counted, used, ...totals, seconds, rate: seconds > 0 ? counted / seconds : 0, latency: summarize(latencies), latencies, firstError: firstError && String(firstError) };
}

/**
 * openLoop's `send(i)` for `requests[i % length]` to `targets[i % length]`: on an idle connection to
 * that target, or a new one when none is idle; resolves to whether the answer was a 200. `close()`
 * ends the idle connections.
 */
export function socketSender(targets, requests) {
  const origins = targets.map((target) => new URL(target));
  const encoded = encodeFor(origins, requests);
  const idle = new Map(origins.map((origin) => [origin.host, []]));
  return {
    async send(i) {
      const origin = origins[i % origins.length];
      const pool = idle.get(origin.host);
      let connection = pool.pop();
      while (connection && !connection.usable) connection = pool.pop();
      connection ??= new Connection(origin);
      const status = await connection.send(encoded.get(origin.host)[i % requests.length]);
      if (connection.usable) pool.push(connection);
      return status === 200;
    },
    close: () => Promise.all([...idle.values()].flat().map((connection) => connection.close())),
  };
}
