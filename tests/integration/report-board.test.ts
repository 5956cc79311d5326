/**
 * The coordinator board: the filter from the query string, counts by status and kind, the
 * time-to-acknowledge and time-to-resolve figures, overdue reports first, the province tiles, and
 * the CSV export for upward reporting — each over exactly the reports the coordinator covers.
 */
import { parse } from 'csv-parse/sync';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { StaticRouter } from 'react-router-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { coordinatorRegions, logisticsReports } from '~/db/schema';
import { PROVINCE_TILES, ProvinceTileMap, shadeLevel } from '~/components/province-tile-map';
import {
  attachmentDisposition,
  boardFigures,
  countBoard,
  exportBoardCsv,
  getBoardScope,
  listBoardReports,
  openReportsByProvince,
  parseBoardFilter,
  type BoardContext,
  type BoardFilter,
} from '~/models/report-board.server';
import { OPEN_STATUSES, REPORT_KINDS, REPORT_STATUSES, type ReportKind, type ReportStatus } from '~/models/reports.server';
import { createUser, loadUserAccess } from '~/models/user.server';
import { loader as exportLoader } from '~/routes/coordinator.export/route';
import { boardQuery } from '~/routes/coordinator._index/query';
import type { AppContext } from '~/utils/context.server';
import { createI18n } from '~/utils/i18n';
import type { Actor } from '~/utils/permissions.server';
import { signIn } from '../fixtures/coop-portal';
import { createTestApp } from '../setup/app';
import { describeEachDriver } from '../setup/db';

const NOW = new Date('2020-02-20T02:00:00Z');
const HOUR = 3_600_000;
const TARGET = 24;

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}
const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

interface Planted {
  id: string;
  kind: ReportKind;
  status: ReportStatus;
  regionCode: string;
  provinceCode: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  summary: string;
}

describeEachDriver('coordinator board', (t) => {
  let app: AppContext;
  let hubei: NonNullable<Actor>;
  let jiangxi: NonNullable<Actor>;
  let admin: NonNullable<Actor>;
  let idle: NonNullable<Actor>;
  const planted: Planted[] = [];

  const ctxFor = async (actor: NonNullable<Actor>): Promise<BoardContext> => ({ scope: await getBoardScope(app.db, actor), actorId: actor.id, now: NOW, ackTargetHours: TARGET });
  const filter = (query = '') => parseBoardFilter(new URLSearchParams(query));

  async function plant(p: Omit<Planted, 'id' | 'provinceCode' | 'summary'> & { summary?: string; assigneeUserId?: string }) {
    const provinceCode = `${p.regionCode.slice(0, 2)}0000`;
    const summary = p.summary ?? `${p.kind}-${p.status}-${planted.length}`;
    const [row] = await app.db
      .insert(logisticsReports)
      .values({
        kind: p.kind,
        cause: p.kind === 'logistics_blocked' ? 'road_closure' : null,
        status: p.status,
        regionCode: p.regionCode,
        provinceCode,
        summary,
        contactName: '联系人',
        contactPhone: '13800000000',
        createdAt: p.createdAt,
        updatedAt: p.createdAt,
        acknowledgedAt: p.acknowledgedAt,
        resolvedAt: p.resolvedAt,
        assigneeUserId: p.assigneeUserId ?? null,
      })
      .returning({ id: logisticsReports.id });
    planted.push({ ...p, id: row!.id, provinceCode, summary });
    return row!.id;
  }

  const inHubei = (p: Planted) => p.provinceCode === '420000';

  beforeAll(async () => {
    app = createTestApp(t.database, {}, () => NOW);
    const make = async (email: string, roles: ('coordinator' | 'admin')[]) => {
      const user = await createUser(app.db, { displayName: email.split('@')[0]!, email, password: 'Long-Enough-Pass-2020', privacyConsentAt: NOW, now: NOW, roles });
      return { id: user.id, ...(await loadUserAccess(app.db, user.id)) };
    };
    hubei = await make('hubei@example.com', ['coordinator']);
    jiangxi = await make('jiangxi@example.com', ['coordinator']);
    admin = await make('admin@example.com', ['admin']);
    idle = await make('idle@example.com', ['coordinator']);
    await app.db.insert(coordinatorRegions).values([
      { userId: hubei.id, regionCode: '420000', isLead: true },
      { userId: jiangxi.id, regionCode: '360000', isLead: true },
    ]);

    // A spread of reports with known timings: hours to acknowledge and resolve vary by index.
    const regions = ['429005', '420527', '420100', '360781', '360000'];
    for (let i = 0; i < 20; i++) {
      const kind = REPORT_KINDS[i % 3]!;
      const status = REPORT_STATUSES[i % 5]!;
      const createdAt = new Date(NOW.getTime() - (100 + i * 7) * HOUR);
      const acknowledgedAt = status === 'new' ? null : new Date(createdAt.getTime() + (i + 1) * 1.5 * HOUR);
      const resolvedAt = status === 'resolved' ? new Date(createdAt.getTime() + (i + 3) * 10 * HOUR) : null;
      await plant({ kind, status, regionCode: regions[Math.floor(i / 4) % regions.length]!, createdAt, acknowledgedAt, resolvedAt, assigneeUserId: i % 4 === 0 ? hubei.id : undefined });
    }
    // Two fresh new reports (not yet overdue) in Hubei.
    await plant({ kind: 'logistics_blocked', status: 'new', regionCode: '429005', createdAt: new Date(NOW.getTime() - 2 * HOUR), acknowledgedAt: null, resolvedAt: null, summary: '=HYPERLINK("http://evil")' });
    await plant({ kind: 'unsold', status: 'new', regionCode: '420527', createdAt: new Date(NOW.getTime() - 23 * HOUR), acknowledgedAt: null, resolvedAt: null, summary: '秭归脐橙滞销，果农急需销路' });
  });

  describe('the filter', () => {
    it('reads a shareable query string and drops values it does not know', () => {
      expect(filter('status=open&kind=unsold&province=420000&overdue=1&assignee=me&page=2')).toEqual({
        status: 'open',
        kind: 'unsold',
        province: '420000',
        region: undefined,
        overdue: true,
        assignee: 'me',
        page: 2,
      });
      expect(filter('status=lost&kind=x&province=hubei&assignee=someone&page=-3&overdue=yes')).toEqual({
        status: undefined,
        kind: undefined,
        province: undefined,
        region: undefined,
        overdue: false,
        assignee: undefined,
        page: 1,
      });
    });

    it('writes the same query back, leaving out empty parts and page 1', () => {
      const f = filter('kind=unsold&overdue=1&page=3');
      expect(boardQuery(f)).toBe('?kind=unsold&overdue=1&page=3');
      expect(boardQuery(f, { page: undefined, province: '420000' })).toBe('?kind=unsold&province=420000&overdue=1');
      expect(filter(boardQuery(f).slice(1))).toEqual(f);
    });
  });

  describe('scope', () => {
    it('shows a coordinator the reports of the regions they cover, an admin all, a coordinator without regions none', async () => {
      const ids = async (actor: NonNullable<Actor>) => (await listBoardReports(app.db, await ctxFor(actor), filter(), { limit: 500 })).map((r) => r.id).sort();
      expect(await ids(hubei)).toEqual(planted.filter(inHubei).map((p) => p.id).sort());
      expect(await ids(jiangxi)).toEqual(planted.filter((p) => p.provinceCode === '360000').map((p) => p.id).sort());
      expect(await ids(admin)).toEqual(planted.map((p) => p.id).sort());
      expect(await ids(idle)).toEqual([]);
    });
  });

  describe('counts', () => {
    it('counts by status and by kind, each ignoring its own filter', async () => {
      const ctx = await ctxFor(hubei);
      const counts = await countBoard(app.db, ctx, filter('kind=logistics_blocked&status=new'));
      const mine = planted.filter(inHubei);
      for (const status of REPORT_STATUSES) expect(counts.byStatus[status], status).toBe(mine.filter((p) => p.kind === 'logistics_blocked' && p.status === status).length);
      for (const kind of REPORT_KINDS) expect(counts.byKind[kind], kind).toBe(mine.filter((p) => p.status === 'new' && p.kind === kind).length);
      expect(counts.total).toBe(mine.filter((p) => p.kind === 'logistics_blocked' && p.status === 'new').length);
    });

    it('marks reports still new past the target as overdue, counts them and lists them first', async () => {
      const ctx = await ctxFor(admin);
      const isOverdue = (p: Planted) => p.status === 'new' && NOW.getTime() - p.createdAt.getTime() >= TARGET * HOUR;
      const counts = await countBoard(app.db, ctx, filter());
      expect(counts.overdue).toBe(planted.filter(isOverdue).length);
      expect(counts.overdue).toBeGreaterThan(0);
      const rows = await listBoardReports(app.db, ctx, filter(), { limit: 500 });
      const firstNotOverdue = rows.findIndex((r) => !r.overdue);
      expect(rows.slice(0, firstNotOverdue).every((r) => r.overdue)).toBe(true);
      expect(rows.slice(firstNotOverdue).some((r) => r.overdue)).toBe(false);
      expect(rows.filter((r) => r.overdue).map((r) => r.id).sort()).toEqual(planted.filter(isOverdue).map((p) => p.id).sort());
      const onlyOverdue = await listBoardReports(app.db, ctx, filter('overdue=1'), { limit: 500 });
      expect(onlyOverdue.map((r) => r.id).sort()).toEqual(planted.filter(isOverdue).map((p) => p.id).sort());
      // 23 hours old is not overdue yet.
      expect(rows.find((r) => r.summary === '秭归脐橙滞销，果农急需销路')?.overdue).toBe(false);
    });

    it('filters by assignee: me, unassigned', async () => {
      const ctx = await ctxFor(hubei);
      const mine = await listBoardReports(app.db, ctx, filter('assignee=me'), { limit: 500 });
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((r) => r.assigneeUserId === hubei.id)).toBe(true);
      const none = await listBoardReports(app.db, ctx, filter('assignee=none'), { limit: 500 });
      expect(none.every((r) => r.assigneeUserId === null)).toBe(true);
      expect(mine.length + none.length).toBe(planted.filter(inHubei).length);
    });

    it('narrows to a city and the counties below it', async () => {
      const rows = await listBoardReports(app.db, await ctxFor(admin), filter('region=420500'), { limit: 500 });
      expect(rows.map((r) => r.id).sort()).toEqual(planted.filter((p) => p.regionCode === '420527').map((p) => p.id).sort());
    });
  });

  describe('figures', () => {
    it('gives median and 90th-percentile hours to acknowledge and to resolve over the filtered set', async () => {
      for (const [actor, query, subset] of [
        [admin, '', () => true],
        [hubei, '', inHubei],
        [admin, 'kind=unsold', (p: Planted) => p.kind === 'unsold'],
      ] as const) {
        const figures = await boardFigures(app.db, await ctxFor(actor), filter(query));
        const set = planted.filter(subset);
        const ack = set.filter((p) => p.acknowledgedAt).map((p) => (p.acknowledgedAt!.getTime() - p.createdAt.getTime()) / HOUR);
        const resolve = set.filter((p) => p.status === 'resolved').map((p) => (p.resolvedAt!.getTime() - p.createdAt.getTime()) / HOUR);
        expect(ack.length).toBeGreaterThan(1);
        expect(figures.timeToAcknowledge).toEqual({ count: ack.length, medianHours: round1(percentileCont(ack, 0.5)), p90Hours: round1(percentileCont(ack, 0.9)) });
        expect(figures.timeToResolve).toEqual({ count: resolve.length, medianHours: round1(percentileCont(resolve, 0.5)), p90Hours: round1(percentileCont(resolve, 0.9)) });
      }
    });

    it('has no figure when nothing was acknowledged', async () => {
      const figures = await boardFigures(app.db, await ctxFor(hubei), filter('status=new'));
      expect(figures.timeToAcknowledge).toEqual({ count: 0, medianHours: null, p90Hours: null });
    });
  });

  describe('the province tiles', () => {
    it('count open reports per province, whatever the status and province filters say', async () => {
      const byProvince = await openReportsByProvince(app.db, await ctxFor(admin), filter('status=resolved&province=360000'));
      const open = planted.filter((p) => (OPEN_STATUSES as readonly string[]).includes(p.status));
      const expected: Record<string, number> = {};
      for (const p of open) expected[p.provinceCode] = (expected[p.provinceCode] ?? 0) + 1;
      expect(Object.keys(expected).sort()).toEqual(['360000', '420000']);
      expect(byProvince).toEqual(expected);
    });

    it('places every province once, each tile a link with its name and count in text', () => {
      expect(new Set(PROVINCE_TILES.map(([code]) => code)).size).toBe(34);
      expect(new Set(PROVINCE_TILES.map(([, row, column]) => `${row}:${column}`)).size).toBe(34);
      createI18n('zh-CN');
      const html = renderToStaticMarkup(
        createElement(StaticRouter, { location: '/coordinator' }, createElement(ProvinceTileMap, { counts: { '420000': 7, '360000': 2 }, hrefFor: (code: string) => `/coordinator?province=${code}`, heading: '各省' })),
      );
      expect(html.match(/<a /g)).toHaveLength(34);
      expect(html).toContain('href="/coordinator?province=420000"');
      expect(html).toMatch(/aria-label="湖北：7 份未办结"[^>]*>.*?湖北.*?7</);
      expect(html).toContain('tile-map__tile--4');
      expect(shadeLevel(0, 7)).toBe(0);
      expect(shadeLevel(2, 7)).toBe(2);
      expect(shadeLevel(7, 7)).toBe(4);
    });
  });

  describe('CSV export', () => {
    it('is UTF-8 with a byte-order mark, keeps the Chinese, applies the filter and defuses formulas', async () => {
      const { t } = createI18n('zh-CN');
      const csv = await exportBoardCsv(app.db, await ctxFor(hubei), filter('status=new'), (key, options) => t(key, options ?? {}));
      expect(csv.charCodeAt(0)).toBe(0xfeff);
      const rows = parse(csv.slice(1)) as string[][];
      const header = rows[0]!;
      expect(header.slice(0, 3)).toEqual(['编号', '提交时间', '状态']);
      const summaries = rows.slice(1).map((r) => r[header.indexOf('概况')]);
      const expected = planted.filter((p) => inHubei(p) && p.status === 'new');
      expect(summaries.length).toBe(expected.length);
      expect(summaries).toContain('秭归脐橙滞销，果农急需销路');
      expect(summaries).toContain(`'=HYPERLINK("http://evil")`);
      expect(rows.slice(1).every((r) => r[header.indexOf('状态')] === '待受理')).toBe(true);
    });

    it('downloads as an attachment named with RFC 5987, from the same query as the board', async () => {
      const cookie = await signIn(app, hubei.id);
      const response = (await exportLoader({ request: new Request('http://localhost/coordinator/export?kind=unsold', { headers: { Cookie: cookie } }), params: {}, context: { app } })) as Response;
      expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
      const disposition = response.headers.get('Content-Disposition')!;
      expect(disposition).toMatch(/^attachment; filename="logistics-reports-2020-02-20\.csv"; filename\*=UTF-8''/);
      expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe('物流与滞销报告-2020-02-20.csv');
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = parse(new TextDecoder().decode(bytes).replace(/^\uFEFF/, '')) as string[][];
      expect(rows.length - 1).toBe(planted.filter((p) => inHubei(p) && p.kind === 'unsold').length);
      expect(attachmentDisposition('a"b.csv', "报告(1)'s.csv")).toBe(`attachment; filename="a_b.csv"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%281%29%27s.csv`);
    });

    it('follows the reader’s language', async () => {
      const { t } = createI18n('en');
      const csv = await exportBoardCsv(app.db, await ctxFor(admin), filter('kind=unsold') as BoardFilter, (key, options) => t(key, options ?? {}));
      const rows = parse(csv.slice(1)) as string[][];
      expect(rows[0]!.slice(0, 3)).toEqual(['Reference', 'Filed', 'Status']);
      expect(rows.slice(1).every((r) => r[rows[0]!.indexOf('Kind')] === 'Unsold goods')).toBe(true);
    });
  });
});
