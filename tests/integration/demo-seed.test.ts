import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { pinyin } from 'pinyin-pro';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appMeta,
  associations,
  cooperatives,
  coordinatorRegions,
  geographicalIndications,
  giAuthorizations,
  giProtectedAreas,
  products,
  stalledStocks,
  userRoles,
  users,
} from '~/db/schema';
import { listZoneProducts } from '~/models/catalog.server';
import { DEMO_COOPERATIVES, DEMO_GIS } from '~/models/demo-data.server';
import { DEMO_ACCOUNTS, DEMO_SEEDED_AT_KEY, seedDemoData, seedDemoDataIfEmpty } from '~/models/demo-seed.server';
import { isRegionWithin, loadRegionPackage } from '~/models/regions.server';
import { isValidCreditCode } from '~/utils/credit-code';
import { daysUntil } from '~/utils/dates';
import { queryRows, type Db } from '~/utils/db.server';
import { verifyPassword } from '~/utils/password.server';
import { describeEachDriver } from '../setup/db';

/**
 * The announcement numbers GI-FACTS.md gives (原国家质检总局公告 year/number). No other GI may carry
 * a registration number: the demo never invents an official number.
 */
const ANNOUNCEMENTS_IN_GI_FACTS: Record<string, [year: number, no: number]> = {
  恩施玉露: [2007, 48],
  麻城福白菊: [2014, 39],
  英山云雾茶: [2009, 128],
  利川工夫红茶: [2017, 98],
  恩施马铃薯: [2017, 98],
  窑湾蜜桔: [2007, 166],
  蔡甸莲藕: [2007, 43],
};
/** GIs whose kind GI-FACTS marks as unsure. */
const KIND_UNSURE_IN_GI_FACTS = ['房县香菇', '宜都宜红茶', '赤壁青砖茶', '孝感米酒'];

const NOW = new Date('2020-02-20T02:00:00Z');

async function countRows(db: Db) {
  const [row] = await queryRows<Record<string, number>>(
    db,
    sql`select (select count(*) from users)::int as users, (select count(*) from products)::int as products,
      (select count(*) from product_variants)::int as variants, (select count(*) from cooperatives)::int as cooperatives,
      (select count(*) from geographical_indications)::int as gis, (select count(*) from gi_authorizations)::int as authorizations,
      (select count(*) from stalled_stocks)::int as stalled, (select count(*) from associations)::int as associations`,
  );
  return row!;
}

describeEachDriver('demo seed', (t) => {
  let seeded = false;
  let seedMs = 0;
  beforeAll(async () => {
    const startedAt = performance.now();
    seeded = await seedDemoDataIfEmpty(t.database.db, NOW);
    seedMs = performance.now() - startedAt;
  });

  it('seeds an empty database in a few seconds and records when', async () => {
    expect(seeded).toBe(true);
    expect(seedMs).toBeLessThan(15_000);
    const [meta] = await t.database.db.select().from(appMeta).where(eq(appMeta.key, DEMO_SEEDED_AT_KEY));
    expect(meta?.value).toBe(NOW.toISOString());
  });

  it('publishes at least 25 GI products from at least 5 provinces, all shown in the zone', async () => {
    const rows = await queryRows<{ slug: string; province: string }>(
      t.database.db,
      sql`select p.slug, r.province_code as province from products p join regions r on r.code = p.origin_region_code
          where p.status = 'published' and p.published_at <= ${NOW.toISOString()} and p.gi_id is not null`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(25);
    expect(new Set(rows.map((r) => r.province)).size).toBeGreaterThanOrEqual(5);
    const zone = await listZoneProducts(t.database.db, { limit: 200 });
    expect(zone.filter((card) => card.giName).length).toBeGreaterThanOrEqual(25);
  });

  it('never lets a product claim a GI without an approved authorization and a place inside the protected area', async () => {
    const db = t.database.db;
    const claims = await db
      .select({ slug: products.slug, giId: products.giId, cooperativeId: products.cooperativeId, coopRegion: cooperatives.regionCode, origin: products.originRegionCode })
      .from(products)
      .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
      .where(isNotNull(products.giId));
    expect(claims.length).toBeGreaterThanOrEqual(25);
    for (const claim of claims) {
      const approved = await db
        .select({ id: giAuthorizations.id })
        .from(giAuthorizations)
        .where(and(eq(giAuthorizations.cooperativeId, claim.cooperativeId), eq(giAuthorizations.giId, claim.giId!), eq(giAuthorizations.status, 'approved')));
      expect(approved.length, `${claim.slug} has an approved authorization`).toBeGreaterThan(0);
      const area = (await db.select({ code: giProtectedAreas.regionCode }).from(giProtectedAreas).where(eq(giProtectedAreas.giId, claim.giId!))).map((a) => a.code);
      expect(await isRegionWithin(db, claim.coopRegion, area), `${claim.slug}: cooperative inside the area`).toBe(true);
      expect(await isRegionWithin(db, claim.origin, area), `${claim.slug}: origin inside the area`).toBe(true);
    }
  });

  it('stores no announcement number that the GI facts do not give, and leaves unsure kinds empty', async () => {
    const gis = await t.database.db.select().from(geographicalIndications);
    expect(gis.length).toBeGreaterThanOrEqual(26);
    for (const gi of gis) {
      const known = ANNOUNCEMENTS_IN_GI_FACTS[gi.name];
      if (gi.registrationNumber === null) continue;
      expect(known, `${gi.name} carries ${gi.registrationNumber}`).toBeDefined();
      expect(gi.registrationNumber).toBe(`原国家质检总局公告${known![0]}年第${known![1]}号`);
    }
    for (const name of KIND_UNSURE_IN_GI_FACTS) {
      expect(gis.find((g) => g.name === name)?.kind, name).toBeNull();
    }
    for (const gi of gis) expect(gi.sourceNote, gi.name).toMatch(/来源/);
  });

  it('gives every cooperative a valid credit code of a farmers’ cooperative registered in its own county', async () => {
    const rows = await t.database.db.select().from(cooperatives);
    expect(rows.filter((c) => c.verificationStatus === 'verified').length).toBeGreaterThanOrEqual(10);
    expect(rows.filter((c) => c.verificationStatus === 'pending').length).toBe(1);
    for (const c of rows) {
      expect(isValidCreditCode(c.creditCode), `${c.legalName} ${c.creditCode}`).toBe(true);
      expect(c.creditCode.slice(0, 8)).toBe(`93${c.regionCode}`);
      expect(c.legalName).toContain('（演示）');
    }
  });

  it('uses only region codes the region data holds, with cooperatives at county level', async () => {
    const regionLevel = new Map(loadRegionPackage().map((r) => [r.code, r.level]));
    const used = await queryRows<{ code: string }>(
      t.database.db,
      sql`select region_code as code from gi_protected_areas union select region_code from cooperatives
          union select origin_region_code from products union select region_code from associations
          union select region_code from association_regions union select region_code from coordinator_regions`,
    );
    expect(used.length).toBeGreaterThan(20);
    for (const { code } of used) expect(regionLevel.has(code), code).toBe(true);
    for (const c of DEMO_COOPERATIVES) expect(regionLevel.get(c.regionCode), c.slug).toBe(3);
  });

  it('lets the demo customer be found by mobile and by e-mail, with the published password', async () => {
    const db = t.database.db;
    const account = DEMO_ACCOUNTS.find((a) => a.role === 'customer')!;
    const [byMobile] = await db.select().from(users).where(eq(users.mobile, '13800000000'));
    const [byEmail] = await db.select().from(users).where(sql`lower(${users.email}) = ${'Customer@Demo.Dibiao.example'.toLowerCase()}`);
    expect(byMobile?.id).toBeDefined();
    expect(byEmail?.id).toBe(byMobile?.id);
    expect(await verifyPassword(byMobile!.passwordHash, account.password)).toBe(true);
    expect(await verifyPassword(byMobile!.passwordHash, 'Demo-Admin-2020')).toBe(false);
  });

  it('gives every account the customer role and staff their site roles', async () => {
    const db = t.database.db;
    const roles = await db.select({ email: users.email, role: userRoles.role }).from(userRoles).innerJoin(users, eq(users.id, userRoles.userId));
    const rolesOf = (email: string) => roles.filter((r) => r.email === email).map((r) => r.role).sort();
    for (const account of DEMO_ACCOUNTS) {
      const expected = account.role === 'admin' ? ['admin', 'customer'] : account.role === 'coordinator' ? ['coordinator', 'customer'] : ['customer'];
      expect(rolesOf(account.email), account.email).toEqual(expected);
    }
    const [lead] = await db.select().from(coordinatorRegions).where(and(eq(coordinatorRegions.regionCode, '420000'), eq(coordinatorRegions.isLead, true)));
    expect(lead).toBeDefined();
    const assocs = await queryRows<{ slug: string; members: number; gis: number; regions: number }>(
      db,
      sql`select a.slug, (select count(*) from association_members m where m.association_id = a.id)::int as members,
          (select count(*) from association_gis g where g.association_id = a.id)::int as gis,
          (select count(*) from association_regions r where r.association_id = a.id)::int as regions from ${associations} a`,
    );
    expect(assocs.length).toBe(2);
    for (const a of assocs) expect(Math.min(a.members, a.gis, a.regions), a.slug).toBeGreaterThan(0);
  });

  it('has at least 6 open stalled stocks that must sell within 3 to 30 days', async () => {
    const open = await t.database.db.select().from(stalledStocks).where(isNull(stalledStocks.clearedAt));
    expect(open.length).toBeGreaterThanOrEqual(6);
    for (const s of open) {
      expect(daysUntil(s.sellBefore, NOW)).toBeGreaterThanOrEqual(3);
      expect(daysUntil(s.sellBefore, NOW)).toBeLessThanOrEqual(30);
      expect(daysUntil(s.since, NOW)).toBeLessThan(0);
      expect(s.reason).not.toBe('');
    }
  });

  it('seeds only once: a second call changes nothing', async () => {
    const before = await countRows(t.database.db);
    expect(await seedDemoDataIfEmpty(t.database.db, new Date(NOW.getTime() + 86_400_000))).toBe(false);
    expect(await countRows(t.database.db)).toEqual(before);
  });

  it('writes all or nothing: a forced second seed fails without leaving rows behind', async () => {
    const before = await countRows(t.database.db);
    await expect(seedDemoData(t.database.db, NOW)).rejects.toThrow();
    expect(await countRows(t.database.db)).toEqual(before);
  });
});

describeEachDriver('demo seed on a database in use', (t) => {
  it('never seeds a database that already has an account', async () => {
    const db = t.database.db;
    await db.insert(users).values({ email: 'someone@example.com', displayName: 'Someone', passwordHash: 'x' });
    expect(await seedDemoDataIfEmpty(db, NOW)).toBe(false);
    const counts = await countRows(db);
    expect(counts.users).toBe(1);
    expect(counts.products).toBe(0);
    expect(counts.gis).toBe(0);
  });
});

describe('demo data', () => {
  it('names each GI by the pinyin of its name', () => {
    // Place names use rarer readings (宜都 yídū), so any reading of each character counts.
    const readings = (name: string) => [...name].map((ch) => pinyin(ch, { toneType: 'none', type: 'array', multiple: true }));
    const spells = (slug: string, chars: string[][]): boolean =>
      chars.length === 0 ? slug === '' : chars[0]!.some((r) => slug.startsWith(r) && spells(slug.slice(r.length), chars.slice(1)));
    for (const gi of DEMO_GIS) expect(spells(gi.slug.replaceAll('-', ''), readings(gi.name)), `${gi.slug} ${gi.name}`).toBe(true);
  });

  it('lists one account per e-mail, each with a password of at least 8 characters', () => {
    expect(new Set(DEMO_ACCOUNTS.map((a) => a.email)).size).toBe(DEMO_ACCOUNTS.length);
    for (const a of DEMO_ACCOUNTS) expect(a.password.length).toBeGreaterThanOrEqual(8);
  });
});
