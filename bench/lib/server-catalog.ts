/**
 * The catalog the server benchmark runs on: the demo seed (people, associations, the zone's own
 * GIs, cooperatives and products) plus N synthetic products, dated around today so the zone's
 * urgent section and sell-before dates look like a live shop. Ends with VACUUM ANALYZE.
 */
import { sql } from 'drizzle-orm';
import { seedDemoData } from '~/models/demo-seed.server';
import type { Db } from '~/utils/db.server';
import { loadSyntheticCatalog, type SyntheticCatalogSummary } from './synthetic-catalog';

export interface ServerCatalogSummary extends SyntheticCatalogSummary {
  demoSeconds: number;
  vacuumSeconds: number;
  totalSeconds: number;
}

export async function seedServerCatalog(db: Db, { products, now, seed = 2020 }: { products: number; now: Date; seed?: number }): Promise<ServerCatalogSummary> {
  const started = performance.now();
  await seedDemoData(db, now);
  const demoDone = performance.now();
  const today = now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  const summary = await loadSyntheticCatalog(db, { products, seed, today });
  const vacuumStart = performance.now();
  // VACUUM sets the visibility map and flushes the GIN pending list, as autovacuum would.
  await db.execute(sql`VACUUM ANALYZE`);
  const done = performance.now();
  return {
    ...summary,
    demoSeconds: (demoDone - started) / 1000,
    vacuumSeconds: (done - vacuumStart) / 1000,
    totalSeconds: (done - started) / 1000,
  };
}
