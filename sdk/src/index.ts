// @gateway/sdk: a typed client for the gateway's management API. Types come from @gateway/shared, the
// same zod contract the gateway validates with; answers are checked against it before they reach you.
export type * from '@gateway/shared';
export * from './client.js';
export { collectPages, DEFAULT_COLLECT_MAX, type Page } from './pagination.js';
export * from './result.js';
export { type ClientOptions, failureFrom, parseRetryAfter, urlOf } from './transport.js';
