import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, type AppLogLevel } from './logger.js';
import { NestPinoLogger } from './nest-pino.logger.js';

/** A logger writing into memory; `lines()` parses what it wrote. */
function capture(level: AppLogLevel = 'log') {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = new NestPinoLogger(createLogger(level, 'json', sink));
  const lines = () => written.join('').split('\n').filter(Boolean).map((text) => JSON.parse(text) as Record<string, unknown>);
  return { logger, lines };
}

describe('NestPinoLogger', () => {
  it("writes a Nest Logger line as JSON with Nest's level name mapped and the context as a field", () => {
    const { logger, lines } = capture();
    logger.log('started', 'Bootstrap');
    expect(lines()).toEqual([{ level: 'info', time: expect.any(String), pid: process.pid, hostname: expect.any(String), context: 'Bootstrap', msg: 'started' }]);
  });

  it("turns an object message into the line's own fields, and keeps error() stacks", () => {
    const { logger, lines } = capture();
    logger.warn({ msg: 'lease expired', event: 'idempotency.taken_over', keyHash: 'abc' }, 'IdempotencyService');
    logger.error('boom', 'Error: boom\n    at x', 'AllExceptionsFilter');
    expect(lines()).toMatchObject([
      { level: 'warn', context: 'IdempotencyService', event: 'idempotency.taken_over', keyHash: 'abc', msg: 'lease expired' },
      { level: 'error', context: 'AllExceptionsFilter', stack: 'Error: boom\n    at x', msg: 'boom' },
    ]);
  });

  it('keeps LOG_LEVEL: below it nothing is written', () => {
    const { logger, lines } = capture('warn');
    logger.log('not shown');
    logger.debug('not shown');
    logger.warn('shown');
    expect(lines().map((l) => l.msg)).toEqual(['shown']);
  });
});
