/**
 * Delivery addresses in the Chinese form: 收货人 (recipient), mobile, region down to the county
 * (GB/T 2260), and the detailed address. Signed-in users keep an address book with one default;
 * checkout copies the address onto the order, so editing the book never changes an order.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { addresses, regions } from '~/db/schema';
import { MOBILE_PATTERN, normalizeMobile } from '~/models/user.server';
import { queryRows, type Db } from '~/utils/db.server';

export const MAX_ADDRESSES = 20;

/** The address fields as the forms post them; errors are i18n keys. */
export const addressFieldsSchema = z.object({
  recipient: z
    .string({ required_error: 'orders:address.errors.recipientRequired' })
    .trim()
    .min(1, 'orders:address.errors.recipientRequired')
    .max(30, 'orders:address.errors.recipientTooLong'),
  mobile: z
    .string({ required_error: 'orders:address.errors.mobileRequired' })
    .transform(normalizeMobile)
    .pipe(z.string().regex(MOBILE_PATTERN, 'orders:address.errors.mobileInvalid')),
  regionCode: z.string({ required_error: 'orders:address.errors.regionRequired' }).regex(/^\d{6}$/, 'orders:address.errors.regionRequired'),
  detail: z
    .string({ required_error: 'orders:address.errors.detailRequired' })
    .trim()
    .min(4, 'orders:address.errors.detailTooShort')
    .max(120, 'orders:address.errors.detailTooLong'),
});

export type AddressFields = z.infer<typeof addressFieldsSchema>;

/** A region goods can be delivered to: a county-level region, or a city without counties (东莞市). */
export async function isDeliveryRegion(db: Db, code: string): Promise<boolean> {
  const [row] = await queryRows<{ ok: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM regions r WHERE r.code = ${code} AND r.level > 1
          AND NOT EXISTS (SELECT 1 FROM regions c WHERE c.parent_code = r.code)) AS ok`,
  );
  return Boolean(row?.ok);
}

/** Province, city and county names of each region, province first. */
export async function regionNames(db: Db, codes: readonly string[]): Promise<Map<string, string[]>> {
  const unique = [...new Set(codes)];
  const names = new Map<string, string[]>();
  if (unique.length === 0) return names;
  const rows = await queryRows<{ code: string; name: string; parent_name: string | null; grand_name: string | null }>(
    db,
    sql`SELECT r.code, r.name, p.name AS parent_name, g.name AS grand_name
        FROM regions r LEFT JOIN regions p ON p.code = r.parent_code LEFT JOIN regions g ON g.code = p.parent_code
        WHERE r.code IN (${sql.join(
          unique.map((c) => sql`${c}`),
          sql`, `,
        )})`,
  );
  for (const row of rows) names.set(row.code, [row.grand_name, row.parent_name, row.name].filter((n): n is string => Boolean(n)));
  return names;
}

export async function listProvinces(db: Db) {
  return db.select({ code: regions.code, name: regions.name }).from(regions).where(eq(regions.level, 1)).orderBy(regions.code);
}

export interface RegionOptionGroup {
  label: string;
  options: { code: string; name: string }[];
}

/**
 * The delivery regions of one province grouped by city, for a single select that works without
 * JavaScript. Counties governed by the province itself are grouped under the province's name.
 */
export async function deliveryRegionOptions(db: Db, provinceCode: string): Promise<RegionOptionGroup[]> {
  const rows = await queryRows<{ code: string; name: string; parent_code: string; parent_name: string }>(
    db,
    sql`SELECT r.code, r.name, r.parent_code, p.name AS parent_name
        FROM regions r JOIN regions p ON p.code = r.parent_code
        WHERE r.province_code = ${provinceCode} AND r.level > 1
          AND NOT EXISTS (SELECT 1 FROM regions c WHERE c.parent_code = r.code)
        ORDER BY r.parent_code, r.code`,
  );
  const groups = new Map<string, RegionOptionGroup>();
  for (const row of rows) {
    let group = groups.get(row.parent_code);
    if (!group) {
      group = { label: row.parent_name, options: [] };
      groups.set(row.parent_code, group);
    }
    group.options.push({ code: row.code, name: row.name });
  }
  return [...groups.values()];
}

export async function provinceOf(db: Db, regionCode: string): Promise<string | null> {
  const [row] = await db.select({ provinceCode: regions.provinceCode }).from(regions).where(eq(regions.code, regionCode));
  return row?.provinceCode ?? null;
}

export async function listAddresses(db: Db, userId: string) {
  const rows = await db
    .select()
    .from(addresses)
    .where(eq(addresses.userId, userId))
    .orderBy(desc(addresses.isDefault), desc(addresses.createdAt), desc(addresses.id));
  const names = await regionNames(
    db,
    rows.map((r) => r.regionCode),
  );
  return rows.map((r) => ({ ...r, regionNames: names.get(r.regionCode) ?? [] }));
}

export type SavedAddress = Awaited<ReturnType<typeof listAddresses>>[number];

export async function getAddress(db: Db, userId: string, addressId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(addressId)) return undefined;
  const [row] = await db
    .select()
    .from(addresses)
    .where(and(eq(addresses.id, addressId), eq(addresses.userId, userId)));
  return row;
}

export type AddressResult = { ok: true; id: string } | { ok: false; problem: 'region_invalid' | 'too_many' | 'not_found' };

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

async function clearDefault(tx: Db, userId: string) {
  await tx
    .update(addresses)
    .set({ isDefault: false })
    .where(and(eq(addresses.userId, userId), eq(addresses.isDefault, true)));
}

/** Saves a new address; the first one becomes the default. */
export async function createAddress(db: Db, userId: string, fields: AddressFields, { makeDefault = false, now }: { makeDefault?: boolean; now: Date }): Promise<AddressResult> {
  if (!(await isDeliveryRegion(db, fields.regionCode))) return { ok: false, problem: 'region_invalid' };
  return inTransaction(db, async (tx) => {
    // Serializes one user's address-book changes, so "the first is the default" holds under races.
    await tx.execute(sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`);
    const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM addresses WHERE user_id = ${userId}`);
    if (Number(n) >= MAX_ADDRESSES) return { ok: false, problem: 'too_many' };
    const isDefault = makeDefault || Number(n) === 0;
    if (isDefault) await clearDefault(tx, userId);
    const [row] = await tx
      .insert(addresses)
      .values({ userId, ...fields, isDefault, createdAt: now })
      .returning({ id: addresses.id });
    return { ok: true, id: row!.id };
  });
}

export async function updateAddress(db: Db, userId: string, addressId: string, fields: AddressFields, { makeDefault = false }: { makeDefault?: boolean } = {}): Promise<AddressResult> {
  if (!(await getAddress(db, userId, addressId))) return { ok: false, problem: 'not_found' };
  if (!(await isDeliveryRegion(db, fields.regionCode))) return { ok: false, problem: 'region_invalid' };
  return inTransaction(db, async (tx) => {
    if (makeDefault) await clearDefault(tx, userId);
    await tx
      .update(addresses)
      .set({ ...fields, ...(makeDefault ? { isDefault: true } : {}) })
      .where(and(eq(addresses.id, addressId), eq(addresses.userId, userId)));
    return { ok: true, id: addressId };
  });
}

export async function setDefaultAddress(db: Db, userId: string, addressId: string): Promise<AddressResult> {
  if (!(await getAddress(db, userId, addressId))) return { ok: false, problem: 'not_found' };
  return inTransaction(db, async (tx) => {
    await clearDefault(tx, userId);
    await tx
      .update(addresses)
      .set({ isDefault: true })
      .where(and(eq(addresses.id, addressId), eq(addresses.userId, userId)));
    return { ok: true, id: addressId };
  });
}

/** Deletes an address; when it was the default, the newest remaining one becomes the default. */
export async function deleteAddress(db: Db, userId: string, addressId: string): Promise<AddressResult> {
  const address = await getAddress(db, userId, addressId);
  if (!address) return { ok: false, problem: 'not_found' };
  return inTransaction(db, async (tx) => {
    await tx.delete(addresses).where(and(eq(addresses.id, addressId), eq(addresses.userId, userId)));
    if (address.isDefault) {
      await tx.execute(
        sql`UPDATE addresses SET is_default = true WHERE id = (
              SELECT id FROM addresses WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC LIMIT 1)`,
      );
    }
    return { ok: true, id: addressId };
  });
}
