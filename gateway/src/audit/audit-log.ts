import type { AuditAction, AuditEntry } from '@gateway/shared';
import type { Request } from 'express';
import type { PrismaTx } from '../db/client.js';
import type { AuditLog as AuditRow, Prisma } from '../generated/prisma/client.js';
import { requestIdOf } from '../middleware/request-id.js';

export type Changes = Record<string, { from: unknown; to: unknown }>;

/** Where a change came from: recorded with every audit entry. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export interface AuditEvent {
  action: AuditAction;
  actor: { kind: 'user' | 'token' | 'bootstrap' | 'system'; id: string | null; label: string | null };
  target: {
    type: 'user' | 'key' | 'token' | 'settings' | 'session' | 'webhook' | 'route' | 'plan';
    id: string | null;
    label: string | null;
  };
  /** Whose data this is about (the acting user, or the owner of the target): who may read the entry. */
  subjectUserId: string | null;
  changes?: Changes;
}

const MAX_USER_AGENT = 512;

export function requestContext(req: Request): RequestContext {
  const ua = req.headers['user-agent'];
  return {
    // Express's req.ip applies TRUST_PROXY: the client's address behind the configured load balancers.
    ip: req.ip ?? null,
    userAgent: typeof ua === 'string' ? ua.slice(0, MAX_USER_AGENT) : null,
    requestId: requestIdOf(req),
  };
}

/**
 * Appends one entry. Call it with the transaction that makes the change, so a change is never
 * recorded without its entry nor an entry without its change.
 */
export async function appendAudit(tx: PrismaTx, ctx: RequestContext, event: AuditEvent): Promise<void> {
  await tx.auditLog.create({
    data: {
      actorKind: event.actor.kind,
      actorId: event.actor.id,
      actorLabel: event.actor.label,
      action: event.action,
      targetType: event.target.type,
      targetId: event.target.id,
      targetLabel: event.target.label,
      subjectUserId: event.subjectUserId,
      changes: (event.changes ?? {}) as Prisma.InputJsonValue,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      requestId: ctx.requestId,
    },
  });
}

const comparable = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));

/** The fields whose value differs between `before` and `after`, as `{ field: { from, to } }`. */
export function changesBetween<T extends Record<string, unknown>>(
  before: T,
  after: T,
  fields: (keyof T & string)[],
): Changes {
  const changes: Changes = {};
  for (const field of fields) {
    const from = comparable(before[field]);
    const to = comparable(after[field]);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[field] = { from, to };
  }
  return changes;
}

/** A new object's initial fields that have a value, each as `{ from: null, to }`. */
export function creationOf(fields: Record<string, unknown>): Changes {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, { from: null, to: comparable(v) }]),
  );
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id.toString(),
    at: row.at.toISOString(),
    actor: { kind: row.actorKind as AuditEntry['actor']['kind'], id: row.actorId, label: row.actorLabel },
    action: row.action as AuditAction,
    target: { type: row.targetType, id: row.targetId, label: row.targetLabel },
    changes: (row.changes ?? {}) as AuditEntry['changes'],
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
  };
}
