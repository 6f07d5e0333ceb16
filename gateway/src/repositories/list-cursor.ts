import { ApiError } from '../errors.js';

// Keyset paging over (createdAt DESC, id DESC): stable while new rows arrive.
export function encodeListCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

export function decodeListCursor(cursor: string): { createdAt: Date; id: string } {
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(ts ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new ApiError('VALIDATION_FAILED', 'Invalid query string: cursor is not a valid cursor', {
      errors: [{ path: 'cursor', message: 'is not a valid cursor' }],
    });
  }
  return { createdAt, id };
}
