export * from './domain-error.js';
export * from './error-body.js';
export * from './to-error-response.js';
