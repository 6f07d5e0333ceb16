export * from './errors.js';
export * from './plans.js';
export * from './schemas.js';
export * from './usage-window.js';
export * from './validation.js';
