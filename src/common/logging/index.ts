export * from './logger.js';
export * from './nest-pino.logger.js';
export * from './request-log.js';
export * from './short-hash.js';
export * from './log-flush.js';
