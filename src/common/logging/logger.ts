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
      : // pino's own writer on stdout, asynchronous: lines written while a write is under way go out together
        // in the next one (a write is a costly system call here), and pino flushes what is left when the process exits.
        (destination ?? pino.destination({ dest: 1, sync: false })),
  );
}
