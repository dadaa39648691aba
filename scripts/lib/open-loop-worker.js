// The open-loop HTTP driver's thread (see openLoopHttp in load.js): its own event loop and heap, so
// that the bench's garbage collections and bookkeeping neither delay a send nor the reading of an
// answer, and keep-alive connections with requests encoded before the clock starts (raw-http.js):
// on the cores the app and the database share, node:http cost the driver about twice the CPU a request.
import { parentPort, workerData } from 'node:worker_threads';
import { openLoop } from './load.js';
import { socketSender } from './raw-http.js';

const { targets, rate, durationMs, requests, warmupMs } = workerData;
const sender = socketSender(targets, requests);
const onMeasuring = () => parentPort.postMessage({ measuring: true });
const result = await openLoop({ rate, durationMs, onMeasuring, send: sender.send, warmupMs });
// The result first: a cost turn reads the processes' CPU when it comes, before the connections close.
parentPort.postMessage(result);
await sender.close();
