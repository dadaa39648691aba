export * from './parse-id.pipe.js';
export * from './validation.js';
export * from './is-text.decorator.js';
