// The open-loop HTTP driver's thread (see openLoopHttp in load.js): its own event loop and heap, so
// that the bench's garbage collections and bookkeeping neither delay a send nor the reading of an
// answer, and keep-alive connections through node:http, several times cheaper per request than
// fetch on the cores the app and the database share.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { openLoop } from './load.js';

const { targets, rate, durationMs, requests, warmupMs } = workerData;
const origins = targets.map((target) => new URL(target));
// Enough sockets that no request waits in the driver for one; idle ones are kept and reused.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

function send(i) {
  const { method, path, headers, body } = requests[i % requests.length];
  const length = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
  const origin = origins[i % origins.length];
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: origin.hostname, port: origin.port, method, path, headers: { ...headers, ...length } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const result = await openLoop({ rate, durationMs, send, warmupMs });
agent.destroy();
parentPort.postMessage(result);
