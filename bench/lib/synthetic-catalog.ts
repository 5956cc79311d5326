/**
 * A synthetic catalog for benchmarks and plan tests: N products whose titles are made from real
 * GI names, places, selling words and specs (thousands of distinct titles), spread so that Hubei
 * holds about a quarter of the goods, written with plain multi-row inserts and then indexed.
 */
import { inArray, sql } from 'drizzle-orm';
import {
  cooperatives,
  geographicalIndications,
  giAuthorizations,
  giProtectedAreas,
  products,
  productVariants,
  stalledStocks,
} from '~/db/schema';
import { rebuildSearchDocuments } from '~/models/search-documents.server';
import { queryRows, type Db } from '~/utils/db.server';
import { HUBEI_GIS, OTHER_GIS, PLAIN_TITLES, type GiSeed } from './gi-list';

/** A small seeded generator (mulberry32), so every run builds the same catalog. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** A well-formed 统一社会信用代码 of a farmers' cooperative (93…), both check characters right. */
export function makeCreditCode(regionCode: string, serial: number): string {
  const body = String(serial % 100_000_000).padStart(8, '0');
  const orgSum = body.split('').reduce((sum, d, i) => sum + Number(d) * ORG_WEIGHTS[i]!, 0);
  const orgCheck = 11 - (orgSum % 11);
  const org = body + (orgCheck === 10 ? 'X' : orgCheck === 11 ? '0' : String(orgCheck));
  const first17 = `93${regionCode}${org}`;
  const sum = first17.split('').reduce((s, c, i) => s + CREDIT_CHARS.indexOf(c) * CREDIT_WEIGHTS[i]!, 0);
  const check = (31 - (sum % 31)) % 31;
  return first17 + CREDIT_CHARS[check];
}

const COOP_WORDS = ['丰收', '绿源', '金果', '惠农', '兴农', '山水', '富民', '田园', '福源', '众鑫', '合兴', '青山', '红旗', '春晖', '裕农', '康田'];
const SELLING_WORDS = ['新鲜', '当季', '现摘', '精选', '特级', '一级', '农家', '助农', '原产地', '正宗', '产地直发', '家庭装', '礼盒装', '基地直供', '头茬'];
const SPECS: Record<string, string[]> = {
  fruit: ['2.5kg', '5kg', '5斤装', '10斤装', '单果200g以上', '整箱9斤', '3斤尝鲜装'],
  tea: ['125g', '250g', '500g', '礼盒2罐', '明前特级100g', '散装500g'],
  'rice-grain': ['2.5kg', '5kg', '10kg', '真空包装5斤', '当年新米10斤'],
  vegetable: ['5斤', '10斤', '2.5kg', '整箱装', '真空包装1kg'],
  fungi: ['250g', '500g', '干货1斤', '礼盒装400g'],
  aquatic: ['1kg', '2斤', '4-6钱 净虾3斤', '鲜活5斤', '冷冻2kg'],
  herbal: ['250g', '500g', '礼盒装', '特级150g'],
  beverage: ['500ml×6', '2.5L', '整箱12瓶'],
  other: ['30枚', '500g', '1kg'],
};
const DESCRIPTION_LINES = [
  '疫情期间物流受阻，合作社库存积压，恳请爱心人士帮忙消化。',
  '产地直发，顺丰冷链，坏果包赔。',
  '农户自种自产，不打蜡不催熟。',
  '每批次附检验检疫与消毒证明，放心食用。',
  '合作社统一分拣包装，品质稳定。',
];

export interface SyntheticCatalogOptions {
  products: number;
  seed?: number;
  /** Sell-before dates are spread over the 40 days after this day (YYYY-MM-DD). */
  today?: string;
}

export interface SyntheticCatalogSummary {
  products: number;
  listed: number;
  distinctTitles: number;
  hubeiShare: number;
  /** Writing the catalog rows, then building the search documents. */
  insertSeconds: number;
  indexSeconds: number;
}

interface PlannedProduct {
  gi: GiSeed | null;
  regionCode: string;
  category: string;
  title: string;
  description: string;
  coopIndex: number;
}

function provinceShortName(name: string): string {
  return name.replace(/(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$/, '');
}

/** Inserts the catalog (GIs, cooperatives, products, variants, stalled stock) and indexes it. */
export async function loadSyntheticCatalog(db: Db, options: SyntheticCatalogOptions): Promise<SyntheticCatalogSummary> {
  const started = performance.now();
  const random = seededRandom(options.seed ?? 2020);
  const today = Date.parse(`${options.today ?? '2020-03-01'}T00:00:00Z`);
  const gis = [...HUBEI_GIS, ...OTHER_GIS];

  const regionRows = await queryRows<{ code: string; name: string; province_name: string }>(
    db,
    sql`SELECT r.code, r.name, p.name AS province_name FROM regions r JOIN regions p ON p.code = r.province_code
        WHERE r.code IN ${gis.map((g) => g.regionCode)}`,
  );
  const regionName = new Map(regionRows.map((r) => [r.code, r]));

  // The demo seed may already hold some of these GIs (same slugs): keep its rows and use their ids.
  await db
    .insert(geographicalIndications)
    .values(gis.map((g) => ({ slug: g.slug, name: g.name, kind: g.kind, categorySlug: g.category, sourceNote: 'synthetic benchmark catalog' })))
    .onConflictDoNothing();
  const giRows = await db
    .select({ id: geographicalIndications.id, slug: geographicalIndications.slug })
    .from(geographicalIndications)
    .where(inArray(geographicalIndications.slug, gis.map((g) => g.slug)));
  const giId = new Map(giRows.map((r) => [r.slug, r.id]));
  await db
    .insert(giProtectedAreas)
    .values(gis.map((g) => ({ giId: giId.get(g.slug)!, regionCode: g.regionCode })))
    .onConflictDoNothing();

  // Three to six cooperatives per GI, in its region; a few are not verified (their goods are unlisted).
  const coopPlan: { giSlug: string; regionCode: string; legalName: string; verified: boolean }[] = [];
  const coopsByGi = new Map<string, number[]>();
  for (const gi of gis) {
    const place = regionName.get(gi.regionCode)?.name ?? '';
    const count = random.int(3, 6);
    const indexes: number[] = [];
    for (let k = 0; k < count; k += 1) {
      indexes.push(coopPlan.length);
      coopPlan.push({
        giSlug: gi.slug,
        regionCode: gi.regionCode,
        legalName: `${place}${COOP_WORDS[(coopPlan.length * 7 + k) % COOP_WORDS.length]}${gi.product}${k % 2 === 0 ? '专业' : '种植'}合作社`,
        verified: !random.chance(0.04),
      });
    }
    coopsByGi.set(gi.slug, indexes);
  }
  const coopIds: number[] = [];
  for (let i = 0; i < coopPlan.length; i += 500) {
    const inserted = await db
      .insert(cooperatives)
      .values(
        coopPlan.slice(i, i + 500).map((c, k) => ({
          slug: `bench-coop-${i + k + 1}`,
          legalName: c.legalName,
          creditCode: makeCreditCode(c.regionCode, 10_000 + i + k),
          regionCode: c.regionCode,
          verificationStatus: c.verified ? ('verified' as const) : ('pending' as const),
        })),
      )
      .returning({ id: cooperatives.id });
    coopIds.push(...inserted.map((r) => r.id));
  }
  await db.insert(giAuthorizations).values(
    coopPlan.map((c, i) => ({ cooperativeId: coopIds[i]!, giId: giId.get(c.giSlug)!, status: 'approved' as const })),
  );

  // Hubei goods make about a quarter of the catalog, as in the zone's spring 2020; 5 % carry no GI.
  const plan: PlannedProduct[] = [];
  for (let i = 0; i < options.products; i += 1) {
    const roll = random.next();
    const gi = roll < 0.25 ? random.pick(HUBEI_GIS) : roll < 0.95 ? random.pick(OTHER_GIS) : null;
    const home = gi ?? random.pick(gis);
    const region = regionName.get(home.regionCode);
    const category = gi ? gi.category : home.category;
    const baseName = gi ? random.pick(gi.titleNames) : random.pick(PLAIN_TITLES[home.category]);
    const prefixRoll = random.next();
    const prefix = prefixRoll < 0.3 && region ? provinceShortName(region.province_name) : prefixRoll < 0.4 && region ? `${region.name}` : '';
    const words = [random.pick(SELLING_WORDS), random.chance(0.5) ? random.pick(SELLING_WORDS) : null].filter(Boolean);
    const title = `${prefix}${baseName} ${[...new Set(words)].join(' ')} ${random.pick(SPECS[category] ?? SPECS.other!)}`.replace(/\s+/g, ' ').trim();
    const description = `${region ? `${region.province_name}${region.name}` : ''}${gi ? `地理标志产品${gi.name}` : baseName}。${random.pick(DESCRIPTION_LINES)}${random.pick(DESCRIPTION_LINES)}`;
    const coops = coopsByGi.get(home.slug)!;
    plan.push({ gi, regionCode: home.regionCode, category, title, description, coopIndex: random.pick(coops) });
  }

  const productIds: number[] = [];
  const BATCH = 1000;
  for (let i = 0; i < plan.length; i += BATCH) {
    const chunk = plan.slice(i, i + BATCH);
    const inserted = await db
      .insert(products)
      .values(
        chunk.map((p, k) => ({
          slug: `bench-${i + k + 1}`,
          cooperativeId: coopIds[p.coopIndex]!,
          giId: p.gi ? giId.get(p.gi.slug)! : null,
          categorySlug: p.category,
          originRegionCode: p.regionCode,
          title: p.title,
          description: p.description,
          status: random.chance(0.97) ? ('published' as const) : ('draft' as const),
          publishedAt: new Date(today - random.int(0, 120) * 86_400_000 - random.int(0, 86_399) * 1000),
        })),
      )
      .returning({ id: products.id });
    const ids = inserted.map((r) => r.id);
    productIds.push(...ids);
    const variants = ids.flatMap((productId, k) => {
      const category = chunk[k]!.category;
      const count = random.int(1, 3);
      return Array.from({ length: count }, (_, v) => ({
        productId,
        spec: random.pick(SPECS[category] ?? SPECS.other!),
        priceFen: random.int(990, 49_900),
        stock: random.chance(0.9) ? random.int(1, 500) : 0,
        weightGrams: random.int(250, 10_000),
        position: v,
      }));
    });
    await db.insert(productVariants).values(variants);
    const stalled = ids
      .filter(() => random.chance(0.15))
      .map((productId) => {
        const sellBefore = new Date(today + random.int(0, 40) * 86_400_000).toISOString().slice(0, 10);
        return { productId, quantity: random.int(100, 20_000), unit: 'kg', since: '2020-02-01', sellBefore, reason: '疫情期间物流受阻' };
      });
    if (stalled.length > 0) await db.insert(stalledStocks).values(stalled);
  }

  const inserted = performance.now();
  // Fresh statistics first: on never-analyzed tables the planner takes products for a few rows
  // and the rebuild's batch query scans the published-products index once per cooperative
  // (seconds per 1,000 products at 100,000).
  await db.execute(sql`ANALYZE`);
  const { written } = await rebuildSearchDocuments(db);
  const hubei = plan.filter((p) => p.regionCode.startsWith('42')).length;
  return {
    products: plan.length,
    listed: written,
    distinctTitles: new Set(plan.map((p) => p.title)).size,
    hubeiShare: plan.length === 0 ? 0 : hubei / plan.length,
    insertSeconds: (inserted - started) / 1000,
    indexSeconds: (performance.now() - inserted) / 1000,
  };
}
