/**
 * The cart: a guest's (id in a signed cookie) or a signed-in user's (one per user). It holds
 * variant ids and quantities only; titles, prices, stock and shipping are read from the catalog
 * every time, so a price posted by the browser is never used. One cart may hold goods of several
 * cooperatives; checkout splits it into one cooperative order each.
 *
 * Every change locks the cart row first, so a double click or two tabs cannot lose an update,
 * and a checkout in progress finishes before the cart changes under it.
 */
import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import { cartItems, carts, cooperatives, products, productVariants } from '~/db/schema';
import { readGuestCartId, serializeExpiredGuestCartCookie, serializeGuestCartCookie } from '~/utils/cart-cookie.server';
import { queryRows, type Db } from '~/utils/db.server';

export const MAX_LINE_QUANTITY = 999;
export const MAX_CART_LINES = 50;

export interface CartOwner {
  userId: string | null;
  /** From the signed cookie; ignored when `userId` is set. */
  guestCartId: string | null;
}

export interface ShippingRule {
  shippingFlatFeeFen: number;
  freeShippingThresholdFen: number | null;
}

/** A cooperative's shipping for goods worth `goodsFen`: its flat fee, or nothing from its free-shipping threshold up. */
export function shippingFeeFen(goodsFen: number, rule: ShippingRule): number {
  if (goodsFen <= 0) return 0;
  if (rule.freeShippingThresholdFen !== null && goodsFen >= rule.freeShippingThresholdFen) return 0;
  return rule.shippingFlatFeeFen;
}

export type LineProblem = 'unavailable' | 'sold_out' | 'insufficient_stock';

export interface CartLine {
  variantId: number;
  productId: number;
  slug: string;
  title: string;
  titleEn: string | null;
  spec: string;
  unitPriceFen: number;
  quantity: number;
  stock: number;
  imagePath: string | null;
  /** Listed: published product, verified cooperative, active variant. */
  listed: boolean;
  problem: LineProblem | null;
  lineTotalFen: number;
}

export interface CooperativeRef extends ShippingRule {
  id: number;
  slug: string;
  legalName: string;
}

export interface CooperativeGroup<L> {
  cooperative: CooperativeRef;
  lines: L[];
  goodsFen: number;
  shippingFen: number;
}

export interface PricedLine {
  cooperative: CooperativeRef;
  unitPriceFen: number;
  quantity: number;
}

/**
 * Groups lines by cooperative (in first-seen order) with each group's goods and shipping, and the
 * totals: the one price rule the cart page, the checkout summary and the order itself share.
 */
export function splitByCooperative<L extends PricedLine>(lines: readonly L[]) {
  const groups = new Map<number, CooperativeGroup<L>>();
  for (const line of lines) {
    let group = groups.get(line.cooperative.id);
    if (!group) {
      group = { cooperative: line.cooperative, lines: [], goodsFen: 0, shippingFen: 0 };
      groups.set(line.cooperative.id, group);
    }
    group.lines.push(line);
    group.goodsFen += line.unitPriceFen * line.quantity;
  }
  const list = [...groups.values()];
  for (const group of list) group.shippingFen = shippingFeeFen(group.goodsFen, group.cooperative);
  const goodsFen = list.reduce((sum, g) => sum + g.goodsFen, 0);
  const shippingFen = list.reduce((sum, g) => sum + g.shippingFen, 0);
  return { groups: list, goodsFen, shippingFen, totalFen: goodsFen + shippingFen };
}

export interface CartView {
  cartId: string | null;
  groups: CooperativeGroup<CartLine & { cooperative: CooperativeRef }>[];
  goodsFen: number;
  shippingFen: number;
  totalFen: number;
  /** Units across all lines, orderable or not. */
  itemCount: number;
  lineCount: number;
  /** Lines that cannot be ordered as they are (unlisted, sold out, more than the stock). */
  problems: (CartLine & { cooperative: CooperativeRef })[];
}

const EMPTY_VIEW: CartView = { cartId: null, groups: [], goodsFen: 0, shippingFen: 0, totalFen: 0, itemCount: 0, lineCount: 0, problems: [] };

function lineProblem(listed: boolean, stock: number, quantity: number): LineProblem | null {
  if (!listed) return 'unavailable';
  if (stock <= 0) return 'sold_out';
  if (quantity > stock) return 'insufficient_stock';
  return null;
}

const isListed = sql<boolean>`(${products.status} = 'published' AND ${cooperatives.verificationStatus} = 'verified' AND ${productVariants.active})`;

/** The cart's lines with today's catalog facts, grouped by cooperative; orderable lines are priced. */
export async function getCartView(db: Db, cartId: string | null): Promise<CartView> {
  if (!cartId) return EMPTY_VIEW;
  const rows = await db
    .select({
      variantId: cartItems.variantId,
      quantity: cartItems.quantity,
      productId: products.id,
      slug: products.slug,
      title: products.title,
      titleEn: products.titleEn,
      spec: productVariants.spec,
      unitPriceFen: productVariants.priceFen,
      stock: productVariants.stock,
      listed: isListed,
      imagePath: sql<string | null>`(SELECT pi.path FROM product_images pi WHERE pi.product_id = products.id ORDER BY pi.position, pi.id LIMIT 1)`,
      cooperativeId: cooperatives.id,
      cooperativeSlug: cooperatives.slug,
      cooperativeName: cooperatives.legalName,
      shippingFlatFeeFen: cooperatives.shippingFlatFeeFen,
      freeShippingThresholdFen: cooperatives.freeShippingThresholdFen,
    })
    .from(cartItems)
    .innerJoin(productVariants, eq(productVariants.id, cartItems.variantId))
    .innerJoin(products, eq(products.id, productVariants.productId))
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(eq(cartItems.cartId, cartId))
    .orderBy(asc(cooperatives.id), asc(cartItems.addedAt), asc(cartItems.variantId));
  const lines = rows.map((r) => {
    const listed = Boolean(r.listed);
    return {
      variantId: r.variantId,
      productId: r.productId,
      slug: r.slug,
      title: r.title,
      titleEn: r.titleEn,
      spec: r.spec,
      unitPriceFen: r.unitPriceFen,
      quantity: r.quantity,
      stock: r.stock,
      imagePath: r.imagePath,
      listed,
      problem: lineProblem(listed, r.stock, r.quantity),
      lineTotalFen: r.unitPriceFen * r.quantity,
      cooperative: {
        id: r.cooperativeId,
        slug: r.cooperativeSlug,
        legalName: r.cooperativeName,
        shippingFlatFeeFen: r.shippingFlatFeeFen,
        freeShippingThresholdFen: r.freeShippingThresholdFen,
      },
    };
  });
  // Lines that cannot be bought at all stay visible (to remove them) but add nothing to the totals.
  const priced = splitByCooperative(lines.filter((l) => l.problem !== 'unavailable' && l.problem !== 'sold_out'));
  const pricedIds = new Set(priced.groups.flatMap((g) => g.lines.map((l) => l.variantId)));
  const unpriced = lines.filter((l) => !pricedIds.has(l.variantId));
  const groups = [...priced.groups];
  for (const line of unpriced) {
    const group = groups.find((g) => g.cooperative.id === line.cooperative.id);
    if (group) group.lines.push(line);
    else groups.push({ cooperative: line.cooperative, lines: [line], goodsFen: 0, shippingFen: 0 });
  }
  return {
    cartId,
    groups,
    goodsFen: priced.goodsFen,
    shippingFen: priced.shippingFen,
    totalFen: priced.totalFen,
    itemCount: lines.reduce((sum, l) => sum + l.quantity, 0),
    lineCount: lines.length,
    problems: lines.filter((l) => l.problem !== null),
  };
}

/** The cart this visitor has, without creating one. */
export async function findCartId(db: Db, owner: CartOwner): Promise<string | null> {
  if (owner.userId) {
    const [row] = await db.select({ id: carts.id }).from(carts).where(eq(carts.userId, owner.userId));
    return row?.id ?? null;
  }
  if (!owner.guestCartId) return null;
  const [row] = await db
    .select({ id: carts.id })
    .from(carts)
    .where(and(eq(carts.id, owner.guestCartId), isNull(carts.userId)));
  return row?.id ?? null;
}

/** The visitor's cart, created when missing; `created` tells a guest's caller to set the cookie. */
export async function ensureCart(db: Db, owner: CartOwner, now: Date): Promise<{ cartId: string; created: boolean }> {
  const existing = await findCartId(db, owner);
  if (existing) return { cartId: existing, created: false };
  if (owner.userId) {
    // Two first requests of one user may race: the partial unique index keeps one cart.
    await queryRows(
      db,
      sql`INSERT INTO carts (user_id, created_at, updated_at) VALUES (${owner.userId}, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
          ON CONFLICT (user_id) WHERE user_id IS NOT NULL DO NOTHING`,
    );
    const cartId = await findCartId(db, owner);
    if (!cartId) throw new Error('the user cart vanished right after it was created');
    return { cartId, created: true };
  }
  const [row] = await db.insert(carts).values({ createdAt: now, updatedAt: now }).returning({ id: carts.id });
  return { cartId: row!.id, created: true };
}

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

async function lockCart(tx: Db, cartId: string, now: Date): Promise<boolean> {
  const rows = await tx.update(carts).set({ updatedAt: now }).where(eq(carts.id, cartId)).returning({ id: carts.id });
  return rows.length > 0;
}

interface VariantForSale {
  variantId: number;
  title: string;
  spec: string;
  stock: number;
  listed: boolean;
}

async function findVariantForSale(db: Db, variantId: number): Promise<VariantForSale | undefined> {
  const [row] = await db
    .select({ variantId: productVariants.id, title: products.title, spec: productVariants.spec, stock: productVariants.stock, listed: isListed })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .innerJoin(cooperatives, eq(cooperatives.id, products.cooperativeId))
    .where(eq(productVariants.id, variantId));
  return row && { ...row, listed: Boolean(row.listed) };
}

export type CartChangeResult =
  | {
      ok: true;
      /** The quantity now in the cart (0 when removed). */
      quantity: number;
      /** Set when less than asked was kept because of the stock (or the per-line cap). */
      clamped: { requested: number; stock: number; title: string } | null;
    }
  | { ok: false; problem: { code: 'unavailable' } | { code: 'sold_out'; title: string } | { code: 'too_many_lines' } | { code: 'no_cart' } };

/**
 * Adds `quantity` of a listed variant. More than the stock is clamped to the stock (and said so);
 * a sold-out or unlisted variant is refused.
 */
export async function addToCart(db: Db, { cartId, variantId, quantity, now }: { cartId: string; variantId: number; quantity: number; now: Date }): Promise<CartChangeResult> {
  return inTransaction(db, async (tx) => {
    if (!(await lockCart(tx, cartId, now))) return { ok: false, problem: { code: 'no_cart' } };
    const variant = await findVariantForSale(tx, variantId);
    if (!variant?.listed) return { ok: false, problem: { code: 'unavailable' } };
    if (variant.stock <= 0) return { ok: false, problem: { code: 'sold_out', title: variant.title } };
    const [existing] = await tx
      .select({ quantity: cartItems.quantity })
      .from(cartItems)
      .where(and(eq(cartItems.cartId, cartId), eq(cartItems.variantId, variantId)));
    if (!existing) {
      const [{ count } = { count: 0 }] = await queryRows<{ count: number }>(tx, sql`SELECT count(*)::int AS count FROM cart_items WHERE cart_id = ${cartId}`);
      if (Number(count) >= MAX_CART_LINES) return { ok: false, problem: { code: 'too_many_lines' } };
    }
    const requested = (existing?.quantity ?? 0) + quantity;
    const kept = Math.min(requested, variant.stock, MAX_LINE_QUANTITY);
    await tx
      .insert(cartItems)
      .values({ cartId, variantId, quantity: kept, addedAt: now })
      .onConflictDoUpdate({ target: [cartItems.cartId, cartItems.variantId], set: { quantity: kept } });
    return { ok: true, quantity: kept, clamped: kept < requested ? { requested, stock: variant.stock, title: variant.title } : null };
  });
}

/** Sets a line's quantity (0 removes it), clamped to the stock like `addToCart`. */
export async function updateCartItem(db: Db, { cartId, variantId, quantity, now }: { cartId: string; variantId: number; quantity: number; now: Date }): Promise<CartChangeResult> {
  if (quantity <= 0) return removeCartItem(db, { cartId, variantId, now });
  return inTransaction(db, async (tx) => {
    if (!(await lockCart(tx, cartId, now))) return { ok: false, problem: { code: 'no_cart' } };
    const [existing] = await tx
      .select({ quantity: cartItems.quantity })
      .from(cartItems)
      .where(and(eq(cartItems.cartId, cartId), eq(cartItems.variantId, variantId)));
    if (!existing) return { ok: false, problem: { code: 'unavailable' } };
    const variant = await findVariantForSale(tx, variantId);
    if (!variant?.listed) return { ok: false, problem: { code: 'unavailable' } };
    if (variant.stock <= 0) return { ok: false, problem: { code: 'sold_out', title: variant.title } };
    const kept = Math.min(quantity, variant.stock, MAX_LINE_QUANTITY);
    await tx
      .update(cartItems)
      .set({ quantity: kept })
      .where(and(eq(cartItems.cartId, cartId), eq(cartItems.variantId, variantId)));
    return { ok: true, quantity: kept, clamped: kept < quantity ? { requested: quantity, stock: variant.stock, title: variant.title } : null };
  });
}

export async function removeCartItem(db: Db, { cartId, variantId, now }: { cartId: string; variantId: number; now: Date }): Promise<CartChangeResult> {
  return inTransaction(db, async (tx) => {
    if (!(await lockCart(tx, cartId, now))) return { ok: false, problem: { code: 'no_cart' } };
    await tx.delete(cartItems).where(and(eq(cartItems.cartId, cartId), eq(cartItems.variantId, variantId)));
    return { ok: true, quantity: 0, clamped: null };
  });
}

/**
 * Moves a guest cart's lines into the user's cart (created if needed) and deletes the guest cart.
 * Quantities of a variant in both add up, within the stock and the per-line cap. Call it at
 * login and signup with the id from the guest cookie; a missing or already merged cart is a no-op.
 */
export async function mergeGuestCartIntoUser(db: Db, guestCartId: string | null, userId: string, now: Date = new Date()): Promise<{ merged: number }> {
  if (!guestCartId) return { merged: 0 };
  return inTransaction(db, async (tx) => {
    const [guest] = await tx
      .select({ id: carts.id })
      .from(carts)
      .where(and(eq(carts.id, guestCartId), isNull(carts.userId)))
      .for('update');
    if (!guest) return { merged: 0 };
    const { cartId } = await ensureCart(tx, { userId, guestCartId: null }, now);
    await lockCart(tx, cartId, now);
    const merged = await queryRows<{ variant_id: number }>(
      tx,
      sql`INSERT INTO cart_items (cart_id, variant_id, quantity, added_at)
          SELECT ${cartId}::uuid, gi.variant_id, GREATEST(1, LEAST(gi.quantity, v.stock, ${MAX_LINE_QUANTITY})), gi.added_at
          FROM cart_items gi JOIN product_variants v ON v.id = gi.variant_id
          WHERE gi.cart_id = ${guestCartId}::uuid
          ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = GREATEST(1, LEAST(
            cart_items.quantity + excluded.quantity,
            (SELECT stock FROM product_variants WHERE id = excluded.variant_id),
            ${MAX_LINE_QUANTITY}))
          RETURNING variant_id`,
    );
    await tx.delete(carts).where(eq(carts.id, guestCartId));
    return { merged: merged.length };
  });
}

interface CartApp {
  db: Db;
  sessionSecret: string;
  now: () => Date;
}

export interface VisitorCart {
  owner: CartOwner;
  cartId: string | null;
  /** A Set-Cookie header to send along (a new guest cart, or a merged one to forget). */
  setCookie: string | null;
}

/**
 * The cart of whoever sent the request. A signed-in user still carrying a guest cart cookie
 * (login merges it, but a session may begin elsewhere) gets the guest lines merged in now.
 */
export async function resolveVisitorCart(app: CartApp, request: Request, user: { id: string } | null): Promise<VisitorCart> {
  const guestCartId = await readGuestCartId(request, app.sessionSecret);
  if (user) {
    let setCookie: string | null = null;
    if (guestCartId) {
      await mergeGuestCartIntoUser(app.db, guestCartId, user.id, app.now());
      setCookie = await serializeExpiredGuestCartCookie(request, app.sessionSecret);
    }
    const owner = { userId: user.id, guestCartId: null };
    return { owner, cartId: await findCartId(app.db, owner), setCookie };
  }
  const owner = { userId: null, guestCartId };
  return { owner, cartId: await findCartId(app.db, owner), setCookie: null };
}

/** Like resolveVisitorCart, creating the cart (and a guest's cookie) when there is none. */
export async function ensureVisitorCart(app: CartApp, request: Request, user: { id: string } | null): Promise<VisitorCart & { cartId: string }> {
  const visitor = await resolveVisitorCart(app, request, user);
  if (visitor.cartId) return { ...visitor, cartId: visitor.cartId };
  const { cartId } = await ensureCart(app.db, visitor.owner, app.now());
  if (user) return { ...visitor, cartId };
  return { owner: { userId: null, guestCartId: cartId }, cartId, setCookie: await serializeGuestCartCookie(request, app.sessionSecret, cartId) };
}

/** What the header shows: units in the visitor's cart. For the root loader. */
export async function getCartSummary(app: { db: Db; sessionSecret: string }, request: Request, user: { id: string } | null): Promise<{ count: number }> {
  const guestCartId = user ? null : await readGuestCartId(request, app.sessionSecret);
  const cartId = await findCartId(app.db, { userId: user?.id ?? null, guestCartId });
  if (!cartId) return { count: 0 };
  const [row] = await queryRows<{ count: number }>(app.db, sql`SELECT coalesce(sum(quantity), 0)::int AS count FROM cart_items WHERE cart_id = ${cartId}`);
  return { count: Number(row?.count ?? 0) };
}

/** Deletes guest carts untouched since `before` (for a periodic sweep); users' carts stay. */
export async function pruneGuestCarts(db: Db, before: Date): Promise<number> {
  const deleted = await db
    .delete(carts)
    .where(and(isNull(carts.userId), lt(carts.updatedAt, before)))
    .returning({ id: carts.id });
  return deleted.length;
}
