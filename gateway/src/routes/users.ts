import {
  CreateUserRequestSchema,
  type CreateUserResponse,
  ListUsersQuerySchema,
  type ListUsersResponse,
  UpdateUserRequestSchema,
  UserByEmailQuerySchema,
} from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, creationOf, requestContext } from '../audit/audit-log.js';
import { auditActor } from '../auth/actor.js';
import { actorOf, requireAdmin, requireAdminInPerson } from '../auth/management-auth.js';
import { ApiError } from '../errors.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import { toUser } from '../repositories/serialize.js';
import { revokeUserSessions } from '../repositories/sessions.js';
import {
  getUserByEmailOrThrow,
  getUserOrThrow,
  listUsers,
  setUserRole,
  upsertUserByEmail,
} from '../repositories/users.js';
import type { RouteDeps } from './types.js';

export function usersRouter(deps: RouteDeps): Router {
  const { prisma } = deps;
  const router = Router();
  router.use('/users', deps.requireActor);

  // POST /users – create or get a user by email, without signing in as them (admins)
  router.post('/users', requireAdmin, async (req, res) => {
    const { email, role } = parseOrThrow(CreateUserRequestSchema, req.body, 'request body');
    const actor = actorOf(res);
    if (role === 'admin' && actor.kind === 'token') {
      throw new ApiError('INSUFFICIENT_SCOPE', 'API tokens cannot grant the admin role; sign in as an admin.');
    }
    const ctx = requestContext(req);
    const { user, created } = await prisma.$transaction(async (tx) => {
      const result = await upsertUserByEmail(tx, email, role ?? 'user');
      if (result.created) {
        await appendAudit(tx, ctx, {
          action: 'user.create',
          actor: auditActor(actor),
          target: { type: 'user', id: result.user.id, label: result.user.email },
          subjectUserId: result.user.id,
          changes: creationOf({ email: result.user.email, role: result.user.role }),
        });
      }
      return result;
    });
    res.status(created ? 201 : 200).json({ user: toUser(user) } satisfies CreateUserResponse);
  });

  // GET /users?search=&role=&limit=&cursor= – every user with their key count (admins)
  router.get('/users', requireAdmin, async (req, res) => {
    const query = parseOrThrow(ListUsersQuerySchema, req.query, 'query string');
    const { rows, nextCursor } = await listUsers(prisma, query);
    const body: ListUsersResponse = {
      data: rows.map((row) => ({ ...toUser(row), keyCount: row._count.apiKeys })),
      nextCursor,
    };
    res.json(body);
  });

  // GET /users/by-email?email= – one user by email (admins)
  router.get('/users/by-email', requireAdmin, async (req, res) => {
    const { email } = parseOrThrow(UserByEmailQuerySchema, req.query, 'query string');
    res.json(toUser(await getUserByEmailOrThrow(prisma, actorOf(res), email)));
  });

  // GET /users/:id – one user (admins; a user may read themselves)
  router.get('/users/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'user');
    res.json(toUser(await getUserOrThrow(prisma, actorOf(res), id)));
  });

  // PATCH /users/:id – promote or demote (admins in person; never the last admin)
  router.patch('/users/:id', requireAdminInPerson, async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'user');
    const { role } = parseOrThrow(UpdateUserRequestSchema, req.body, 'request body');
    const ctx = requestContext(req);
    const after = await prisma.$transaction(async (tx) => {
      const change = await setUserRole(tx, id, role);
      if (change.before.role !== change.after.role) {
        await appendAudit(tx, ctx, {
          action: 'user.role_change',
          actor: auditActor(actorOf(res)),
          target: { type: 'user', id, label: change.after.email },
          subjectUserId: id,
          changes: { role: { from: change.before.role, to: change.after.role } },
        });
      }
      return change.after;
    });
    res.json(toUser(after));
  });

  // DELETE /users/:id/sessions – sign a user out everywhere (admins)
  router.delete('/users/:id/sessions', requireAdmin, async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'user');
    const ctx = requestContext(req);
    await prisma.$transaction(async (tx) => {
      const user = await getUserOrThrow(tx, actorOf(res), id);
      const ended = await revokeUserSessions(tx, id);
      await appendAudit(tx, ctx, {
        action: 'auth.sign_out_all',
        actor: auditActor(actorOf(res)),
        target: { type: 'user', id, label: user.email },
        subjectUserId: id,
        changes: { openSessions: { from: ended, to: 0 } },
      });
    });
    res.status(204).end();
  });

  return router;
}
