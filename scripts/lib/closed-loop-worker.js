// The closed-loop HTTP driver's thread (see closedLoopHttp in load.js): its own event loop and heap,
// so that the bench's garbage collections neither delay a send nor the reading of an answer.
import { parentPort, workerData } from 'node:worker_threads';
import { closedLoopSockets } from './raw-http.js';

parentPort.postMessage(await closedLoopSockets(workerData));
