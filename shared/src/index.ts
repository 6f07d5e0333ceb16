export * from './errors.js';
export * from './key-access.js';
export * from './plans.js';
export * from './routes.js';
export * from './schemas.js';
export * from './usage-window.js';
export * from './validation.js';
export * from './webhooks.js';
