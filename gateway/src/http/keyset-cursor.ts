import { ApiError } from '../errors.js';

// Keyset paging over (time DESC, id DESC): stable while new rows arrive. The cursor is the last row's
// time and id, opaque to clients.
export function encodeKeysetCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeKeysetCursor(cursor: string): { at: Date; id: string } {
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(ts ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(at.getTime())) {
    throw new ApiError('VALIDATION_FAILED', 'Invalid query string: cursor is not a valid cursor', {
      errors: [{ path: 'cursor', message: 'is not a valid cursor' }],
    });
  }
  return { at, id };
}
