import { asc, sql } from 'drizzle-orm';
import { categories } from '~/db/schema';
import type { Db } from '~/utils/db.server';

/** The zone's product categories: reference data kept in code and synced at start-up. */
export const CATEGORY_LIST = [
  { slug: 'fruit', nameZh: '水果', nameEn: 'Fruit' },
  { slug: 'tea', nameZh: '茶叶', nameEn: 'Tea' },
  { slug: 'rice-grain', nameZh: '大米杂粮', nameEn: 'Rice & grains' },
  { slug: 'vegetable', nameZh: '蔬菜', nameEn: 'Vegetables' },
  { slug: 'fungi', nameZh: '菌菇', nameEn: 'Mushrooms & fungi' },
  { slug: 'aquatic', nameZh: '水产', nameEn: 'Aquatic products' },
  { slug: 'herbal', nameZh: '药食同源', nameEn: 'Herbal & medicinal' },
  { slug: 'beverage', nameZh: '酒饮', nameEn: 'Wine & drinks' },
  { slug: 'other', nameZh: '其他', nameEn: 'Other' },
] as const;

export type CategorySlug = (typeof CATEGORY_LIST)[number]['slug'];

export async function syncCategories(db: Db) {
  await db
    .insert(categories)
    .values(CATEGORY_LIST.map((c, position) => ({ ...c, position })))
    .onConflictDoUpdate({
      target: categories.slug,
      set: { nameZh: sql`excluded.name_zh`, nameEn: sql`excluded.name_en`, position: sql`excluded.position` },
    });
}

export async function listCategories(db: Db) {
  return db.select().from(categories).orderBy(asc(categories.position));
}
