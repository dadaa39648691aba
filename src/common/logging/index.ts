export * from './request-context.js';
export * from './request-id.logger.js';
