import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { appMeta, categories } from '~/db/schema';
import { syncReferenceData } from '~/models/reference-data.server';
import { queryRows } from '~/utils/db.server';
import { getRegionPath, isRegionWithin, listChildRegions } from '~/models/regions.server';
import { describeEachDriver } from '../setup/db';

describeEachDriver('regions', (t) => {
  it('puts county-level cities governed by the province directly under it (潜江市 under 湖北省)', async () => {
    const path = await getRegionPath(t.database.db, '429005');
    expect(path.map((r) => r.name)).toEqual(['湖北省', '潜江市']);
    expect(path[1]?.level).toBe(3);
  });

  it('keeps the full chain for ordinary counties (秭归县)', async () => {
    const path = await getRegionPath(t.database.db, '420527');
    expect(path.map((r) => r.name)).toEqual(['湖北省', '宜昌市', '秭归县']);
  });

  it('lists the provinces and a province’s children without placeholder nodes', async () => {
    const provinces = await listChildRegions(t.database.db, null);
    expect(provinces.length).toBeGreaterThanOrEqual(31);
    const hubei = await listChildRegions(t.database.db, '420000');
    expect(hubei.map((r) => r.name)).toContain('潜江市');
    expect(hubei.map((r) => r.name).some((n) => n.includes('直辖'))).toBe(false);
  });

  it('tells whether a region lies inside an area', async () => {
    expect(await isRegionWithin(t.database.db, '420527', ['420500'])).toBe(true);
    expect(await isRegionWithin(t.database.db, '420527', ['420527'])).toBe(true);
    expect(await isRegionWithin(t.database.db, '429005', ['420500'])).toBe(false);
    expect(await isRegionWithin(t.database.db, '429005', [])).toBe(false);
  });

  it('writes reference data only when it changed since the last start', async () => {
    const { db } = t.database;
    // The test database was synced when it was made: nothing to write.
    expect(await syncReferenceData(db)).toBe(false);
    // A database from before the fingerprint (or with different data) is written again, completely.
    await db.delete(categories).where(eq(categories.slug, 'tea'));
    expect(await syncReferenceData(db)).toBe(false);
    await db.delete(appMeta).where(eq(appMeta.key, 'reference_data'));
    expect(await syncReferenceData(db)).toBe(true);
    const rows = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM categories WHERE slug = 'tea'`);
    expect(rows[0]?.n).toBe(1);
    expect(await syncReferenceData(db)).toBe(false);
  });
});

describe('region data', () => {
  it('has no duplicate codes and no orphans', async () => {
    const { loadRegionPackage } = await import('~/models/regions.server');
    const rows = loadRegionPackage();
    const codes = new Set(rows.map((r) => r.code));
    expect(codes.size).toBe(rows.length);
    expect(rows.filter((r) => r.parentCode && !codes.has(r.parentCode))).toEqual([]);
  });
});
