export * from './document.js';
export * from './operation.js';
export * from './operations.js';
