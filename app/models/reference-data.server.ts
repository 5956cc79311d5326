import type { Db } from '~/utils/db.server';
import { syncCategories } from './categories.server';
import { syncRegions } from './regions.server';

/** Reference data every database needs (regions, categories); idempotent, run at every start. */
export async function syncReferenceData(db: Db) {
  await syncRegions(db);
  await syncCategories(db);
}
