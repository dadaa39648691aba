export * from './parse-id.pipe.js';
export * from './validation.js';
