import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { appMeta } from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { CATEGORY_LIST, syncCategories } from './categories.server';
import { loadRegionPackage, syncRegions } from './regions.server';

const META_KEY = 'reference_data';

/**
 * Reference data every database needs (regions, categories); idempotent. The fingerprint of what
 * was written last is kept in app_meta, so a start with unchanged data (the usual case) costs one
 * read instead of upserting 3,678 regions. Returns whether anything was written.
 */
export async function syncReferenceData(db: Db): Promise<boolean> {
  const regions = loadRegionPackage();
  const fingerprint = crypto.createHash('sha256').update(JSON.stringify([regions, CATEGORY_LIST])).digest('hex');
  const [stored] = await db.select({ value: appMeta.value }).from(appMeta).where(eq(appMeta.key, META_KEY));
  if ((stored?.value as { fingerprint?: string } | undefined)?.fingerprint === fingerprint) return false;
  await syncRegions(db, regions);
  await syncCategories(db);
  const value = { fingerprint };
  await db.insert(appMeta).values({ key: META_KEY, value }).onConflictDoUpdate({ target: appMeta.key, set: { value, updatedAt: new Date() } });
  return true;
}
