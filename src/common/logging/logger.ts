import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';
export type AppLogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** LOG_LEVEL keeps Nest's names; pino calls `log` info and `verbose` trace. */
const PINO_LEVEL: Record<AppLogLevel, Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** One short line each: `[12:00:00.000] INFO: request POST /api/v1/payments 200 12.5ms {"requestId":…}`. */
const PRETTY = {
  translateTime: 'SYS:HH:MM:ss.l',
  singleLine: true,
  messageFormat: '{if context}[{context}] {end}{msg}{if route} {method} {route} {status} {durationMs}ms{end}',
  ignore: 'pid,hostname,context,method,route,status,durationMs',
};

/**
 * The process's one logger: Fastify's request logging, the request lines and Nest's Logger all
 * write through it. JSON lines (no colour) unless LOG_FORMAT=pretty. A line written for a request
 * carries its request id (and, once authenticated, its account id) because the writer passes them:
 * see logFieldsOf.
 */
export function createLogger(level: AppLogLevel, format: LogFormat, destination?: DestinationStream): Logger {
  return pino(
    {
      level: PINO_LEVEL[level],
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Nothing logs headers today; should anything start to, these never reach a line.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'], censor: '[redacted]' },
    },
    format === 'pretty'
      ? PinoPretty({ ...PRETTY, colorize: destination === undefined && process.stdout.isTTY, destination: destination ?? 1 })
      : // pino's own writer on stdout, asynchronous and batched: lines go out 4 KiB at a time or every 200 ms,
        // whichever comes first (each write is a system call handed to a thread, which cost a do-nothing
        // request 40% of its throughput at one write a line), and pino flushes what is left when the process exits.
        (destination ?? batchedStdout()),
  );
}

/** The batched stdout writers made here: what flushLogs writes out. */
const batched = new Set<{ flushSync(): void }>();

function batchedStdout(): DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 });
  batched.add(stdout);
  return stdout;
}

/**
 * Writes out every line still waiting in a batch. pino does so when the process exits, but Nest
 * ends a SIGTERM by raising the signal again, which ends the process without an exit event.
 */
export function flushLogs(): void {
  for (const stdout of batched) {
    try {
      stdout.flushSync();
    } catch {
      // Nothing left to write, or stdout is gone: neither is worth failing a shutdown for.
    }
  }
}
