/**
 * Logistics blockage and stalled-sales reports (物流受阻 / 生产困难 / 产品滞销).
 *
 * Cooperative members and association staff file them (coordinators on behalf of a caller);
 * each is routed to the coordinators covering its region (coordinator_regions of the region or
 * any ancestor), who take it new → acknowledged → in progress → resolved, or reject it with a
 * reason. Reports still new past REPORT_ACK_TARGET_HOURS are escalated once to the lead
 * coordinator of the region or its nearest ancestor. Every change writes report_events (the
 * history) and notifies the reporter and the assignee. While a 物流受阻 report is open, product
 * pages and checkout for its region show a delay notice; an open 产品滞销 report flags its
 * products for the zone's urgent section.
 */
import { and, asc, desc, eq, inArray, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  associationRegions,
  associations,
  cooperatives,
  coordinatorRegions,
  departmentEnum,
  logisticsCauseEnum,
  logisticsReports,
  products,
  regions,
  reportAttachments,
  reportComments,
  reportCooperatives,
  reportEvents,
  reportKindEnum,
  reportProducts,
  reportSeverityEnum,
  reportStatusEnum,
  userRoles,
  users,
  type LogisticsReport,
} from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { preparedQuery } from '~/utils/prepared.server';
import { enqueueJob, type JobHandler } from '~/utils/jobs.server';
import {
  canBeAssignedReport,
  canSeeInternalNotes,
  canTakeReportAction,
  canViewReportAsParticipant,
  type ReportAccessFacts,
  type ReportFacts,
} from '~/utils/permissions-reports.server';
import { canTriageReport, getCoordinatorRegionCodes, hasRole, isAdmin, type Actor } from '~/utils/permissions.server';
import { recordAudit } from './audit.server';
import { notifyUsers, type Translate } from './notifications.server';
import { getRegion, getRegionPath } from './regions.server';
import { enqueuePageCachePurge } from '~/utils/page-cache-purge.server';

type SignedIn = NonNullable<Actor>;

export const REPORT_KINDS = reportKindEnum.enumValues;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const LOGISTICS_CAUSES = logisticsCauseEnum.enumValues;
export type LogisticsCause = (typeof LOGISTICS_CAUSES)[number];
export const REPORT_STATUSES = reportStatusEnum.enumValues;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const REPORT_SEVERITIES = reportSeverityEnum.enumValues;
export type ReportSeverity = (typeof REPORT_SEVERITIES)[number];
export const DEPARTMENTS = departmentEnum.enumValues;
export type Department = (typeof DEPARTMENTS)[number];
export const QUANTITY_UNITS = ['kg', 't', 'box', 'piece'] as const;
export type QuantityUnit = (typeof QUANTITY_UNITS)[number];

/** Not yet resolved or rejected: such a report still affects the storefront and the board. */
export const OPEN_STATUSES = ['new', 'acknowledged', 'in_progress'] as const satisfies readonly ReportStatus[];
export const MAX_ATTACHMENTS = 5;

export const REPORT_ESCALATION_JOB = 'reports.escalate-overdue';

// ---------------------------------------------------------------- the status machine

export type StatusAction = 'acknowledge' | 'start' | 'resolve' | 'reject';
export const STATUS_ACTIONS = ['acknowledge', 'start', 'resolve', 'reject'] as const satisfies readonly StatusAction[];

/** The one table of allowed status changes: from a status, which action leads where. */
export const REPORT_TRANSITIONS: Record<ReportStatus, Partial<Record<StatusAction, ReportStatus>>> = {
  new: { acknowledge: 'acknowledged', reject: 'rejected' },
  acknowledged: { start: 'in_progress', reject: 'rejected' },
  in_progress: { resolve: 'resolved', reject: 'rejected' },
  resolved: {},
  rejected: {},
};

/** Where `action` takes a report in `status`, or null when the table does not allow it. */
export function nextReportStatus(status: ReportStatus, action: StatusAction): ReportStatus | null {
  return REPORT_TRANSITIONS[status][action] ?? null;
}

/** The status actions open to a report in `status`, in the table's order. */
export function statusActionsFrom(status: ReportStatus): StatusAction[] {
  return STATUS_ACTIONS.filter((action) => nextReportStatus(status, action) !== null);
}

export function isOpenStatus(status: ReportStatus): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

/** Still new past the acknowledgement target. */
export function isOverdue(report: { status: ReportStatus; createdAt: Date }, now: Date, ackTargetHours: number): boolean {
  return report.status === 'new' && now.getTime() - report.createdAt.getTime() >= ackTargetHours * 3_600_000;
}

/** A short reference people can read out on the phone: the first 8 hex digits of the id. */
export function reportReference(id: string): string {
  return id.replace(/-/g, '').slice(0, 8).toUpperCase();
}

export function reportLink(id: string): string {
  return `/reports/${id}`;
}

/** The origin for links in e-mails: PUBLIC_URL when set, else the request's own. */
export function siteOrigin(env: { PUBLIC_URL?: string }, request: Request): string {
  return env.PUBLIC_URL?.replace(/\/$/, '') ?? new URL(request.url).origin;
}

// ---------------------------------------------------------------- access facts

/** The regions of the user's associations (the association's own region and its listed regions). */
export async function getAssociationRegionCodes(db: Db, associationIds: readonly number[]): Promise<string[]> {
  if (associationIds.length === 0) return [];
  const [listed, own] = await Promise.all([
    db.select({ code: associationRegions.regionCode }).from(associationRegions).where(inArray(associationRegions.associationId, [...associationIds])),
    db.select({ code: associations.regionCode }).from(associations).where(inArray(associations.id, [...associationIds])),
  ]);
  return [...new Set([...listed, ...own].map((r) => r.code))];
}

/** Rows whose report region lies inside one of `codes` (the region itself, its parent or province). */
export function reportRegionWithin(codes: readonly string[]): SQL {
  if (codes.length === 0) return sql`false`;
  return sql`(${logisticsReports.regionCode} in ${[...codes]} or ${logisticsReports.provinceCode} in ${[...codes]}
    or exists (select 1 from ${regions} rr where rr.code = ${logisticsReports.regionCode} and rr.parent_code in ${[...codes]}))`;
}

export interface ReportAccess {
  report: LogisticsReport;
  reportFacts: ReportFacts;
  facts: ReportAccessFacts;
  canView: boolean;
  canTriage: boolean;
}

async function accessFor(db: Db, actor: SignedIn, report: LogisticsReport): Promise<ReportAccess> {
  const [coops, path, coordinatorRegionCodes, associationRegionCodes] = await Promise.all([
    db.select({ id: reportCooperatives.cooperativeId }).from(reportCooperatives).where(eq(reportCooperatives.reportId, report.id)),
    getRegionPath(db, report.regionCode),
    hasRole(actor, 'coordinator') ? getCoordinatorRegionCodes(db, actor.id) : Promise.resolve([]),
    getAssociationRegionCodes(db, actor.associationIds),
  ]);
  const reportFacts: ReportFacts = { reporterUserId: report.reporterUserId, associationId: report.associationId, cooperativeIds: coops.map((c) => c.id) };
  const facts: ReportAccessFacts = { coordinatorRegionCodes, associationRegionCodes, reportRegionPath: path.map((r) => r.code) };
  return { report, reportFacts, facts, canView: canViewReportAsParticipant(actor, reportFacts, facts), canTriage: canTriageReport(actor, facts) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The report and what the actor may do with it; null when there is no such report. */
export async function getReportAccess(db: Db, actor: SignedIn, reportId: string): Promise<ReportAccess | null> {
  if (!UUID.test(reportId)) return null;
  const [report] = await db.select().from(logisticsReports).where(eq(logisticsReports.id, reportId));
  return report ? accessFor(db, actor, report) : null;
}

// ---------------------------------------------------------------- filing

export interface RegionOption {
  code: string;
  name: string;
  level: number;
}
export interface RegionGroup {
  /** The prefecture's (or the province's) name; null for regions directly under the province. */
  label: string | null;
  options: RegionOption[];
}

/**
 * The places a report may name within one province, for one select without JavaScript: the
 * province itself, then each prefecture followed by its counties, then the county-level units
 * directly under the province (潜江市, 仙桃市; a municipality's districts).
 */
export async function listRegionGroups(db: Db, provinceCode: string): Promise<RegionGroup[]> {
  const rows = await db
    .select({ code: regions.code, name: regions.name, level: regions.level, parentCode: regions.parentCode })
    .from(regions)
    .where(eq(regions.provinceCode, provinceCode))
    .orderBy(asc(regions.code));
  const province = rows.find((r) => r.level === 1);
  if (!province) return [];
  const groups: RegionGroup[] = [{ label: province.name, options: [{ code: province.code, name: province.name, level: 1 }] }];
  const byPrefecture = new Map<string, RegionGroup>();
  for (const r of rows.filter((x) => x.level === 2)) {
    const group = { label: r.name, options: [{ code: r.code, name: r.name, level: 2 }] };
    byPrefecture.set(r.code, group);
    groups.push(group);
  }
  const direct: RegionOption[] = [];
  for (const r of rows.filter((x) => x.level === 3)) {
    const group = r.parentCode ? byPrefecture.get(r.parentCode) : undefined;
    (group ? group.options : direct).push({ code: r.code, name: r.name, level: 3 });
  }
  if (direct.length > 0) groups.push({ label: null, options: direct });
  return groups;
}

export async function listProvinces(db: Db) {
  return db.select({ code: regions.code, name: regions.name }).from(regions).where(eq(regions.level, 1)).orderBy(asc(regions.code));
}

export interface FilingChoices {
  cooperatives: { id: number; legalName: string; regionCode: string }[];
  products: { id: number; title: string; cooperativeId: number }[];
}

/** Cooperatives whose region lies inside one of `codes`. */
function cooperativeWithin(codes: readonly string[]): SQL {
  if (codes.length === 0) return sql`false`;
  return sql`exists (select 1 from ${regions} cr where cr.code = ${cooperatives.regionCode}
    and (cr.code in ${[...codes]} or cr.parent_code in ${[...codes]} or cr.province_code in ${[...codes]}))`;
}

/**
 * The cooperatives and products the actor may name as affected: a member their own, association
 * staff those in their associations' regions, a coordinator those in the regions covered, an
 * admin those in `provinceCode`.
 */
export async function getFilingChoices(db: Db, actor: SignedIn, { provinceCode }: { provinceCode?: string | null } = {}): Promise<FilingChoices> {
  const conditions: SQL[] = [];
  if (actor.cooperativeIds.length > 0) conditions.push(inArray(cooperatives.id, actor.cooperativeIds));
  if (actor.associationIds.length > 0) conditions.push(cooperativeWithin(await getAssociationRegionCodes(db, actor.associationIds)));
  if (hasRole(actor, 'coordinator')) conditions.push(cooperativeWithin(await getCoordinatorRegionCodes(db, actor.id)));
  if (isAdmin(actor) && provinceCode) conditions.push(cooperativeWithin([provinceCode]));
  if (conditions.length === 0) return { cooperatives: [], products: [] };
  const coops = await db
    .select({ id: cooperatives.id, legalName: cooperatives.legalName, regionCode: cooperatives.regionCode })
    .from(cooperatives)
    .where(and(or(...conditions), ne(cooperatives.verificationStatus, 'rejected')))
    .orderBy(asc(cooperatives.regionCode), asc(cooperatives.id))
    .limit(500);
  const productRows =
    coops.length === 0
      ? []
      : await db
          .select({ id: products.id, title: products.title, cooperativeId: products.cooperativeId })
          .from(products)
          .where(and(inArray(products.cooperativeId, coops.map((c) => c.id)), ne(products.status, 'archived')))
          .orderBy(asc(products.cooperativeId), asc(products.id));
  return { cooperatives: coops, products: productRows };
}

/** The province the form starts in: the actor's association, cooperative or covered region. */
export async function defaultFilingProvince(db: Db, actor: SignedIn): Promise<string | null> {
  const candidates: string[] = [];
  if (actor.associationIds.length > 0) {
    const [a] = await db.select({ code: associations.regionCode }).from(associations).where(inArray(associations.id, actor.associationIds)).orderBy(asc(associations.id)).limit(1);
    if (a) candidates.push(a.code);
  }
  if (actor.cooperativeIds.length > 0) {
    const [c] = await db.select({ code: cooperatives.regionCode }).from(cooperatives).where(inArray(cooperatives.id, actor.cooperativeIds)).orderBy(asc(cooperatives.id)).limit(1);
    if (c) candidates.push(c.code);
  }
  if (hasRole(actor, 'coordinator')) candidates.push(...(await getCoordinatorRegionCodes(db, actor.id)).sort());
  const first = candidates[0];
  if (!first) return null;
  return (await getRegion(db, first))?.provinceCode ?? null;
}

export interface ReportInput {
  kind: ReportKind;
  /** Only for 物流受阻; ignored for other kinds. */
  cause: LogisticsCause | null;
  regionCode: string;
  placeDetail: string;
  summary: string;
  description: string;
  quantityAtRisk: number | null;
  quantityUnit: QuantityUnit;
  daysUntilLoss: number | null;
  /** ISO date (yyyy-mm-dd). */
  deadline: string | null;
  severity: ReportSeverity;
  contactName: string;
  contactPhone: string;
  /** A caller's name when a coordinator files for them; ignored for anyone else. */
  filedForName: string | null;
  cooperativeIds: number[];
  productIds: number[];
}

export interface StoredAttachment {
  path: string;
  contentType: string;
  size: number;
}

export type FileReportError = 'region_not_found' | 'cooperative_not_allowed' | 'product_not_allowed';
export type FileReportResult = { ok: true; id: string } | { ok: false; error: FileReportError };

export interface FileReportOptions {
  actor: SignedIn;
  input: ReportInput;
  now: Date;
  ackTargetHours: number;
  /** Origin for the links in notification e-mails. */
  baseUrl: string;
  /** Stores the attachments; called only once the report is known to be admissible. */
  storeAttachments?: () => Promise<StoredAttachment[]>;
}

/** Files a report, routes it to the coordinators covering its region and schedules its escalation check. */
export async function fileReport(db: Db, options: FileReportOptions): Promise<FileReportResult> {
  const { actor, input, now } = options;
  const path = await getRegionPath(db, input.regionCode);
  const region = path.at(-1);
  if (!region || region.code !== input.regionCode) return { ok: false, error: 'region_not_found' };

  const choices = await getFilingChoices(db, actor, { provinceCode: region.provinceCode });
  const coopIds = new Set(choices.cooperatives.map((c) => c.id));
  if (input.cooperativeIds.some((id) => !coopIds.has(id))) return { ok: false, error: 'cooperative_not_allowed' };
  const productById = new Map(choices.products.map((p) => [p.id, p]));
  if (input.productIds.some((id) => !productById.has(id))) return { ok: false, error: 'product_not_allowed' };
  const affectedCoops = [...new Set([...input.cooperativeIds, ...input.productIds.map((id) => productById.get(id)!.cooperativeId)])];

  const regionPathCodes = path.map((r) => r.code);
  const associationId = await associationForReport(db, actor, regionPathCodes);
  const attachments = (await options.storeAttachments?.()) ?? [];
  const onBehalf = hasRole(actor, 'coordinator') || isAdmin(actor);

  const id = await db.transaction(async (tx) => {
    await enqueuePageCachePurge(tx, 'report.filed');
    const [row] = await tx
      .insert(logisticsReports)
      .values({
        reporterUserId: actor.id,
        filedForName: onBehalf ? input.filedForName || null : null,
        associationId,
        kind: input.kind,
        cause: input.kind === 'logistics_blocked' ? input.cause : null,
        regionCode: region.code,
        provinceCode: region.provinceCode,
        placeDetail: input.placeDetail,
        summary: input.summary,
        description: input.description,
        quantityAtRisk: input.quantityAtRisk,
        quantityUnit: input.quantityUnit,
        daysUntilLoss: input.daysUntilLoss,
        deadline: input.deadline,
        severity: input.severity,
        contactName: input.contactName,
        contactPhone: input.contactPhone,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: logisticsReports.id });
    const reportId = row!.id;
    if (affectedCoops.length > 0) await tx.insert(reportCooperatives).values(affectedCoops.map((cooperativeId) => ({ reportId, cooperativeId })));
    if (input.productIds.length > 0) await tx.insert(reportProducts).values([...new Set(input.productIds)].map((productId) => ({ reportId, productId })));
    if (attachments.length > 0) await tx.insert(reportAttachments).values(attachments.map((a) => ({ reportId, ...a, createdAt: now })));
    await recordEvent(tx, reportId, actor.id, 'filed', { kind: input.kind, regionCode: region.code, filedForName: onBehalf ? input.filedForName || null : null }, now);

    const coordinators = await coordinatorsCovering(tx, regionPathCodes);
    await recordEvent(tx, reportId, null, 'routed', { coordinatorUserIds: coordinators.map((c) => c.userId) }, now);
    const summary = input.summary;
    await notifyUsers(
      tx,
      coordinators.map((c) => c.userId).filter((userId) => userId !== actor.id),
      {
        kind: 'report.filed',
        title: (t) => t('reports:notifications.filed.title', { kind: t(`reports:kind.${input.kind}`), region: region.name }),
        body: (t) => t('reports:notifications.filed.body', { summary, reference: reportReference(reportId) }),
        link: reportLink(reportId),
        email: { baseUrl: options.baseUrl },
      },
    );
    await enqueueJob(tx, { kind: REPORT_ESCALATION_JOB, payload: { reportId }, runAt: new Date(now.getTime() + options.ackTargetHours * 3_600_000) });
    await recordAudit(tx, { actorUserId: actor.id, action: 'report.filed', entityType: 'logistics_report', entityId: reportId, data: { kind: input.kind, regionCode: region.code } });
    return reportId;
  });
  return { ok: true, id };
}

/** The association a report is filed through: the staff member's association covering the place, else their first. */
async function associationForReport(db: Db, actor: SignedIn, regionPathCodes: string[]): Promise<number | null> {
  if (actor.associationIds.length === 0) return null;
  const rows = await db
    .select({ id: associations.id, regionCode: associations.regionCode, listed: associationRegions.regionCode })
    .from(associations)
    .leftJoin(associationRegions, eq(associationRegions.associationId, associations.id))
    .where(inArray(associations.id, actor.associationIds))
    .orderBy(asc(associations.id));
  const covering = rows.find((r) => regionPathCodes.includes(r.regionCode) || (r.listed !== null && regionPathCodes.includes(r.listed)));
  return (covering ?? rows[0])?.id ?? null;
}

/** Coordinators covering a place (any region of its path), each once. */
async function coordinatorsCovering(db: Db, regionPathCodes: string[]) {
  if (regionPathCodes.length === 0) return [];
  const rows = await db
    .selectDistinct({ userId: coordinatorRegions.userId })
    .from(coordinatorRegions)
    .innerJoin(userRoles, and(eq(userRoles.userId, coordinatorRegions.userId), eq(userRoles.role, 'coordinator')))
    .where(inArray(coordinatorRegions.regionCode, regionPathCodes));
  return rows;
}

/** The lead coordinator of the region or, failing that, of its nearest ancestor with a lead. */
export async function findLeadCoordinator(db: Db, regionCode: string): Promise<string | null> {
  const path = (await getRegionPath(db, regionCode)).map((r) => r.code);
  if (path.length === 0) return null;
  const leads = await db
    .select({ userId: coordinatorRegions.userId, regionCode: coordinatorRegions.regionCode })
    .from(coordinatorRegions)
    .innerJoin(userRoles, and(eq(userRoles.userId, coordinatorRegions.userId), eq(userRoles.role, 'coordinator')))
    .where(and(eq(coordinatorRegions.isLead, true), inArray(coordinatorRegions.regionCode, path)));
  for (const code of [...path].reverse()) {
    const lead = leads.find((l) => l.regionCode === code);
    if (lead) return lead.userId;
  }
  return null;
}

/** Coordinators who may be assigned a report in this place. */
export async function listAssignableCoordinators(db: Db, regionPathCodes: readonly string[]) {
  if (regionPathCodes.length === 0) return [];
  return db
    .selectDistinct({ id: users.id, displayName: users.displayName })
    .from(coordinatorRegions)
    .innerJoin(users, eq(users.id, coordinatorRegions.userId))
    .innerJoin(userRoles, and(eq(userRoles.userId, users.id), eq(userRoles.role, 'coordinator')))
    .where(inArray(coordinatorRegions.regionCode, [...regionPathCodes]))
    .orderBy(asc(users.displayName));
}

async function recordEvent(db: Db, reportId: string, actorUserId: string | null, action: string, data: Record<string, unknown>, now: Date) {
  await db.insert(reportEvents).values({ reportId, actorUserId, action, data, createdAt: now });
}

// ---------------------------------------------------------------- coordination

export type ReportChangeError = 'not_found' | 'forbidden' | 'invalid_transition' | 'closed' | 'invalid_assignee';
export type ReportChangeResult = { ok: true } | { ok: false; error: ReportChangeError };

interface ChangeContext {
  actor: SignedIn;
  reportId: string;
  now: Date;
  baseUrl: string;
}

/**
 * Locks the report row for the change and checks access: 404 for those who may not read it,
 * 403 for those who may read it but not do this.
 */
async function lockForChange(db: Db, ctx: ChangeContext, action: Parameters<typeof canTakeReportAction>[1]) {
  if (!UUID.test(ctx.reportId)) return { error: 'not_found' as const };
  const [report] = await db.select().from(logisticsReports).where(eq(logisticsReports.id, ctx.reportId)).for('update');
  if (!report) return { error: 'not_found' as const };
  const access = await accessFor(db, ctx.actor, report);
  if (!access.canView) return { error: 'not_found' as const };
  if (!canTakeReportAction(ctx.actor, action, access.reportFacts, access.facts)) return { error: 'forbidden' as const };
  return { access };
}

function statusText(status: ReportStatus) {
  return (t: Translate) => t(`reports:status.${status}`);
}

/** Moves a report along REPORT_TRANSITIONS; a rejection needs a reason. Notifies the reporter and the assignee. */
export async function transitionReport(db: Db, ctx: ChangeContext & { action: StatusAction; reason?: string }): Promise<ReportChangeResult> {
  return db.transaction(async (tx) => {
    const locked = await lockForChange(tx, ctx, ctx.action);
    if ('error' in locked) return { ok: false, error: locked.error! };
    const { report } = locked.access;
    const to = nextReportStatus(report.status, ctx.action);
    if (!to) return { ok: false, error: 'invalid_transition' };
    const reason = ctx.reason?.trim() ?? '';
    if (ctx.action === 'reject' && !reason) return { ok: false, error: 'invalid_transition' };
    const { now } = ctx;
    // Storefront pages show open reports' delay notices: stored anonymous pages must go.
    await enqueuePageCachePurge(tx, `report.${to}`);
    await tx
      .update(logisticsReports)
      .set({
        status: to,
        updatedAt: now,
        // The first answer to a new report, whether an acknowledgement or a rejection, ends the wait.
        ...(report.status === 'new' ? { acknowledgedAt: now } : {}),
        ...(to === 'resolved' ? { resolvedAt: now } : {}),
        ...(to === 'rejected' ? { rejectionReason: reason } : {}),
      })
      .where(eq(logisticsReports.id, report.id));
    await recordEvent(tx, report.id, ctx.actor.id, 'status', { from: report.status, to, ...(reason ? { reason } : {}) }, now);
    await recordAudit(tx, { actorUserId: ctx.actor.id, action: 'report.status_changed', entityType: 'logistics_report', entityId: report.id, data: { from: report.status, to } });
    await notifyUsers(
      tx,
      [report.reporterUserId, report.assigneeUserId].filter((id) => id !== ctx.actor.id),
      {
        kind: 'report.status',
        title: (t) => t('reports:notifications.status.title', { reference: reportReference(report.id), status: statusText(to)(t) }),
        body: (t) =>
          [t('reports:notifications.status.body', { summary: report.summary, from: statusText(report.status)(t), to: statusText(to)(t) }), reason ? t('reports:notifications.status.reason', { reason }) : '']
            .filter(Boolean)
            .join('\n'),
        link: reportLink(report.id),
        email: { baseUrl: ctx.baseUrl },
      },
    );
    return { ok: true };
  });
}

/**
 * Assigns an open report to a coordinator covering its region and/or a department (null clears
 * either). The new assignee is notified.
 */
export async function assignReport(db: Db, ctx: ChangeContext & { assigneeUserId: string | null; department: Department | null }): Promise<ReportChangeResult> {
  return db.transaction(async (tx) => {
    const locked = await lockForChange(tx, ctx, 'assign');
    if ('error' in locked) return { ok: false, error: locked.error! };
    const { report, facts } = locked.access;
    if (!isOpenStatus(report.status)) return { ok: false, error: 'closed' };
    if (ctx.assigneeUserId !== null) {
      const roles = await tx.select({ role: userRoles.role }).from(userRoles).where(eq(userRoles.userId, ctx.assigneeUserId));
      const coordinatorRegionCodes = roles.length > 0 ? await getCoordinatorRegionCodes(tx, ctx.assigneeUserId) : [];
      if (!canBeAssignedReport({ roles: roles.map((r) => r.role), coordinatorRegionCodes }, facts.reportRegionPath)) return { ok: false, error: 'invalid_assignee' };
    }
    if (report.assigneeUserId === ctx.assigneeUserId && report.department === ctx.department) return { ok: true };
    const { now } = ctx;
    await tx.update(logisticsReports).set({ assigneeUserId: ctx.assigneeUserId, department: ctx.department, updatedAt: now }).where(eq(logisticsReports.id, report.id));
    const data = { assigneeUserId: ctx.assigneeUserId, department: ctx.department, previousAssigneeUserId: report.assigneeUserId, previousDepartment: report.department };
    await recordEvent(tx, report.id, ctx.actor.id, 'assigned', data, now);
    await recordAudit(tx, { actorUserId: ctx.actor.id, action: 'report.assigned', entityType: 'logistics_report', entityId: report.id, data });
    if (ctx.assigneeUserId && ctx.assigneeUserId !== report.assigneeUserId && ctx.assigneeUserId !== ctx.actor.id) {
      await notifyUsers(tx, [ctx.assigneeUserId], {
        kind: 'report.assigned',
        title: (t) => t('reports:notifications.assigned.title', { reference: reportReference(report.id) }),
        body: (t) => t('reports:notifications.assigned.body', { summary: report.summary }),
        link: reportLink(report.id),
        email: { baseUrl: ctx.baseUrl },
      });
    }
    return { ok: true };
  });
}

/**
 * Adds to the thread. A comment is seen by everyone who reads the report; an internal note only
 * by those who triage it. The reporter hears of comments, the assignee of both.
 */
export async function addReportComment(db: Db, ctx: ChangeContext & { body: string; internal: boolean }): Promise<ReportChangeResult> {
  return db.transaction(async (tx) => {
    const locked = await lockForChange(tx, ctx, ctx.internal ? 'note' : 'comment');
    if ('error' in locked) return { ok: false, error: locked.error! };
    const { report } = locked.access;
    const { now } = ctx;
    await tx.insert(reportComments).values({ reportId: report.id, authorUserId: ctx.actor.id, body: ctx.body, internal: ctx.internal, createdAt: now });
    await tx.update(logisticsReports).set({ updatedAt: now }).where(eq(logisticsReports.id, report.id));
    const recipients = ctx.internal ? [report.assigneeUserId] : [report.reporterUserId, report.assigneeUserId];
    await notifyUsers(
      tx,
      recipients.filter((id) => id !== ctx.actor.id),
      {
        kind: 'report.comment',
        title: (t) => t(ctx.internal ? 'reports:notifications.note.title' : 'reports:notifications.comment.title', { reference: reportReference(report.id) }),
        body: ctx.body.length > 500 ? `${ctx.body.slice(0, 499)}…` : ctx.body,
        link: reportLink(report.id),
        email: { baseUrl: ctx.baseUrl },
      },
    );
    return { ok: true };
  });
}

// ---------------------------------------------------------------- escalation

/**
 * Escalates reports still new past the target, once each: the lead coordinator of the report's
 * region (or nearest ancestor) is notified — or, with no lead anywhere above it, the admins —
 * and escalated_at is set. Rows are claimed FOR UPDATE SKIP LOCKED, so several runners never
 * escalate one report twice. Returns how many were escalated.
 */
export async function escalateOverdueReports(db: Db, { now, ackTargetHours, baseUrl, limit = 100 }: { now: Date; ackTargetHours: number; baseUrl: string; limit?: number }): Promise<number> {
  const cutoff = new Date(now.getTime() - ackTargetHours * 3_600_000);
  return db.transaction(async (tx) => {
    const due = await tx
      .select()
      .from(logisticsReports)
      .where(and(eq(logisticsReports.status, 'new'), isNull(logisticsReports.escalatedAt), lte(logisticsReports.createdAt, cutoff)))
      .orderBy(asc(logisticsReports.createdAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    for (const report of due) {
      const leadUserId = await findLeadCoordinator(tx, report.regionCode);
      const recipients = leadUserId ? [leadUserId] : (await tx.select({ id: userRoles.userId }).from(userRoles).where(eq(userRoles.role, 'admin'))).map((r) => r.id);
      await tx.update(logisticsReports).set({ escalatedAt: now }).where(eq(logisticsReports.id, report.id));
      await recordEvent(tx, report.id, null, 'escalated', { leadUserId, notifiedUserIds: recipients, ackTargetHours }, now);
      await recordAudit(tx, { actorUserId: null, action: 'report.escalated', entityType: 'logistics_report', entityId: report.id, data: { leadUserId } });
      const region = await getRegion(tx, report.regionCode);
      await notifyUsers(tx, recipients, {
        kind: 'report.escalated',
        title: (t) => t('reports:notifications.escalated.title', { reference: reportReference(report.id), hours: ackTargetHours }),
        body: (t) => t('reports:notifications.escalated.body', { summary: report.summary, region: region?.name ?? report.regionCode, hours: ackTargetHours }),
        link: reportLink(report.id),
        email: { baseUrl },
      });
    }
    return due.length;
  });
}

/**
 * The handler of REPORT_ESCALATION_JOB. Each filed report schedules one for when it would fall
 * overdue; any run sweeps every overdue report, so the lead may also schedule it periodically.
 */
export function reportEscalationJobHandler({ ackTargetHours, baseUrl }: { ackTargetHours: number; baseUrl: string }): JobHandler {
  return async (_payload, ctx) => {
    let total = 0;
    for (;;) {
      const escalated = await escalateOverdueReports(ctx.db, { now: ctx.now(), ackTargetHours, baseUrl });
      total += escalated;
      if (escalated < 100) break;
    }
    if (total > 0) ctx.logger.info({ escalated: total }, 'escalated overdue reports');
  };
}

// ---------------------------------------------------------------- reading

/** A report as its detail page shows it; null when there is none or the actor may not read it. */
export async function getReportDetail(db: Db, actor: SignedIn, reportId: string, { now, ackTargetHours }: { now: Date; ackTargetHours: number }) {
  const access = await getReportAccess(db, actor, reportId);
  if (!access?.canView) return null;
  const { report, facts, canTriage } = access;
  const showInternal = canSeeInternalNotes(actor, facts);
  const [path, people, coops, productRows, attachments, comments, events, association] = await Promise.all([
    getRegionPath(db, report.regionCode),
    userNames(db, [report.reporterUserId, report.assigneeUserId]),
    db
      .select({ id: cooperatives.id, slug: cooperatives.slug, legalName: cooperatives.legalName })
      .from(reportCooperatives)
      .innerJoin(cooperatives, eq(cooperatives.id, reportCooperatives.cooperativeId))
      .where(eq(reportCooperatives.reportId, report.id))
      .orderBy(asc(cooperatives.id)),
    db
      .select({ id: products.id, slug: products.slug, title: products.title })
      .from(reportProducts)
      .innerJoin(products, eq(products.id, reportProducts.productId))
      .where(eq(reportProducts.reportId, report.id))
      .orderBy(asc(products.id)),
    db
      .select({ id: reportAttachments.id, contentType: reportAttachments.contentType, size: reportAttachments.size, createdAt: reportAttachments.createdAt })
      .from(reportAttachments)
      .where(eq(reportAttachments.reportId, report.id))
      .orderBy(asc(reportAttachments.id)),
    db
      .select({ id: reportComments.id, body: reportComments.body, internal: reportComments.internal, createdAt: reportComments.createdAt, authorUserId: reportComments.authorUserId, authorName: users.displayName })
      .from(reportComments)
      .leftJoin(users, eq(users.id, reportComments.authorUserId))
      .where(and(eq(reportComments.reportId, report.id), showInternal ? undefined : eq(reportComments.internal, false)))
      .orderBy(asc(reportComments.createdAt), asc(reportComments.id)),
    db
      .select({ id: reportEvents.id, action: reportEvents.action, data: reportEvents.data, createdAt: reportEvents.createdAt, actorName: users.displayName })
      .from(reportEvents)
      .leftJoin(users, eq(users.id, reportEvents.actorUserId))
      .where(eq(reportEvents.reportId, report.id))
      .orderBy(asc(reportEvents.createdAt), asc(reportEvents.id)),
    report.associationId === null ? null : db.select({ name: associations.name }).from(associations).where(eq(associations.id, report.associationId)).then((r) => r[0] ?? null),
  ]);
  const assignees = canTriage ? await listAssignableCoordinators(db, facts.reportRegionPath) : [];
  const mentioned = events.flatMap((e) => {
    const d = e.data as Record<string, unknown>;
    return [d.assigneeUserId, d.leadUserId].filter((id): id is string => typeof id === 'string' && !people.has(id));
  });
  const names = new Map([...people, ...(await userNames(db, mentioned)), ...assignees.map((a) => [a.id, a.displayName] as const)]);
  return {
    report: {
      ...report,
      reference: reportReference(report.id),
      regionPath: path.map((r) => r.name),
      reporterName: report.reporterUserId ? (names.get(report.reporterUserId) ?? null) : null,
      assigneeName: report.assigneeUserId ? (names.get(report.assigneeUserId) ?? null) : null,
      associationName: association?.name ?? null,
      overdue: isOverdue(report, now, ackTargetHours),
      isOpen: isOpenStatus(report.status),
    },
    cooperatives: coops,
    products: productRows,
    attachments,
    comments,
    // Events name people by display name; the ids inside `data` are resolved for the assignment lines.
    events: events.map((e) => ({ ...e, data: e.data as Record<string, unknown> })),
    eventPeople: Object.fromEntries(names),
    permissions: {
      canTriage,
      canComment: true,
      canNote: showInternal,
      statusActions: canTriage ? statusActionsFrom(report.status) : [],
      canAssign: canTriage && isOpenStatus(report.status),
    },
    assignees,
  };
}

async function userNames(db: Db, ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ id: users.id, displayName: users.displayName }).from(users).where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, r.displayName]));
}

/** An attachment's stored path, when the actor may read its report; null otherwise (answered 404). */
export async function getReportAttachmentForViewer(db: Db, actor: SignedIn, reportId: string, attachmentId: number) {
  const access = await getReportAccess(db, actor, reportId);
  if (!access?.canView) return null;
  const [row] = await db
    .select({ path: reportAttachments.path, contentType: reportAttachments.contentType })
    .from(reportAttachments)
    .where(and(eq(reportAttachments.id, attachmentId), eq(reportAttachments.reportId, reportId)));
  return row ?? null;
}

export type MyReportsScope = 'mine' | 'association' | 'cooperatives';
export const MY_REPORTS_PAGE_SIZE = 30;

/** The reports a person follows: filed by them, by or for their association, or about their cooperatives. */
export async function listMyReports(db: Db, actor: SignedIn, { scope, limit = MY_REPORTS_PAGE_SIZE, offset = 0 }: { scope: MyReportsScope; limit?: number; offset?: number }) {
  let where: SQL;
  if (scope === 'mine') {
    where = eq(logisticsReports.reporterUserId, actor.id);
  } else if (scope === 'association') {
    if (actor.associationIds.length === 0) return [];
    const areaCodes = await getAssociationRegionCodes(db, actor.associationIds);
    where = or(inArray(logisticsReports.associationId, actor.associationIds), reportRegionWithin(areaCodes))!;
  } else {
    if (actor.cooperativeIds.length === 0) return [];
    where = sql`exists (select 1 from ${reportCooperatives} rc where rc.report_id = ${logisticsReports.id} and rc.cooperative_id in ${actor.cooperativeIds})`;
  }
  return db
    .select({
      id: logisticsReports.id,
      kind: logisticsReports.kind,
      cause: logisticsReports.cause,
      status: logisticsReports.status,
      summary: logisticsReports.summary,
      regionName: regions.name,
      createdAt: logisticsReports.createdAt,
      updatedAt: logisticsReports.updatedAt,
    })
    .from(logisticsReports)
    .innerJoin(regions, eq(regions.code, logisticsReports.regionCode))
    .where(where)
    .orderBy(desc(logisticsReports.updatedAt), desc(logisticsReports.id))
    .limit(limit)
    .offset(offset);
}

// ---------------------------------------------------------------- the storefront

export interface DelayNotice {
  reportId: string;
  summary: string;
  cause: LogisticsCause | null;
  /** The report's region (the origin region itself or an ancestor of it). */
  regionCode: string;
  regionName: string;
  /** ISO timestamp of filing. */
  since: string;
}

type DelayNoticeWithOrigins = DelayNotice & { affectedRegionCodes: string[] };

const isRegionCode = (code: string) => /^\d{6}$/.test(code);
const originRegions = alias(regions, 'o');
const reportRegions = alias(regions, 'rr');

/**
 * Open 物流受阻 reports affecting the origin regions that `origins` (a condition on `originRegions`)
 * picks, one row per report and origin, newest report first. A report for a region affects that
 * region and every region below it: a report for 湖北省 or for 潜江市 affects a product from 潜江市.
 */
function delayNoticeRows(db: Db, origins: SQL) {
  return db
    .select({
      id: logisticsReports.id,
      summary: logisticsReports.summary,
      cause: logisticsReports.cause,
      regionCode: logisticsReports.regionCode,
      regionName: reportRegions.name,
      createdAt: logisticsReports.createdAt,
      origin: originRegions.code,
    })
    .from(originRegions)
    .innerJoin(logisticsReports, sql`${logisticsReports.regionCode} in (${originRegions.code}, ${originRegions.parentCode}, ${originRegions.provinceCode})`)
    .innerJoin(reportRegions, eq(reportRegions.code, logisticsReports.regionCode))
    .where(and(origins, eq(logisticsReports.kind, 'logistics_blocked'), inArray(logisticsReports.status, [...OPEN_STATUSES])))
    .orderBy(desc(logisticsReports.createdAt), asc(logisticsReports.id));
}

/** The product page asks for one origin on every visit: its query is built once per database. */
const delayNoticeRowsForRegion = preparedQuery((db) => delayNoticeRows(db, eq(originRegions.code, sql.placeholder('regionCode'))));

function toDelayNotices(rows: Awaited<ReturnType<typeof delayNoticeRows>>): DelayNoticeWithOrigins[] {
  const byReport = new Map<string, DelayNoticeWithOrigins>();
  for (const r of rows) {
    const existing = byReport.get(r.id);
    if (existing) {
      existing.affectedRegionCodes.push(r.origin);
      continue;
    }
    byReport.set(r.id, {
      reportId: r.id,
      summary: r.summary,
      cause: r.cause,
      regionCode: r.regionCode.trim(),
      regionName: r.regionName,
      since: r.createdAt.toISOString(),
      affectedRegionCodes: [r.origin.trim()],
    });
  }
  return [...byReport.values()];
}

/** Open 物流受阻 reports affecting any of the given origin regions (checkout: one per distinct origin), each with the origin regions it affects. */
export async function getDelayNoticesForRegions(db: Db, regionCodes: readonly string[]): Promise<DelayNoticeWithOrigins[]> {
  const codes = [...new Set(regionCodes)].filter(isRegionCode);
  if (codes.length === 0) return [];
  return toDelayNotices(await delayNoticeRows(db, inArray(originRegions.code, codes)));
}

/** Open 物流受阻 reports for a product's origin region or any region above it, newest first. */
export async function getOpenDelayNotices(db: Db, regionCode: string): Promise<DelayNotice[]> {
  if (!isRegionCode(regionCode)) return [];
  const rows = await delayNoticeRowsForRegion(db).execute({ regionCode });
  return toDelayNotices(rows).map(({ affectedRegionCodes: _affected, ...notice }) => notice);
}

export interface UnsoldFlag {
  productId: number;
  /** The earliest loss date among its open 产品滞销 reports (the deadline, else filing date + days until loss); null if none gave one. */
  deadline: string | null;
  reportIds: string[];
}

/** Notices for the origin regions of these products (checkout: the goods in the cart). */
export async function getDelayNoticesForProducts(db: Db, productIds: readonly number[]): Promise<DelayNotice[]> {
  if (productIds.length === 0) return [];
  const rows = await db.selectDistinct({ code: products.originRegionCode }).from(products).where(inArray(products.id, [...productIds]));
  return getDelayNoticesForRegions(db, rows.map((r) => r.code));
}

/** Products named by open 产品滞销 reports, for the zone's urgent ranking (soonest deadline first, unknown last). */
export async function listProductsFlaggedUnsold(db: Db): Promise<UnsoldFlag[]> {
  const rows = await queryRows<{ product_id: number; deadline: string | null; report_ids: string[] | string }>(
    db,
    sql`select rp.product_id,
          min(coalesce(lr.deadline, ((lr.created_at at time zone 'Asia/Shanghai')::date + lr.days_until_loss)))::text as deadline,
          array_agg(lr.id::text order by lr.created_at) as report_ids
        from ${reportProducts} rp
        join ${logisticsReports} lr on lr.id = rp.report_id
        where lr.kind = 'unsold' and lr.status in ${[...OPEN_STATUSES]}
        group by rp.product_id
        order by min(coalesce(lr.deadline, ((lr.created_at at time zone 'Asia/Shanghai')::date + lr.days_until_loss))) asc nulls last, rp.product_id`,
  );
  return rows.map((r) => ({
    productId: Number(r.product_id),
    deadline: r.deadline,
    reportIds: Array.isArray(r.report_ids) ? r.report_ids : parsePgArray(r.report_ids),
  }));
}

/** `{a,b}` → ['a','b'] for a driver that hands back an array's text form (uuids hold no commas or quotes). */
function parsePgArray(text: string): string[] {
  return text.replace(/^\{|\}$/g, '').split(',').filter(Boolean);
}
