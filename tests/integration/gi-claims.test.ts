import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { products } from '~/db/schema';
import { assertGiClaim, checkGiClaim, GiClaimError, listClaimableGis } from '~/models/gi-claims.server';
import { createProduct, setProductStatus, updateProduct, type ProductInput } from '~/models/products.server';
import type { Db } from '~/utils/db.server';
import { PORTAL_NOW, seedPortal, setAuthorization, writeContext, type SeededCooperative } from '../fixtures/coop-portal';
import { describeEachDriver } from '../setup/db';

describeEachDriver('the GI trust rule', (t) => {
  let db: Db;
  let fixtures: Awaited<ReturnType<typeof seedPortal>>;
  let hexiang: SeededCooperative; // verified, approved for 洪湖莲藕, inside its area
  let ouxiang: SeededCooperative; // same county, authorization still pending
  let zigui: SeededCooperative; // 秭归: outside 洪湖's area
  let xiling: SeededCooperative; // 宜昌市西陵区: inside 宜昌蜜桔's city-wide area
  let honghuLianou: number;

  beforeAll(async () => {
    db = t.database.db;
    fixtures = await seedPortal(db);
    hexiang = await fixtures.coop('honghu-hexiang');
    ouxiang = await fixtures.coop('honghu-ouxiang');
    zigui = await fixtures.coop('zigui-chengxiang');
    xiling = await fixtures.coop('xiling-ganju');
    honghuLianou = await fixtures.giId('honghu-lianou');
  });

  const lotus = (overrides: Partial<ProductInput> = {}): ProductInput => ({
    title: '洪湖粉藕 2.5kg',
    titleEn: null,
    categorySlug: 'vegetable',
    giId: honghuLianou,
    originRegionCode: '421083',
    description: '',
    shippingNote: '',
    ...overrides,
  });

  describe('checkGiClaim', () => {
    it('allows a cooperative with an approved authorization inside the protected area', async () => {
      expect(await checkGiClaim(db, hexiang.id, honghuLianou)).toEqual({ ok: true });
    });

    it('allows a county inside a city-wide protected area', async () => {
      expect(await checkGiClaim(db, xiling.id, await fixtures.giId('yichang-miju'))).toEqual({ ok: true });
    });

    it('refuses a cooperative whose authorization is only pending', async () => {
      expect(await checkGiClaim(db, ouxiang.id, honghuLianou)).toEqual({ ok: false, reason: 'not_authorized' });
    });

    it('refuses a cooperative with no authorization at all', async () => {
      expect(await checkGiClaim(db, hexiang.id, await fixtures.giId('zigui-qicheng'))).toEqual({ ok: false, reason: 'not_authorized' });
    });

    it('refuses an approved cooperative outside the protected area', async () => {
      await setAuthorization(db, zigui.id, honghuLianou, 'approved');
      expect(await checkGiClaim(db, zigui.id, honghuLianou)).toEqual({ ok: false, reason: 'outside_protected_area' });
    });

    it('refuses a product origin outside the protected area', async () => {
      expect(await checkGiClaim(db, hexiang.id, honghuLianou, { originRegionCode: '420527' })).toEqual({ ok: false, reason: 'outside_protected_area' });
      expect(await checkGiClaim(db, hexiang.id, honghuLianou, { originRegionCode: '421083' })).toEqual({ ok: true });
    });

    it('refuses a GI that does not exist', async () => {
      expect(await checkGiClaim(db, hexiang.id, 987_654)).toEqual({ ok: false, reason: 'unknown_gi' });
    });

    it('assertGiClaim throws a typed error naming the reason', async () => {
      const error = await assertGiClaim(db, ouxiang.id, honghuLianou).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GiClaimError);
      expect((error as GiClaimError).reason).toBe('not_authorized');
      await expect(assertGiClaim(db, hexiang.id, honghuLianou)).resolves.toBeUndefined();
    });

    it('lists only the GIs a cooperative may claim now', async () => {
      await setAuthorization(db, zigui.id, honghuLianou, 'approved'); // approved, but outside the area
      expect((await listClaimableGis(db, hexiang.id)).map((g) => g.slug)).toEqual(['honghu-lianou']);
      expect(await listClaimableGis(db, ouxiang.id)).toEqual([]);
      expect((await listClaimableGis(db, zigui.id)).map((g) => g.slug)).toEqual(['zigui-qicheng']);
    });
  });

  describe('enforced by the product model', () => {
    it('never creates a product claiming a GI without an approved authorization', async () => {
      const error = await createProduct(db, writeContext(ouxiang.ownerId), ouxiang.id, { ...lotus(), slug: 'ouxiang-lotus-claim' }).catch((e: unknown) => e);
      expect((error as GiClaimError).reason).toBe('not_authorized');
      expect(await db.select().from(products).where(eq(products.slug, 'ouxiang-lotus-claim'))).toEqual([]);
    });

    it('never lets an update add a GI claimed from outside the protected area', async () => {
      const { id } = await createProduct(db, writeContext(zigui.ownerId), zigui.id, { ...lotus({ giId: null, originRegionCode: '420527' }), slug: 'zigui-lotus' });
      const error = await updateProduct(db, writeContext(zigui.ownerId), zigui.id, id, lotus({ originRegionCode: '420527' })).catch((e: unknown) => e);
      expect((error as GiClaimError).reason).toBe('outside_protected_area');
      const [row] = await db.select({ giId: products.giId }).from(products).where(eq(products.id, id));
      expect(row?.giId).toBeNull();
    });

    it('creates the product when both conditions hold', async () => {
      const { id } = await createProduct(db, writeContext(hexiang.ownerId), hexiang.id, { ...lotus(), slug: 'hexiang-lotus-ok' });
      const [row] = await db.select({ giId: products.giId }).from(products).where(eq(products.id, id));
      expect(row?.giId).toBe(honghuLianou);
    });

    it('keeps a revoked product flagged until a new approval, then clears the flag through the same rule', async () => {
      const fangxian = await fixtures.coop('fangxian-shanli');
      const heimuer = await fixtures.giId('fangxian-heimuer');
      const productId = await fixtures.productId('fangxian-heimuer-250g');
      const [before] = await db.select().from(products).where(eq(products.id, productId));
      const input: ProductInput = { ...before!, giId: heimuer };
      // The onboarding decision revokes the authorization and flags the product.
      await setAuthorization(db, fangxian.id, heimuer, 'revoked');
      await db.update(products).set({ giRevokedAt: PORTAL_NOW }).where(eq(products.id, productId));

      const refused = await updateProduct(db, writeContext(fangxian.ownerId), fangxian.id, productId, input).catch((e: unknown) => e);
      expect((refused as GiClaimError).reason).toBe('not_authorized');
      await setProductStatus(db, writeContext(fangxian.ownerId), fangxian.id, productId, 'draft');
      const republish = await setProductStatus(db, writeContext(fangxian.ownerId), fangxian.id, productId, 'published').catch((e: unknown) => e);
      expect((republish as GiClaimError).reason).toBe('not_authorized');
      expect((await db.select().from(products).where(eq(products.id, productId)))[0]?.giRevokedAt).toEqual(PORTAL_NOW);

      await setAuthorization(db, fangxian.id, heimuer, 'approved');
      await updateProduct(db, writeContext(fangxian.ownerId), fangxian.id, productId, input);
      const [after] = await db.select().from(products).where(eq(products.id, productId));
      expect(after?.giRevokedAt).toBeNull();
      expect(after?.giId).toBe(heimuer);
    });

    it('clears the flag when the product drops its GI', async () => {
      const macheng = await fixtures.coop('macheng-fubaiju');
      const productId = await fixtures.productId('macheng-fubaiju-taiju-100g');
      await db.update(products).set({ giRevokedAt: PORTAL_NOW }).where(eq(products.id, productId));
      const [before] = await db.select().from(products).where(eq(products.id, productId));
      await updateProduct(db, writeContext(macheng.ownerId), macheng.id, productId, { ...before!, giId: null });
      const [after] = await db.select().from(products).where(eq(products.id, productId));
      expect(after).toMatchObject({ giId: null, giRevokedAt: null });
    });
  });
});
