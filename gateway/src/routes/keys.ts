import {
  type CreatedApiKey,
  CreateKeyRequestSchema,
  IdSchema,
  ListKeysQuerySchema,
  UpdateKeyRequestSchema,
} from '@gateway/shared';
import { Router } from 'express';
import { actorOf } from '../auth/management-auth.js';
import { parseOrThrow } from '../middleware/validate.js';
import { createKey, deleteKey, getKeyOrThrow, listKeys, updateKey } from '../repositories/keys.js';
import { toApiKey } from '../repositories/serialize.js';
import type { RouteDeps } from './types.js';

export function keysRouter(deps: RouteDeps): Router {
  const { prisma, config, keyChanges, logger } = deps;
  const router = Router();
  const defaults = { limitPerMinute: config.DEFAULT_LIMIT_PER_MINUTE, limitPerDay: config.DEFAULT_LIMIT_PER_DAY };
  router.use('/keys', deps.requireActor);

  // POST /keys – create a key; the only response that ever contains the raw key
  router.post('/keys', async (req, res) => {
    const input = parseOrThrow(CreateKeyRequestSchema, req.body, 'request body');
    const { row, key } = await createKey(prisma, actorOf(res), input, defaults);
    logger.info({ keyId: row.id, userId: row.userId, start: row.start }, 'api key created');
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ ...toApiKey(row), key } satisfies CreatedApiKey);
  });

  // GET /keys?userId= – list keys (a session sees its own)
  router.get('/keys', async (req, res) => {
    const { userId } = parseOrThrow(ListKeysQuerySchema, req.query, 'query string');
    const rows = await listKeys(prisma, actorOf(res), userId);
    res.json({ data: rows.map(toApiKey) });
  });

  // GET /keys/:id – one key
  router.get('/keys/:id', async (req, res) => {
    const id = parseOrThrow(IdSchema, req.params.id, 'key id');
    res.json(toApiKey(await getKeyOrThrow(prisma, actorOf(res), id)));
  });

  // PATCH /keys/:id – enable/disable, rename, change limits or expiry
  router.patch('/keys/:id', async (req, res) => {
    const id = parseOrThrow(IdSchema, req.params.id, 'key id');
    const input = parseOrThrow(UpdateKeyRequestSchema, req.body, 'request body');
    const { row } = await updateKey(prisma, actorOf(res), id, input);
    await keyChanges.keyChanged(row.keyHash);
    logger.info({ keyId: id, changes: Object.keys(input) }, 'api key updated');
    res.json(toApiKey(row));
  });

  // DELETE /keys/:id – delete a key (its usage logs go with it)
  router.delete('/keys/:id', async (req, res) => {
    const id = parseOrThrow(IdSchema, req.params.id, 'key id');
    const row = await deleteKey(prisma, actorOf(res), id);
    await keyChanges.keyChanged(row.keyHash);
    logger.info({ keyId: id }, 'api key deleted');
    res.status(204).end();
  });

  return router;
}
