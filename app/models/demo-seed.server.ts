/**
 * Seeds the demo catalog (demo-data.server.ts) in one transaction: people and roles, GIs and
 * their protected areas, cooperatives with GI authorizations, associations, products with
 * variants and stalled stock. Dates are relative to `now`, so the zone's urgent section
 * always has goods to show.
 */
import { enqueueSearchSync } from '~/models/search-sync.server';
import { sql } from 'drizzle-orm';
import {
  appMeta,
  associationGis,
  associationMembers,
  associationRegions,
  associations,
  cooperativeMembers,
  cooperatives,
  coordinatorRegions,
  geographicalIndications,
  giAuthorizations,
  giProtectedAreas,
  products,
  productVariants,
  regions,
  stalledStocks,
  userRoles,
  users,
  type Role,
} from '~/db/schema';
import { queryRows, type Db } from '~/utils/db.server';
import { hashPassword } from '~/utils/password.server';
import {
  DEMO_ASSOCIATIONS,
  DEMO_COOPERATIVES,
  DEMO_GIS,
  DEMO_PASSWORDS,
  DEMO_PRODUCTS,
  DEMO_STAFF,
  demoContactPhone,
  demoCreditCode,
  type DemoAccountKind,
  type DemoCooperative,
  type DemoPerson,
} from './demo-data.server';

export const DEMO_SEEDED_AT_KEY = 'demo_seeded_at';

export interface SeedSummary {
  users: number;
  geographicalIndications: number;
  cooperatives: number;
  giAuthorizations: number;
  associations: number;
  products: number;
  variants: number;
  stalledStocks: number;
}

export interface DemoAccount {
  email: string;
  mobile: string | null;
  displayName: string;
  role: DemoAccountKind;
  password: string;
}

const OWNERS: DemoPerson[] = DEMO_COOPERATIVES.map((c) => ({
  email: c.owner.email,
  mobile: null,
  displayName: c.owner.name,
  kind: 'cooperative',
  roles: [],
}));

const PEOPLE: DemoPerson[] = [...DEMO_STAFF, ...OWNERS];

/** Every demo sign-in, for the README and for tests. */
export const DEMO_ACCOUNTS: DemoAccount[] = PEOPLE.map((p) => ({
  email: p.email,
  mobile: p.mobile,
  displayName: p.displayName,
  role: p.kind,
  password: DEMO_PASSWORDS[p.kind],
}));

type PasswordHashes = Record<DemoAccountKind, string>;

async function hashDemoPasswords(): Promise<PasswordHashes> {
  const entries = await Promise.all(
    Object.entries(DEMO_PASSWORDS).map(async ([kind, password]) => [kind, await hashPassword(password)] as const),
  );
  return Object.fromEntries(entries) as PasswordHashes;
}

const DAY_MS = 86_400_000;
const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
/** The calendar date in China `offsetDays` from `now`, as the `date` columns store it. */
const chinaDate = (now: Date, offsetDays: number) =>
  new Date(now.getTime() + offsetDays * DAY_MS).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });

function required<T>(map: Map<string, T>, key: string, what: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`Demo data refers to an unknown ${what}: ${key}`);
  return value;
}

/** Seeds the demo data whatever the database holds; fails on a slug or e-mail already taken. */
export async function seedDemoData(db: Db, now: Date): Promise<SeedSummary> {
  const hashes = await hashDemoPasswords();
  return db.transaction((tx) => insertDemoData(tx as unknown as Db, now, hashes));
}

// Any number of app instances may start at once against one PostgreSQL: the lock makes one seed.
const SEED_LOCK_KEY = 2020_0123;

async function hasUsersOrProducts(db: Db): Promise<boolean> {
  const [row] = await queryRows<{ taken: boolean }>(
    db,
    sql`select (exists (select 1 from ${users}) or exists (select 1 from ${products})) as taken`,
  );
  return Boolean(row?.taken);
}

/** Seeds the demo data only into a database without users and products; true when it did. */
export async function seedDemoDataIfEmpty(db: Db, now: Date): Promise<boolean> {
  if (await hasUsersOrProducts(db)) return false;
  const hashes = await hashDemoPasswords();
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`);
    if (await hasUsersOrProducts(tx)) return false;
    await insertDemoData(tx, now, hashes);
    return true;
  });
}

async function insertDemoData(tx: Db, now: Date, hashes: PasswordHashes): Promise<SeedSummary> {
  const regionRows = await tx.select({ code: regions.code, name: regions.name, parentCode: regions.parentCode }).from(regions);
  const regionByCode = new Map(regionRows.map((r) => [r.code, r]));
  const ancestry = (code: string) => {
    const path = [];
    for (let r = regionByCode.get(code); r; r = r.parentCode ? regionByCode.get(r.parentCode) : undefined) path.unshift(r);
    return path;
  };
  const isWithin = (code: string, area: string[]) => ancestry(code).some((r) => area.includes(r.code));
  for (const code of [
    ...DEMO_GIS.flatMap((g) => g.protectedArea),
    ...DEMO_COOPERATIVES.map((c) => c.regionCode),
    ...DEMO_ASSOCIATIONS.flatMap((a) => [a.regionCode, ...a.regionCodes]),
    ...DEMO_STAFF.flatMap((p) => (p.coordinatorRegions ?? []).map((r) => r.regionCode)),
  ]) {
    required(regionByCode, code, 'region code');
  }

  // ------------------------------------------------------------ people
  const userRows = await tx
    .insert(users)
    .values(
      PEOPLE.map((p) => ({
        email: p.email,
        mobile: p.mobile,
        displayName: p.displayName,
        passwordHash: hashes[p.kind],
        privacyConsentAt: now,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning({ id: users.id, email: users.email });
  const userIdByEmail = new Map(userRows.map((u) => [u.email!, u.id]));
  const userId = (email: string) => required(userIdByEmail, email, 'account');

  await tx.insert(userRoles).values(
    PEOPLE.flatMap((p) => (['customer', ...p.roles] as Role[]).map((role) => ({ userId: userId(p.email), role, createdAt: now }))),
  );
  await tx.insert(coordinatorRegions).values(
    DEMO_STAFF.flatMap((p) => (p.coordinatorRegions ?? []).map((r) => ({ userId: userId(p.email), ...r }))),
  );
  const adminId = userId(DEMO_STAFF.find((p) => p.kind === 'admin')?.email ?? '(no admin in DEMO_STAFF)');

  // ------------------------------------------------------------ geographical indications
  const giRows = await tx
    .insert(geographicalIndications)
    .values(
      DEMO_GIS.map((g) => ({
        slug: g.slug,
        name: g.name,
        nameEn: g.nameEn,
        kind: g.kind,
        otherKinds: g.otherKinds,
        registrationNumber: g.registrationNumber,
        registeredOn: g.registeredOn,
        chinaEuList: g.chinaEuList,
        categorySlug: g.categorySlug,
        story: g.story,
        sourceNote: g.sourceNote,
        createdAt: now,
      })),
    )
    .returning({ id: geographicalIndications.id, slug: geographicalIndications.slug });
  const giIdBySlug = new Map(giRows.map((g) => [g.slug, g.id]));
  const giId = (slug: string) => required(giIdBySlug, slug, 'GI');
  const giBySlug = new Map(DEMO_GIS.map((g) => [g.slug, g]));
  await tx
    .insert(giProtectedAreas)
    .values(DEMO_GIS.flatMap((g) => g.protectedArea.map((regionCode) => ({ giId: giId(g.slug), regionCode }))));

  // ------------------------------------------------------------ associations
  const associationRows = await tx
    .insert(associations)
    .values(DEMO_ASSOCIATIONS.map((a) => ({ slug: a.slug, name: a.name, regionCode: a.regionCode, description: a.description, createdAt: now })))
    .returning({ id: associations.id, slug: associations.slug });
  const associationIdBySlug = new Map(associationRows.map((a) => [a.slug, a.id]));
  const associationId = (slug: string) => required(associationIdBySlug, slug, 'association');
  await tx.insert(associationMembers).values(
    DEMO_STAFF.filter((p) => p.associationSlug).map((p) => ({ associationId: associationId(p.associationSlug!), userId: userId(p.email), createdAt: now })),
  );
  await tx
    .insert(associationGis)
    .values(DEMO_ASSOCIATIONS.flatMap((a) => a.giSlugs.map((slug) => ({ associationId: associationId(a.slug), giId: giId(slug) }))));
  await tx
    .insert(associationRegions)
    .values(DEMO_ASSOCIATIONS.flatMap((a) => a.regionCodes.map((regionCode) => ({ associationId: associationId(a.slug), regionCode }))));
  // Authorizations are decided by the association that looks after the GI, else by the admin.
  const deciderByGi = new Map<string, string>();
  for (const person of DEMO_STAFF) {
    const association = DEMO_ASSOCIATIONS.find((a) => a.slug === person.associationSlug);
    for (const slug of association?.giSlugs ?? []) if (!deciderByGi.has(slug)) deciderByGi.set(slug, userId(person.email));
  }

  // ------------------------------------------------------------ cooperatives
  const verifiedAt = daysAgo(now, 40);
  const cooperativeRows = await tx
    .insert(cooperatives)
    .values(
      DEMO_COOPERATIVES.map((c, index) => {
        const verified = c.verificationStatus === 'verified';
        return {
          slug: c.slug,
          legalName: c.legalName,
          creditCode: demoCreditCode(index, c.regionCode),
          regionCode: c.regionCode,
          address: `${ancestry(c.regionCode).map((r) => r.name).join('')}${c.street}`,
          legalRepresentative: c.owner.name,
          businessScope: c.businessScope,
          contactName: c.owner.name,
          contactPhone: demoContactPhone(index, c.areaCode),
          contactEmail: c.owner.email,
          description: c.description,
          verificationStatus: c.verificationStatus,
          verifiedAt: verified ? verifiedAt : null,
          verifiedBy: verified ? adminId : null,
          verificationNote: verified ? '营业执照与统一社会信用代码已核对（演示）' : null,
          shippingFlatFeeFen: c.shippingFlatFeeFen,
          freeShippingThresholdFen: c.freeShippingThresholdFen,
          createdAt: verified ? daysAgo(now, 45) : daysAgo(now, 2),
          updatedAt: verified ? verifiedAt : daysAgo(now, 2),
        };
      }),
    )
    .returning({ id: cooperatives.id, slug: cooperatives.slug });
  const cooperativeIdBySlug = new Map(cooperativeRows.map((c) => [c.slug, c.id]));
  const cooperativeId = (slug: string) => required(cooperativeIdBySlug, slug, 'cooperative');
  const cooperativeBySlug = new Map(DEMO_COOPERATIVES.map((c) => [c.slug, c]));
  await tx.insert(cooperativeMembers).values(
    DEMO_COOPERATIVES.map((c) => ({ cooperativeId: cooperativeId(c.slug), userId: userId(c.owner.email), role: 'owner' as const, createdAt: now })),
  );

  const applyFor = (coop: DemoCooperative, slug: string) => {
    if (!isWithin(coop.regionCode, required(giBySlug, slug, 'GI').protectedArea)) {
      throw new Error(`Demo cooperative ${coop.slug} lies outside the protected area of ${slug}`);
    }
    return { cooperativeId: cooperativeId(coop.slug), giId: giId(slug) };
  };
  const authorizationValues = DEMO_COOPERATIVES.flatMap((c) => [
    ...c.approvedGiSlugs.map((slug) => ({
      ...applyFor(c, slug),
      status: 'approved' as const,
      note: '用标申请材料：营业执照、产地证明、生产记录（演示）',
      decidedBy: deciderByGi.get(slug) ?? adminId,
      decidedAt: verifiedAt,
      decisionReason: '合作社位于保护范围内，材料齐全（演示）',
      createdAt: daysAgo(now, 42),
    })),
    ...c.pendingGiSlugs.map((slug) => ({
      ...applyFor(c, slug),
      status: 'pending' as const,
      note: '新成立的合作社申请使用地理标志（演示）',
      createdAt: daysAgo(now, 1),
    })),
  ]);
  await tx.insert(giAuthorizations).values(authorizationValues);

  // ------------------------------------------------------------ products
  const productRows = await tx
    .insert(products)
    .values(
      DEMO_PRODUCTS.map((p) => {
        const coop = required(cooperativeBySlug, p.cooperativeSlug, 'cooperative');
        // The GI trust rule, enforced on the data itself: approved authorization, inside the area.
        if (p.giSlug && !coop.approvedGiSlugs.includes(p.giSlug)) {
          throw new Error(`Demo product ${p.slug} claims ${p.giSlug} without an approved authorization`);
        }
        if (p.giSlug && !isWithin(coop.regionCode, required(giBySlug, p.giSlug, 'GI').protectedArea)) {
          throw new Error(`Demo product ${p.slug} comes from outside the area of ${p.giSlug}`);
        }
        const publishedAt = daysAgo(now, p.publishedDaysAgo);
        return {
          slug: p.slug,
          cooperativeId: cooperativeId(p.cooperativeSlug),
          giId: p.giSlug ? giId(p.giSlug) : null,
          categorySlug: p.categorySlug,
          originRegionCode: coop.regionCode,
          title: p.title,
          titleEn: p.titleEn,
          description: p.description,
          shippingNote: p.shippingNote,
          status: 'published' as const,
          publishedAt,
          createdAt: publishedAt,
          updatedAt: publishedAt,
        };
      }),
    )
    .returning({ id: products.id, slug: products.slug });
  const productIdBySlug = new Map(productRows.map((p) => [p.slug, p.id]));
  const productId = (slug: string) => required(productIdBySlug, slug, 'product');

  const variantValues = DEMO_PRODUCTS.flatMap((p) =>
    p.variants.map((v, position) => ({ productId: productId(p.slug), ...v, position, createdAt: now, updatedAt: now })),
  );
  await tx.insert(productVariants).values(variantValues);

  const stalledValues = DEMO_PRODUCTS.flatMap((p) =>
    p.stalled
      ? [
          {
            productId: productId(p.slug),
            quantity: p.stalled.quantity,
            unit: p.stalled.unit,
            since: chinaDate(now, -p.stalled.sinceDaysAgo),
            sellBefore: chinaDate(now, p.stalled.sellBeforeInDays),
            reason: p.stalled.reason,
            createdBy: userId(required(cooperativeBySlug, p.cooperativeSlug, 'cooperative').owner.email),
            createdAt: daysAgo(now, p.stalled.sinceDaysAgo),
          },
        ]
      : [],
  );
  await tx.insert(stalledStocks).values(stalledValues);
  // The demo catalog goes into search like any other catalog change.
  await enqueueSearchSync(tx, productRows.map((p) => p.id), 'demo-seed');

  await tx
    .insert(appMeta)
    .values({ key: DEMO_SEEDED_AT_KEY, value: now.toISOString(), updatedAt: now })
    .onConflictDoUpdate({ target: appMeta.key, set: { value: now.toISOString(), updatedAt: now } });

  return {
    users: userRows.length,
    geographicalIndications: giRows.length,
    cooperatives: cooperativeRows.length,
    giAuthorizations: authorizationValues.length,
    associations: associationRows.length,
    products: productRows.length,
    variants: variantValues.length,
    stalledStocks: stalledValues.length,
  };
}
