/**
 * The coordinator board (/coordinator): one filter (from a shareable GET query) drives the list,
 * the counts, the time-to-acknowledge and time-to-resolve figures, the province tiles and the
 * CSV export for upward reporting. A coordinator sees the reports in the regions they cover;
 * an admin sees all.
 */
import { stringify } from 'csv-stringify/sync';
import { aliasedTable, and, asc, count, desc, eq, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { associations, logisticsReports, regions, userRoles, users } from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { getCoordinatorRegionCodes, isAdmin, type Actor } from '~/utils/permissions.server';
import type { Translate } from './notifications.server';
import {
  isOverdue,
  OPEN_STATUSES,
  REPORT_KINDS,
  REPORT_STATUSES,
  reportReference,
  reportRegionWithin,
  type ReportKind,
  type ReportStatus,
} from './reports.server';

type SignedIn = NonNullable<Actor>;

export const BOARD_PAGE_SIZE = 50;
export const EXPORT_MAX_ROWS = 10_000;

const code = z.string().regex(/^\d{6}$/);
const boardQuerySchema = z.object({
  status: z.enum([...REPORT_STATUSES, 'open']).optional().catch(undefined),
  kind: z.enum(REPORT_KINDS).optional().catch(undefined),
  province: code.optional().catch(undefined),
  region: code.optional().catch(undefined),
  overdue: z
    .string()
    .optional()
    .transform((v) => v === '1')
    .catch(false),
  assignee: z.union([z.literal('me'), z.literal('none'), z.string().uuid()]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1000).catch(1),
});

export type BoardFilter = z.infer<typeof boardQuerySchema>;

/** The board's filter from a URL's query; a bad value is dropped, never an error. */
export function parseBoardFilter(params: URLSearchParams): BoardFilter {
  const raw = Object.fromEntries([...params.entries()].filter(([, v]) => v !== ''));
  return boardQuerySchema.parse(raw);
}

/** Everything, or the reports inside the regions listed. */
export type BoardScope = { all: true } | { all: false; regionCodes: string[] };

export async function getBoardScope(db: Db, actor: SignedIn): Promise<BoardScope> {
  if (isAdmin(actor)) return { all: true };
  return { all: false, regionCodes: await getCoordinatorRegionCodes(db, actor.id) };
}

export interface BoardContext {
  scope: BoardScope;
  actorId: string;
  now: Date;
  ackTargetHours: number;
}

type FilterPart = 'status' | 'kind' | 'province' | 'region' | 'overdue';

/** The WHERE of the filtered set; `omit` drops parts, so each count can ignore its own dimension. */
function boardWhere(ctx: BoardContext, filter: BoardFilter, omit: FilterPart[] = []): SQL | undefined {
  const r = logisticsReports;
  const parts: (SQL | undefined)[] = [];
  if (!ctx.scope.all) parts.push(reportRegionWithin(ctx.scope.regionCodes));
  if (filter.status && !omit.includes('status')) parts.push(filter.status === 'open' ? inArray(r.status, [...OPEN_STATUSES]) : eq(r.status, filter.status));
  if (filter.kind && !omit.includes('kind')) parts.push(eq(r.kind, filter.kind));
  if (filter.province && !omit.includes('province')) parts.push(eq(r.provinceCode, filter.province));
  if (filter.region && !omit.includes('region')) parts.push(reportRegionWithin([filter.region]));
  if (filter.overdue && !omit.includes('overdue')) parts.push(overdueCondition(ctx));
  if (filter.assignee === 'me') parts.push(eq(r.assigneeUserId, ctx.actorId));
  else if (filter.assignee === 'none') parts.push(isNull(r.assigneeUserId));
  else if (filter.assignee) parts.push(eq(r.assigneeUserId, filter.assignee));
  return and(...parts);
}

function overdueCondition(ctx: BoardContext): SQL {
  return and(eq(logisticsReports.status, 'new'), lte(logisticsReports.createdAt, new Date(ctx.now.getTime() - ctx.ackTargetHours * 3_600_000)))!;
}

const assignee = aliasedTable(users, 'assignee');
const reporter = aliasedTable(users, 'reporter');
const province = aliasedTable(regions, 'province');

function rowsQuery(db: Db) {
  return db
    .select({
      id: logisticsReports.id,
      kind: logisticsReports.kind,
      cause: logisticsReports.cause,
      status: logisticsReports.status,
      severity: logisticsReports.severity,
      summary: logisticsReports.summary,
      placeDetail: logisticsReports.placeDetail,
      regionCode: logisticsReports.regionCode,
      regionName: regions.name,
      provinceCode: logisticsReports.provinceCode,
      provinceName: province.name,
      quantityAtRisk: logisticsReports.quantityAtRisk,
      quantityUnit: logisticsReports.quantityUnit,
      daysUntilLoss: logisticsReports.daysUntilLoss,
      deadline: logisticsReports.deadline,
      contactName: logisticsReports.contactName,
      contactPhone: logisticsReports.contactPhone,
      filedForName: logisticsReports.filedForName,
      reporterName: reporter.displayName,
      associationName: associations.name,
      assigneeUserId: logisticsReports.assigneeUserId,
      assigneeName: assignee.displayName,
      department: logisticsReports.department,
      rejectionReason: logisticsReports.rejectionReason,
      createdAt: logisticsReports.createdAt,
      acknowledgedAt: logisticsReports.acknowledgedAt,
      resolvedAt: logisticsReports.resolvedAt,
      escalatedAt: logisticsReports.escalatedAt,
      updatedAt: logisticsReports.updatedAt,
    })
    .from(logisticsReports)
    .innerJoin(regions, eq(regions.code, logisticsReports.regionCode))
    .innerJoin(province, eq(province.code, logisticsReports.provinceCode))
    .leftJoin(reporter, eq(reporter.id, logisticsReports.reporterUserId))
    .leftJoin(assignee, eq(assignee.id, logisticsReports.assigneeUserId))
    .leftJoin(associations, eq(associations.id, logisticsReports.associationId))
    .$dynamic();
}

export type BoardRow = Awaited<ReturnType<ReturnType<typeof rowsQuery>['execute']>>[number] & { overdue: boolean; reference: string };

function withDerived(ctx: BoardContext, rows: Awaited<ReturnType<ReturnType<typeof rowsQuery>['execute']>>): BoardRow[] {
  return rows.map((row) => ({ ...row, overdue: isOverdue(row, ctx.now, ctx.ackTargetHours), reference: reportReference(row.id) }));
}

/** One page of the filtered reports: overdue first, then the newest. */
export async function listBoardReports(db: Db, ctx: BoardContext, filter: BoardFilter, { limit = BOARD_PAGE_SIZE }: { limit?: number } = {}) {
  const cutoff = new Date(ctx.now.getTime() - ctx.ackTargetHours * 3_600_000).toISOString();
  const rows = await rowsQuery(db)
    .where(boardWhere(ctx, filter))
    .orderBy(
      desc(sql`(${logisticsReports.status} = 'new' and ${logisticsReports.createdAt} <= ${cutoff}::timestamptz)`),
      desc(logisticsReports.createdAt),
      asc(logisticsReports.id),
    )
    .limit(limit)
    .offset((filter.page - 1) * limit);
  return withDerived(ctx, rows);
}

export interface BoardCounts {
  /** Reports in the filtered set. */
  total: number;
  /** Still new past the target, within the filtered set (ignoring the overdue switch). */
  overdue: number;
  /** By status, ignoring the status filter (so every status shows what choosing it would give). */
  byStatus: Record<ReportStatus, number>;
  /** By kind, ignoring the kind filter. */
  byKind: Record<ReportKind, number>;
}

export async function countBoard(db: Db, ctx: BoardContext, filter: BoardFilter): Promise<BoardCounts> {
  const [[total], [overdue], statusRows, kindRows] = await Promise.all([
    db.select({ n: count() }).from(logisticsReports).where(boardWhere(ctx, filter)),
    db.select({ n: count() }).from(logisticsReports).where(and(boardWhere(ctx, filter, ['overdue']), overdueCondition(ctx))),
    db.select({ status: logisticsReports.status, n: count() }).from(logisticsReports).where(boardWhere(ctx, filter, ['status'])).groupBy(logisticsReports.status),
    db.select({ kind: logisticsReports.kind, n: count() }).from(logisticsReports).where(boardWhere(ctx, filter, ['kind'])).groupBy(logisticsReports.kind),
  ]);
  const byStatus = Object.fromEntries(REPORT_STATUSES.map((s) => [s, 0])) as Record<ReportStatus, number>;
  for (const row of statusRows) byStatus[row.status] = Number(row.n);
  const byKind = Object.fromEntries(REPORT_KINDS.map((k) => [k, 0])) as Record<ReportKind, number>;
  for (const row of kindRows) byKind[row.kind] = Number(row.n);
  return { total: Number(total?.n ?? 0), overdue: Number(overdue?.n ?? 0), byStatus, byKind };
}

export interface DurationFigure {
  /** How many reports the figure is over. */
  count: number;
  medianHours: number | null;
  p90Hours: number | null;
}

export interface BoardFigures {
  /** Filing to first answer (acknowledgement or rejection of a new report). */
  timeToAcknowledge: DurationFigure;
  /** Filing to resolution, over resolved reports. */
  timeToResolve: DurationFigure;
}

const round1 = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);

/** Median and 90th percentile hours over the filtered set (continuous percentiles, as PostgreSQL computes them). */
export async function boardFigures(db: Db, ctx: BoardContext, filter: BoardFilter): Promise<BoardFigures> {
  const r = logisticsReports;
  const ackHours = sql`extract(epoch from (${r.acknowledgedAt} - ${r.createdAt})) / 3600.0`;
  const resolveHours = sql`case when ${r.status} = 'resolved' then extract(epoch from (${r.resolvedAt} - ${r.createdAt})) / 3600.0 end`;
  const [row] = await db
    .select({
      ackCount: sql<number>`count(${r.acknowledgedAt})::int`,
      ackMedian: sql<number | null>`(percentile_cont(0.5) within group (order by ${ackHours}))::float8`,
      ackP90: sql<number | null>`(percentile_cont(0.9) within group (order by ${ackHours}))::float8`,
      resolveCount: sql<number>`count(${resolveHours})::int`,
      resolveMedian: sql<number | null>`(percentile_cont(0.5) within group (order by ${resolveHours}))::float8`,
      resolveP90: sql<number | null>`(percentile_cont(0.9) within group (order by ${resolveHours}))::float8`,
    })
    .from(r)
    .where(boardWhere(ctx, filter));
  return {
    timeToAcknowledge: { count: Number(row?.ackCount ?? 0), medianHours: round1(row?.ackMedian), p90Hours: round1(row?.ackP90) },
    timeToResolve: { count: Number(row?.resolveCount ?? 0), medianHours: round1(row?.resolveMedian), p90Hours: round1(row?.resolveP90) },
  };
}

/** Open reports per province within the filter's other parts (the tiles choose the province). */
export async function openReportsByProvince(db: Db, ctx: BoardContext, filter: BoardFilter): Promise<Record<string, number>> {
  const rows = await db
    .select({ provinceCode: logisticsReports.provinceCode, n: count() })
    .from(logisticsReports)
    .where(and(boardWhere(ctx, filter, ['status', 'province', 'region']), inArray(logisticsReports.status, [...OPEN_STATUSES])))
    .groupBy(logisticsReports.provinceCode);
  return Object.fromEntries(rows.map((row) => [row.provinceCode, Number(row.n)]));
}

/** The coordinators a board may filter by (everyone holding the role). */
export async function listBoardAssignees(db: Db) {
  return db
    .select({ id: users.id, displayName: users.displayName })
    .from(users)
    .innerJoin(userRoles, and(eq(userRoles.userId, users.id), eq(userRoles.role, 'coordinator')))
    .orderBy(asc(users.displayName));
}

/** Prefecture-level regions of a province, for narrowing the board once a province is chosen. */
export async function listBoardRegions(db: Db, provinceCode: string) {
  return db
    .select({ code: regions.code, name: regions.name })
    .from(regions)
    .where(and(eq(regions.provinceCode, provinceCode), eq(regions.level, 2)))
    .orderBy(asc(regions.code));
}

// ---------------------------------------------------------------- CSV export

/** 2020-02-20 10:00 in China's time zone, whatever the server's. */
export function chinaDateTime(date: Date | null): string {
  if (!date) return '';
  return date.toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai', hour12: false }).slice(0, 16);
}

const hoursBetween = (from: Date, to: Date | null) => (to ? (Math.round(((to.getTime() - from.getTime()) / 3_600_000) * 10) / 10).toString() : '');

/** A spreadsheet would run a cell starting with = + - @ as a formula: such text gets a leading apostrophe. */
function safeCell(text: string | null | undefined): string {
  const value = text ?? '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The filtered reports as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
 * Chinese), column headings in the reader's language, at most EXPORT_MAX_ROWS rows.
 */
export async function exportBoardCsv(db: Db, ctx: BoardContext, filter: BoardFilter, t: Translate): Promise<string> {
  const rows = withDerived(
    ctx,
    await rowsQuery(db).where(boardWhere(ctx, filter)).orderBy(asc(logisticsReports.createdAt), asc(logisticsReports.id)).limit(EXPORT_MAX_ROWS),
  );
  const columns = [
    'reference',
    'createdAt',
    'status',
    'overdue',
    'kind',
    'cause',
    'severity',
    'province',
    'region',
    'placeDetail',
    'summary',
    'quantity',
    'unit',
    'daysUntilLoss',
    'deadline',
    'reporter',
    'filedFor',
    'association',
    'contactName',
    'contactPhone',
    'assignee',
    'department',
    'acknowledgedAt',
    'hoursToAcknowledge',
    'resolvedAt',
    'hoursToResolve',
    'escalatedAt',
    'rejectionReason',
    'id',
  ] as const;
  const yes = t('reports:csv.yes');
  const records = rows.map((row) => {
    const values: Record<(typeof columns)[number], string> = {
      reference: row.reference,
      createdAt: chinaDateTime(row.createdAt),
      status: t(`reports:status.${row.status}`),
      overdue: row.overdue ? yes : '',
      kind: t(`reports:kind.${row.kind}`),
      cause: row.cause ? t(`reports:cause.${row.cause}`) : '',
      severity: t(`reports:severity.${row.severity}`),
      province: row.provinceName,
      region: row.regionName,
      placeDetail: safeCell(row.placeDetail),
      summary: safeCell(row.summary),
      quantity: row.quantityAtRisk === null ? '' : String(row.quantityAtRisk),
      unit: t(`reports:unit.${row.quantityUnit}`, { defaultValue: row.quantityUnit }),
      daysUntilLoss: row.daysUntilLoss === null ? '' : String(row.daysUntilLoss),
      deadline: row.deadline ?? '',
      reporter: safeCell(row.reporterName),
      filedFor: safeCell(row.filedForName),
      association: row.associationName ?? '',
      contactName: safeCell(row.contactName),
      contactPhone: safeCell(row.contactPhone),
      assignee: row.assigneeName ?? '',
      department: row.department ? t(`reports:department.${row.department}`) : '',
      acknowledgedAt: chinaDateTime(row.acknowledgedAt),
      hoursToAcknowledge: hoursBetween(row.createdAt, row.acknowledgedAt),
      resolvedAt: row.status === 'resolved' ? chinaDateTime(row.resolvedAt) : '',
      hoursToResolve: row.status === 'resolved' ? hoursBetween(row.createdAt, row.resolvedAt) : '',
      escalatedAt: chinaDateTime(row.escalatedAt),
      rejectionReason: safeCell(row.rejectionReason),
      id: row.id,
    };
    return columns.map((c) => values[c]);
  });
  return stringify([columns.map((c) => t(`reports:csv.columns.${c}`)), ...records], { bom: true, record_delimiter: 'windows' });
}

/** RFC 5987 ext-value: UTF-8, percent-encoding everything outside attr-char. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Content-Disposition for a download: an ASCII fallback name plus the real one as filename* (RFC 6266 / 5987). */
export function attachmentDisposition(asciiName: string, utf8Name: string): string {
  return `attachment; filename="${asciiName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${rfc5987(utf8Name)}`;
}
