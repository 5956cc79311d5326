/**
 * After-sales claims: within 48 hours of delivery the buyer claims spoiled or damaged goods of one
 * cooperative order, with photos and the amount claimed. The cooperative accepts (the claimed
 * amount is refunded) or disputes with a note; a coordinator (or admin) decides a dispute:
 * upheld (refunded) or rejected. Photos are private uploads served by an access-checked route.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { claims, cooperativeMembers, cooperativeOrders, cooperatives, orders, userRoles, type CooperativeOrder } from '~/db/schema';
import { recordAudit } from '~/models/audit.server';
import { notifyUsers } from '~/models/notifications.server';
import { createRefund, refundableFen, type RefundOutcome } from '~/models/refunds.server';
import type { Db } from '~/utils/db.server';
import { formatFen } from '~/utils/money';
import type { PaymentsPort } from '~/utils/payments/types';
import { storeDocumentUpload, UploadError } from '~/utils/uploads.server';

export const CLAIM_WINDOW_MS = 48 * 3_600_000;
export const CLAIM_REASONS = ['spoiled', 'damaged', 'missing', 'wrong_item'] as const;
export type ClaimReason = (typeof CLAIM_REASONS)[number];
export const CLAIM_MAX_PHOTOS = 4;
export const CLAIM_PHOTO_MAX_BYTES = 5 * 1024 * 1024;
const PHOTO_FOLDER = 'claims';

export type Claim = typeof claims.$inferSelect;

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

/** The buyer's claimable cooperative orders of an order: delivered less than 48 hours ago. */
export function claimWindowOpen(coop: Pick<CooperativeOrder, 'status' | 'deliveredAt'>, now: Date): boolean {
  return coop.status === 'delivered' && coop.deliveredAt !== null && now.getTime() - coop.deliveredAt.getTime() <= CLAIM_WINDOW_MS;
}

export type FileClaimProblem = 'not_found' | 'window_closed' | 'photos_required' | 'bad_photo' | 'exceeds_refundable' | 'already_open';
export type FileClaimResult = { ok: true; claimId: string } | { ok: false; problem: FileClaimProblem; refundableFen?: number; uploadError?: string };

export interface FileClaimInput {
  orderId: string;
  cooperativeOrderId: string;
  userId: string;
  reason: ClaimReason;
  description: string;
  amountFen: number;
  photos: readonly (File | Blob)[];
  now: Date;
  /** Origin for e-mail links. */
  baseUrl: string;
}

/** Files a claim for a cooperative order of the user's own order; photos are required and must be images. */
export async function fileClaim(db: Db, uploadDir: string, input: FileClaimInput): Promise<FileClaimResult> {
  const coop = await ownCooperativeOrder(db, input.userId, input.orderId, input.cooperativeOrderId);
  if (!coop) return { ok: false, problem: 'not_found' };
  if (!claimWindowOpen(coop, input.now)) return { ok: false, problem: 'window_closed' };
  const photos = input.photos.filter((p) => p.size > 0);
  if (photos.length === 0) return { ok: false, problem: 'photos_required' };
  const remaining = await refundableFen(db, coop.id);
  if (input.amountFen > remaining) return { ok: false, problem: 'exceeds_refundable', refundableFen: remaining };
  const paths: string[] = [];
  for (const photo of photos.slice(0, CLAIM_MAX_PHOTOS)) {
    try {
      const stored = await storeDocumentUpload(uploadDir, photo, { folder: PHOTO_FOLDER, maxBytes: CLAIM_PHOTO_MAX_BYTES });
      // Photos only: a PDF is a document, not a picture of the goods.
      if (stored.contentType !== 'image/webp') return { ok: false, problem: 'bad_photo', uploadError: 'unsupported_type' };
      paths.push(stored.path);
    } catch (error) {
      if (error instanceof UploadError) return { ok: false, problem: 'bad_photo', uploadError: error.code };
      throw error;
    }
  }
  return inTransaction(db, async (tx) => {
    const [open] = await tx
      .select({ id: claims.id })
      .from(claims)
      .where(and(eq(claims.cooperativeOrderId, coop.id), sql`${claims.status} IN ('open', 'disputed')`))
      .for('update');
    if (open) return { ok: false, problem: 'already_open' } as const;
    const [row] = await tx
      .insert(claims)
      .values({
        cooperativeOrderId: coop.id,
        userId: input.userId,
        reason: input.reason,
        description: input.description,
        photoPaths: paths,
        amountFen: input.amountFen,
        createdAt: input.now,
      })
      .returning({ id: claims.id });
    await recordAudit(tx, { actorUserId: input.userId, action: 'claim.filed', entityType: 'claim', entityId: row!.id, data: { cooperativeOrderId: coop.id, amountFen: input.amountFen, reason: input.reason } });
    const number = await orderNumber(tx, coop.orderId);
    const slug = await cooperativeSlug(tx, coop.cooperativeId);
    await notifyUsers(tx, await cooperativeMemberIds(tx, coop.cooperativeId), {
      kind: 'claim.filed',
      title: (t) => t('coop:fulfilment.notifications.claimFiled.title', { number }),
      body: (t) => t('coop:fulfilment.notifications.claimFiled.body', { number, amount: formatFen(input.amountFen) }),
      link: `/coop/${slug}/claims`,
      email: { baseUrl: input.baseUrl },
    });
    return { ok: true, claimId: row!.id } as const;
  });
}

async function ownCooperativeOrder(db: Db, userId: string, orderId: string, cooperativeOrderId: string) {
  const uuid = /^[0-9a-f-]{36}$/i;
  if (!uuid.test(orderId) || !uuid.test(cooperativeOrderId)) return null;
  const [row] = await db
    .select({ coop: cooperativeOrders })
    .from(cooperativeOrders)
    .innerJoin(orders, eq(orders.id, cooperativeOrders.orderId))
    .where(and(eq(cooperativeOrders.id, cooperativeOrderId), eq(orders.id, orderId), eq(orders.userId, userId)));
  return row?.coop ?? null;
}

/** What the claim form needs: the user's own order's claimable cooperative orders, or null. */
export async function getClaimableParts(db: Db, userId: string, orderId: string, now: Date) {
  if (!/^[0-9a-f-]{36}$/i.test(orderId)) return null;
  const [order] = await db.select({ id: orders.id, number: orders.number, userId: orders.userId }).from(orders).where(eq(orders.id, orderId));
  if (!order || order.userId !== userId) return null;
  const rows = await db
    .select({ coop: cooperativeOrders, cooperativeName: cooperatives.legalName })
    .from(cooperativeOrders)
    .innerJoin(cooperatives, eq(cooperatives.id, cooperativeOrders.cooperativeId))
    .where(eq(cooperativeOrders.orderId, orderId));
  const parts = [];
  for (const r of rows) {
    if (!claimWindowOpen(r.coop, now)) continue;
    parts.push({ id: r.coop.id, cooperativeName: r.cooperativeName, refundableFen: await refundableFen(db, r.coop.id) });
  }
  return { order: { id: order.id, number: order.number }, parts };
}

async function orderNumber(db: Db, orderId: string) {
  const [o] = await db.select({ number: orders.number }).from(orders).where(eq(orders.id, orderId));
  return o?.number ?? '';
}

async function cooperativeSlug(db: Db, cooperativeId: number) {
  const [c] = await db.select({ slug: cooperatives.slug }).from(cooperatives).where(eq(cooperatives.id, cooperativeId));
  return c?.slug ?? String(cooperativeId);
}

async function cooperativeMemberIds(db: Db, cooperativeId: number) {
  const rows = await db.select({ userId: cooperativeMembers.userId }).from(cooperativeMembers).where(eq(cooperativeMembers.cooperativeId, cooperativeId));
  return rows.map((r) => r.userId);
}

async function coordinatorIds(db: Db) {
  const rows = await db.select({ userId: userRoles.userId }).from(userRoles).where(eq(userRoles.role, 'coordinator'));
  return rows.map((r) => r.userId);
}

/** Claims of this cooperative, open ones first. */
export async function listCooperativeClaims(db: Db, cooperativeId: number) {
  return db
    .select({ claim: claims, number: orders.number, cooperativeOrderId: cooperativeOrders.id })
    .from(claims)
    .innerJoin(cooperativeOrders, eq(cooperativeOrders.id, claims.cooperativeOrderId))
    .innerJoin(orders, eq(orders.id, cooperativeOrders.orderId))
    .where(eq(cooperativeOrders.cooperativeId, cooperativeId))
    .orderBy(sql`${claims.status} = 'open' DESC`, desc(claims.createdAt))
    .limit(100);
}

/** Disputed claims awaiting a coordinator, oldest first, and recent decisions. */
export async function listDisputedClaims(db: Db) {
  return db
    .select({ claim: claims, number: orders.number, cooperativeName: cooperatives.legalName })
    .from(claims)
    .innerJoin(cooperativeOrders, eq(cooperativeOrders.id, claims.cooperativeOrderId))
    .innerJoin(orders, eq(orders.id, cooperativeOrders.orderId))
    .innerJoin(cooperatives, eq(cooperatives.id, cooperativeOrders.cooperativeId))
    .where(sql`${claims.status} IN ('disputed', 'upheld', 'rejected')`)
    .orderBy(sql`${claims.status} = 'disputed' DESC`, claims.createdAt)
    .limit(100);
}

/** The claim with what access checks need: its cooperative and its order's buyer. */
export async function getClaimAccess(db: Db, claimId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(claimId)) return null;
  const [row] = await db
    .select({ claim: claims, cooperativeId: cooperativeOrders.cooperativeId, buyerId: orders.userId, orderId: orders.id, number: orders.number })
    .from(claims)
    .innerJoin(cooperativeOrders, eq(cooperativeOrders.id, claims.cooperativeOrderId))
    .innerJoin(orders, eq(orders.id, cooperativeOrders.orderId))
    .where(eq(claims.id, claimId));
  return row ?? null;
}

export type DecideProblem = 'not_found' | 'not_open' | 'refund_failed';
export type DecideResult = { ok: true; refund: RefundOutcome | null } | { ok: false; problem: DecideProblem; refund?: RefundOutcome };

interface ClaimAction {
  claimId: string;
  actorUserId: string;
  note: string;
  now: Date;
  baseUrl: string;
}

/**
 * Moves a claim from `from` to `to` once (a conditional update: two clicks cannot both win),
 * refunding the claimed amount for accepted and upheld; when the refund is refused (e.g. more
 * than remains refundable), the claim goes back to `from`.
 */
async function decide(
  db: Db,
  payments_: PaymentsPort | null,
  { claimId, actorUserId, note, now, baseUrl, from, to, cooperativeId }: ClaimAction & { from: 'open' | 'disputed'; to: 'accepted' | 'disputed' | 'upheld' | 'rejected'; cooperativeId: number | null },
): Promise<DecideResult> {
  const access = await getClaimAccess(db, claimId);
  if (!access || (cooperativeId !== null && access.cooperativeId !== cooperativeId)) return { ok: false, problem: 'not_found' };
  const byCooperative = from === 'open';
  const moved = await db
    .update(claims)
    .set({
      status: to,
      ...(byCooperative ? { cooperativeNote: note || null } : { decisionNote: note || null }),
      decidedBy: actorUserId,
      decidedAt: now,
    })
    .where(and(eq(claims.id, claimId), eq(claims.status, from)))
    .returning({ id: claims.id });
  if (moved.length === 0) return { ok: false, problem: 'not_open' };
  let refund: RefundOutcome | null = null;
  if (to === 'accepted' || to === 'upheld') {
    refund = await createRefund(db, payments_, {
      cooperativeOrderId: access.claim.cooperativeOrderId,
      cooperativeId,
      amountFen: access.claim.amountFen,
      reason: `claim:${access.claim.reason}`,
      actorUserId,
      now,
      auditData: { claimId },
    });
    if (!refund.ok && refund.problem !== 'provider_unavailable') {
      await db.update(claims).set({ status: from, decidedBy: access.claim.decidedBy, decidedAt: access.claim.decidedAt }).where(eq(claims.id, claimId));
      return { ok: false, problem: 'refund_failed', refund };
    }
  }
  const status = to;
  await inTransaction(db, async (tx) => {
    await recordAudit(tx, { actorUserId, action: `claim.${to}`, entityType: 'claim', entityId: claimId, data: { note, amountFen: access.claim.amountFen, refundId: refund?.ok ? refund.refundId : null } });
    await notifyUsers(tx, [access.buyerId], {
      kind: `claim.${status}`,
      title: (t) => t(`coop:fulfilment.notifications.claim.${status}.title`, { number: access.number }),
      body: (t) => t(`coop:fulfilment.notifications.claim.${status}.body`, { number: access.number, amount: formatFen(access.claim.amountFen), note }),
      link: `/orders/${access.orderId}`,
      email: { baseUrl },
    });
    if (to === 'disputed') {
      await notifyUsers(tx, await coordinatorIds(tx), {
        kind: 'claim.disputed',
        title: (t) => t('coop:fulfilment.notifications.claimDisputed.title', { number: access.number }),
        body: (t) => t('coop:fulfilment.notifications.claimDisputed.body', { number: access.number, note }),
        link: '/coordinator/claims',
        email: { baseUrl },
      });
    }
    if (to === 'upheld' || to === 'rejected') {
      await notifyUsers(tx, await cooperativeMemberIds(tx, access.cooperativeId), {
        kind: `claim.${status}`,
        title: (t) => t(`coop:fulfilment.notifications.claim.${status}.title`, { number: access.number }),
        body: (t) => t(`coop:fulfilment.notifications.claim.${status}.body`, { number: access.number, amount: formatFen(access.claim.amountFen), note }),
        link: `/coop/${await cooperativeSlug(tx, access.cooperativeId)}/claims`,
        email: { baseUrl },
      });
    }
  });
  return { ok: true, refund };
}

export function acceptClaim(db: Db, payments_: PaymentsPort | null, input: ClaimAction & { cooperativeId: number }) {
  return decide(db, payments_, { ...input, from: 'open', to: 'accepted' });
}

export function disputeClaim(db: Db, input: ClaimAction & { cooperativeId: number }) {
  return decide(db, null, { ...input, from: 'open', to: 'disputed' });
}

/** A coordinator's decision on a disputed claim: uphold (refund) or reject. */
export function decideDisputedClaim(db: Db, payments_: PaymentsPort | null, input: ClaimAction & { uphold: boolean }) {
  return decide(db, payments_, { ...input, cooperativeId: null, from: 'disputed', to: input.uphold ? 'upheld' : 'rejected' });
}
