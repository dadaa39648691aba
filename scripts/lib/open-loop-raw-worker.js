// The raw baseline's open-loop driver thread (see openLoopRaw in load.js): payonce's statements for
// each new payment, sent at evenly spaced moments from a pool the size of the app's, on an event loop
// and heap of its own, so that the bench's collections delay neither a send nor an answer.
import { parentPort, workerData } from 'node:worker_threads';
import mysql from 'mysql2/promise';
import { openLoop } from './load.js';
import { rawPayment } from './raw-payment.js';

const { connection, poolSize, orders, setIsolation, rate, durationMs, warmupMs } = workerData;
const pool = mysql.createPool({ ...connection, multipleStatements: true, connectionLimit: poolSize });
const send = async (i) => {
  const session = await pool.getConnection();
  try {
    await rawPayment(session, orders[i], setIsolation);
    return true;
  } finally {
    session.release();
  }
};
const onMeasuring = () => parentPort.postMessage({ measuring: true });
const result = await openLoop({ rate, durationMs, onMeasuring, send, warmupMs });
// The result first: a cost turn reads the processes' CPU when it comes, before the connections close.
parentPort.postMessage(result);
await pool.end();
