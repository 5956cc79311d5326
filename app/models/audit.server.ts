/**
 * The audit log of sensitive actions: role changes, verifications, GI authorization decisions,
 * stock and price changes, refunds, report status changes. Write it in the same transaction as
 * the change, so neither exists without the other.
 */
import { and, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import { auditEvents } from '~/db/schema';
import type { Db } from '~/utils/db.server';

export interface AuditEntry {
  actorUserId: string | null;
  /** Dotted verb, e.g. 'product.stock_adjusted', 'cooperative.verified', 'gi_authorization.revoked'. */
  action: string;
  entityType: string;
  entityId: string | number;
  data?: Record<string, unknown>;
}

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    actorUserId: entry.actorUserId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: String(entry.entityId),
    data: entry.data ?? {},
  });
}

export interface AuditFilter {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

export async function listAuditEvents(db: Db, filter: AuditFilter = {}) {
  const conditions: SQL[] = [];
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.entityType) conditions.push(eq(auditEvents.entityType, filter.entityType));
  if (filter.entityId) conditions.push(eq(auditEvents.entityId, filter.entityId));
  if (filter.actorUserId) conditions.push(eq(auditEvents.actorUserId, filter.actorUserId));
  if (filter.from) conditions.push(gte(auditEvents.createdAt, filter.from));
  if (filter.to) conditions.push(lte(auditEvents.createdAt, filter.to));
  return db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(Math.min(filter.limit ?? 50, 500))
    .offset(filter.offset ?? 0);
}
