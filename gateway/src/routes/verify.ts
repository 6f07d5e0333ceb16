import { VerifyKeyRequestSchema } from '@gateway/shared';
import { Router } from 'express';
import { requireAdmin, VERIFY_PATH } from '../auth/management-auth.js';
import { ApiError } from '../errors.js';
import { type VerifierDeps, VerifyUnavailable, verifyKey } from '../keys/verify.js';
import { parseOrThrow } from '../middleware/validate.js';
import type { RouteDeps } from './types.js';

/**
 * `POST /keys/verify {key, route?, path?, method?, ip?, cost?}`: for internal services that handle
 * traffic themselves. Admins' credentials, `write` tokens and tokens of scope `verify` (which may do
 * nothing else) may call it. Always 200 with `{ valid, code, … }` for a verdict; 503 with
 * `Retry-After` when the gateway cannot decide right now (database or fail-closed limiter).
 */
export function verifyRouter(deps: RouteDeps & VerifierDeps): Router {
  const router = Router();
  router.post(VERIFY_PATH, deps.requireActor, requireAdmin, async (req, res) => {
    const input = parseOrThrow(VerifyKeyRequestSchema, req.body, 'request body');
    try {
      res.json(await verifyKey(deps, input));
    } catch (error) {
      if (error instanceof VerifyUnavailable) {
        throw new ApiError('SERVICE_UNAVAILABLE', `${error.message}; retry shortly.`, {
          headers: { 'Retry-After': '1' },
        });
      }
      throw error;
    }
  });
  return router;
}
