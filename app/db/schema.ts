/**
 * The whole database schema. drizzle-kit reads this file to generate migrations into `drizzle/`.
 * Money is integer fen; region codes are GB/T 2260 six-digit codes.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  char,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  customType,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

// ---------------------------------------------------------------- regions
/** GB/T 2260 divisions: level 1 province, 2 prefecture city, 3 county. */
export const regions = pgTable(
  'regions',
  {
    code: char('code', { length: 6 }).primaryKey(),
    name: text('name').notNull(),
    level: smallint('level').notNull(),
    parentCode: char('parent_code', { length: 6 }),
    provinceCode: char('province_code', { length: 6 }).notNull(),
    pinyin: text('pinyin').notNull().default(''),
  },
  (t) => [index('regions_parent_idx').on(t.parentCode), index('regions_province_idx').on(t.provinceCode)],
);

// ---------------------------------------------------------------- users, roles, sessions
export const roleEnum = pgEnum('role', ['customer', 'coordinator', 'admin']);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email'),
    mobile: text('mobile'),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    locale: text('locale').notNull().default('zh-CN'),
    privacyConsentAt: timestamp('privacy_consent_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_idx').on(sql`lower(${t.email})`),
    uniqueIndex('users_mobile_idx').on(t.mobile),
    check('users_contact_check', sql`${t.email} IS NOT NULL OR ${t.mobile} IS NOT NULL`),
  ],
);

/** Site-wide roles. Cooperative and association membership live in their own tables. */
export const userRoles = pgTable(
  'user_roles',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: roleEnum('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.role] })],
);

/** The session id lives only in the signed cookie; the database keeps its SHA-256. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const passwordResetTokens = pgTable('password_reset_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: createdAt(),
});

// ---------------------------------------------------------------- geographical indications
export const giKindEnum = pgEnum('gi_kind', [
  'protected_product', // 地理标志保护产品
  'certification_mark', // 地理标志证明商标
  'collective_mark', // 地理标志集体商标
  'agricultural_product', // 农产品地理标志
]);

export const categories = pgTable('categories', {
  slug: text('slug').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  position: integer('position').notNull().default(0),
});

export const geographicalIndications = pgTable('geographical_indications', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  nameEn: text('name_en'),
  /** Null when no source confirms the kind. */
  kind: giKindEnum('kind'),
  /** Further kinds the same name holds (e.g. also a certification mark), as reported. */
  otherKinds: giKindEnum('other_kinds').array().notNull().default(sql`'{}'`),
  /** Announcement or registration number; empty unless a source confirms it. */
  registrationNumber: text('registration_number'),
  registeredOn: date('registered_on'),
  chinaEuList: smallint('china_eu_list'),
  categorySlug: text('category_slug')
    .notNull()
    .references(() => categories.slug),
  story: text('story').notNull().default(''),
  sourceNote: text('source_note').notNull().default(''),
  createdAt: createdAt(),
});

/** The protected area of a GI, as region codes at county level or above. */
export const giProtectedAreas = pgTable(
  'gi_protected_areas',
  {
    giId: integer('gi_id')
      .notNull()
      .references(() => geographicalIndications.id, { onDelete: 'cascade' }),
    regionCode: char('region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
  },
  (t) => [primaryKey({ columns: [t.giId, t.regionCode] })],
);

// ---------------------------------------------------------------- cooperatives
export const verificationStatusEnum = pgEnum('verification_status', ['pending', 'verified', 'rejected', 'suspended']);

export const cooperatives = pgTable(
  'cooperatives',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    slug: text('slug').notNull().unique(),
    legalName: text('legal_name').notNull(),
    /** 统一社会信用代码, 18 characters with a GB 32100-2015 check character. */
    creditCode: char('credit_code', { length: 18 }).notNull().unique(),
    regionCode: char('region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
    address: text('address').notNull().default(''),
    legalRepresentative: text('legal_representative').notNull().default(''),
    businessScope: text('business_scope').notNull().default(''),
    contactName: text('contact_name').notNull().default(''),
    contactPhone: text('contact_phone').notNull().default(''),
    contactEmail: text('contact_email'),
    description: text('description').notNull().default(''),
    verificationStatus: verificationStatusEnum('verification_status').notNull().default('pending'),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    verifiedBy: uuid('verified_by').references(() => users.id, { onDelete: 'set null' }),
    verificationNote: text('verification_note'),
    shippingFlatFeeFen: integer('shipping_flat_fee_fen').notNull().default(0),
    freeShippingThresholdFen: integer('free_shipping_threshold_fen'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('cooperatives_region_idx').on(t.regionCode),
    check('cooperatives_fee_check', sql`${t.shippingFlatFeeFen} >= 0`),
  ],
);

export const memberRoleEnum = pgEnum('member_role', ['owner', 'member']);

export const cooperativeMembers = pgTable(
  'cooperative_members',
  {
    cooperativeId: integer('cooperative_id')
      .notNull()
      .references(() => cooperatives.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: memberRoleEnum('role').notNull().default('member'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.cooperativeId, t.userId] }), index('cooperative_members_user_idx').on(t.userId)],
);

/** An invitation to join a cooperative, accepted by signing in with the invited e-mail or mobile. */
export const cooperativeInvitations = pgTable(
  'cooperative_invitations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    cooperativeId: integer('cooperative_id')
      .notNull()
      .references(() => cooperatives.id, { onDelete: 'cascade' }),
    /** E-mail or mobile number of the person invited. */
    contact: text('contact').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('cooperative_invitations_coop_idx').on(t.cooperativeId)],
);

export const authorizationStatusEnum = pgEnum('authorization_status', ['pending', 'approved', 'rejected', 'revoked']);

/** A cooperative's right to use a GI's official mark. */
export const giAuthorizations = pgTable(
  'gi_authorizations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    cooperativeId: integer('cooperative_id')
      .notNull()
      .references(() => cooperatives.id, { onDelete: 'cascade' }),
    giId: integer('gi_id')
      .notNull()
      .references(() => geographicalIndications.id, { onDelete: 'cascade' }),
    status: authorizationStatusEnum('status').notNull().default('pending'),
    evidencePath: text('evidence_path'),
    note: text('note').notNull().default(''),
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionReason: text('decision_reason'),
    createdAt: createdAt(),
  },
  (t) => [index('gi_authorizations_coop_gi_idx').on(t.cooperativeId, t.giId)],
);

// ---------------------------------------------------------------- associations and coordinators
export const associations = pgTable('associations', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  regionCode: char('region_code', { length: 6 })
    .notNull()
    .references(() => regions.code),
  description: text('description').notNull().default(''),
  createdAt: createdAt(),
});

export const associationMembers = pgTable(
  'association_members',
  {
    associationId: integer('association_id')
      .notNull()
      .references(() => associations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.associationId, t.userId] }), index('association_members_user_idx').on(t.userId)],
);

export const associationGis = pgTable(
  'association_gis',
  {
    associationId: integer('association_id')
      .notNull()
      .references(() => associations.id, { onDelete: 'cascade' }),
    giId: integer('gi_id')
      .notNull()
      .references(() => geographicalIndications.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.associationId, t.giId] })],
);

export const associationRegions = pgTable(
  'association_regions',
  {
    associationId: integer('association_id')
      .notNull()
      .references(() => associations.id, { onDelete: 'cascade' }),
    regionCode: char('region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
  },
  (t) => [primaryKey({ columns: [t.associationId, t.regionCode] })],
);

/** The regions a coordinator covers; one lead per region receives escalations. */
export const coordinatorRegions = pgTable(
  'coordinator_regions',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    regionCode: char('region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
    isLead: boolean('is_lead').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.regionCode] }),
    uniqueIndex('coordinator_regions_one_lead_idx').on(t.regionCode).where(sql`${t.isLead}`),
  ],
);

// ---------------------------------------------------------------- products
export const productStatusEnum = pgEnum('product_status', ['draft', 'published', 'archived']);

export const products = pgTable(
  'products',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    slug: text('slug').notNull().unique(),
    cooperativeId: integer('cooperative_id')
      .notNull()
      .references(() => cooperatives.id),
    giId: integer('gi_id').references(() => geographicalIndications.id),
    categorySlug: text('category_slug')
      .notNull()
      .references(() => categories.slug),
    originRegionCode: char('origin_region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
    title: text('title').notNull(),
    titleEn: text('title_en'),
    description: text('description').notNull().default(''),
    shippingNote: text('shipping_note').notNull().default(''),
    status: productStatusEnum('status').notNull().default('draft'),
    /** Set when the GI badge was removed because the authorization was revoked. */
    giRevokedAt: timestamp('gi_revoked_at', { withTimezone: true }),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('products_cooperative_idx').on(t.cooperativeId),
    index('products_gi_idx').on(t.giId),
    index('products_status_published_idx').on(t.status, t.publishedAt),
  ],
);

export const productImages = pgTable(
  'product_images',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    /** Path under UPLOAD_DIR chosen by the server (never the uploader's file name). */
    path: text('path').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    alt: text('alt').notNull().default(''),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('product_images_product_idx').on(t.productId, t.position)],
);

export const productVariants = pgTable(
  'product_variants',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    spec: text('spec').notNull(),
    priceFen: integer('price_fen').notNull(),
    stock: integer('stock').notNull().default(0),
    weightGrams: integer('weight_grams').notNull().default(0),
    position: integer('position').notNull().default(0),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('product_variants_product_idx').on(t.productId),
    check('product_variants_stock_check', sql`${t.stock} >= 0`),
    check('product_variants_price_check', sql`${t.priceFen} > 0`),
    check('product_variants_weight_check', sql`${t.weightGrams} >= 0`),
  ],
);

/** Stalled stock (滞销) a cooperative declares; the zone ranks by sell-before date. */
export const stalledStocks = pgTable(
  'stalled_stocks',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
    unit: text('unit').notNull().default('kg'),
    since: date('since').notNull(),
    sellBefore: date('sell_before').notNull(),
    reason: text('reason').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    clearedAt: timestamp('cleared_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('stalled_stocks_open_idx').on(t.productId).where(sql`${t.clearedAt} IS NULL`),
    index('stalled_stocks_sell_before_idx').on(t.sellBefore).where(sql`${t.clearedAt} IS NULL`),
    check('stalled_stocks_quantity_check', sql`${t.quantity} > 0`),
  ],
);

// ---------------------------------------------------------------- cart, checkout, orders, payments
/** A guest's cart (id in a cookie) or a signed-in user's (one per user); prices are never stored here. */
export const carts = pgTable(
  'carts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('carts_user_idx').on(t.userId).where(sql`${t.userId} IS NOT NULL`), index('carts_updated_idx').on(t.updatedAt)],
);

export const cartItems = pgTable(
  'cart_items',
  {
    cartId: uuid('cart_id')
      .notNull()
      .references(() => carts.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.cartId, t.variantId] }), check('cart_items_quantity_check', sql`${t.quantity} > 0 AND ${t.quantity} <= 999`)],
);

/** Saved delivery addresses in the Chinese form: 收货人, mobile, region (county), detail. */
export const addresses = pgTable(
  'addresses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    recipient: text('recipient').notNull(),
    mobile: text('mobile').notNull(),
    regionCode: char('region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
    detail: text('detail').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('addresses_user_idx').on(t.userId)],
);

export const orderStatusEnum = pgEnum('order_status', ['pending_payment', 'paid', 'completed', 'cancelled']);
export const paymentMethodEnum = pgEnum('payment_method', ['stripe', 'bank_transfer', 'cash_on_delivery']);

/** One checkout: one order and one payment, split into one cooperative order per cooperative. */
export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human reference shown to buyers and on bank transfers, e.g. DB20201127-7Q4K. */
    number: text('number').notNull().unique(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** How a guest follows the order (an e-mail or mobile). */
    contact: text('contact'),
    /** Lets a guest open /orders/:id from the link they were given. */
    accessTokenHash: text('access_token_hash'),
    status: orderStatusEnum('status').notNull().default('pending_payment'),
    paymentMethod: paymentMethodEnum('payment_method').notNull(),
    recipient: text('recipient').notNull(),
    mobile: text('mobile').notNull(),
    regionCode: char('region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
    addressDetail: text('address_detail').notNull(),
    goodsFen: integer('goods_fen').notNull(),
    shippingFen: integer('shipping_fen').notNull(),
    totalFen: integer('total_fen').notNull(),
    refundedFen: integer('refunded_fen').notNull().default(0),
    /** Unpaid bank-transfer and Stripe orders are cancelled and restocked after this. */
    paymentDueAt: timestamp('payment_due_at', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    cancelReason: text('cancel_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_user_idx').on(t.userId, t.createdAt),
    index('orders_payment_due_idx').on(t.paymentDueAt).where(sql`${t.status} = 'pending_payment'`),
    check('orders_amounts_check', sql`${t.goodsFen} >= 0 AND ${t.shippingFen} >= 0 AND ${t.totalFen} = ${t.goodsFen} + ${t.shippingFen} AND ${t.refundedFen} BETWEEN 0 AND ${t.totalFen}`),
  ],
);

export const cooperativeOrderStatusEnum = pgEnum('cooperative_order_status', [
  'awaiting_payment',
  'awaiting_shipment',
  'shipped',
  'delivered',
  'cancelled',
]);

export const cooperativeOrders = pgTable(
  'cooperative_orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    cooperativeId: integer('cooperative_id')
      .notNull()
      .references(() => cooperatives.id),
    status: cooperativeOrderStatusEnum('status').notNull(),
    goodsFen: integer('goods_fen').notNull(),
    shippingFen: integer('shipping_fen').notNull(),
    refundedFen: integer('refunded_fen').notNull().default(0),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    /** Cash on delivery: the cooperative confirms it collected the money. */
    codConfirmedAt: timestamp('cod_confirmed_at', { withTimezone: true }),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('cooperative_orders_order_idx').on(t.orderId),
    index('cooperative_orders_coop_idx').on(t.cooperativeId, t.status, t.createdAt),
    check('cooperative_orders_amounts_check', sql`${t.goodsFen} >= 0 AND ${t.shippingFen} >= 0 AND ${t.refundedFen} BETWEEN 0 AND ${t.goodsFen} + ${t.shippingFen}`),
  ],
);

/** What was bought, with the title, spec and price as they were at checkout. */
export const orderItems = pgTable(
  'order_items',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    cooperativeOrderId: uuid('cooperative_order_id')
      .notNull()
      .references(() => cooperativeOrders.id, { onDelete: 'cascade' }),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id),
    title: text('title').notNull(),
    spec: text('spec').notNull(),
    unitPriceFen: integer('unit_price_fen').notNull(),
    quantity: integer('quantity').notNull(),
  },
  (t) => [
    index('order_items_order_idx').on(t.orderId),
    index('order_items_coop_order_idx').on(t.cooperativeOrderId),
    check('order_items_check', sql`${t.quantity} > 0 AND ${t.unitPriceFen} > 0`),
  ],
);

export const paymentProviderEnum = pgEnum('payment_provider', ['stripe', 'offline']);
export const paymentStatusEnum = pgEnum('payment_status', ['pending', 'succeeded', 'failed', 'expired', 'cancelled']);

export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    provider: paymentProviderEnum('provider').notNull(),
    method: paymentMethodEnum('method').notNull(),
    status: paymentStatusEnum('status').notNull().default('pending'),
    amountFen: integer('amount_fen').notNull(),
    currency: text('currency').notNull().default('cny'),
    providerSessionId: text('provider_session_id').unique(),
    providerPaymentIntentId: text('provider_payment_intent_id'),
    /** Who confirmed an offline payment (a coordinator for transfers, the cooperative for cash). */
    confirmedBy: uuid('confirmed_by').references(() => users.id, { onDelete: 'set null' }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('payments_order_idx').on(t.orderId), check('payments_amount_check', sql`${t.amountFen} > 0`)],
);

export const refundStatusEnum = pgEnum('refund_status', ['pending', 'succeeded', 'failed']);

/** A refund of part of one payment, always charged to one cooperative order. */
export const refunds = pgTable(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    cooperativeOrderId: uuid('cooperative_order_id')
      .notNull()
      .references(() => cooperativeOrders.id),
    amountFen: integer('amount_fen').notNull(),
    status: refundStatusEnum('status').notNull().default('pending'),
    providerRefundId: text('provider_refund_id').unique(),
    reason: text('reason').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('refunds_coop_order_idx').on(t.cooperativeOrderId), check('refunds_amount_check', sql`${t.amountFen} > 0`)],
);

/** Every Stripe event by id, so each is processed once however often it arrives. */
export const webhookEvents = pgTable('webhook_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  payload: jsonb('payload').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  processedAt: timestamp('processed_at', { withTimezone: true }),
  lastError: text('last_error'),
});

export const settlementKindEnum = pgEnum('settlement_kind', ['goods', 'shipping', 'refund']);

/** What the operator (merchant of record) owes each cooperative: goods + shipping − refunds. */
export const settlementEntries = pgTable(
  'settlement_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cooperativeId: integer('cooperative_id')
      .notNull()
      .references(() => cooperatives.id),
    cooperativeOrderId: uuid('cooperative_order_id')
      .notNull()
      .references(() => cooperativeOrders.id),
    kind: settlementKindEnum('kind').notNull(),
    /** Signed: positive is owed to the cooperative, negative (refunds) reduces it. */
    amountFen: integer('amount_fen').notNull(),
    refundId: uuid('refund_id').references(() => refunds.id),
    note: text('note').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [
    index('settlement_entries_coop_idx').on(t.cooperativeId, t.createdAt),
    uniqueIndex('settlement_entries_once_idx').on(t.cooperativeOrderId, t.kind).where(sql`${t.kind} <> 'refund'`),
    uniqueIndex('settlement_entries_refund_idx').on(t.refundId).where(sql`${t.refundId} IS NOT NULL`),
  ],
);

export const claimStatusEnum = pgEnum('claim_status', ['open', 'accepted', 'disputed', 'upheld', 'rejected']);

/** After-sales: spoiled or damaged goods claimed within 48 hours of delivery, with photos. */
export const claims = pgTable(
  'claims',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cooperativeOrderId: uuid('cooperative_order_id')
      .notNull()
      .references(() => cooperativeOrders.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason').notNull(),
    description: text('description').notNull().default(''),
    photoPaths: text('photo_paths').array().notNull().default(sql`'{}'`),
    amountFen: integer('amount_fen').notNull(),
    status: claimStatusEnum('status').notNull().default('open'),
    cooperativeNote: text('cooperative_note'),
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decisionNote: text('decision_note'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('claims_coop_order_idx').on(t.cooperativeOrderId), check('claims_amount_check', sql`${t.amountFen} > 0`)],
);

/** In-app notifications (/notifications); e-mail copies go through the outbox. */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    link: text('link'),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.createdAt)],
);

// ---------------------------------------------------------------- logistics and stalled-sales reports
export const reportKindEnum = pgEnum('report_kind', ['logistics_blocked', 'production_difficulty', 'unsold']);
export const logisticsCauseEnum = pgEnum('logistics_cause', [
  'road_closure',
  'courier_suspended',
  'cold_chain_shortage',
  'warehouse_packaging_shortage',
  'labour_shortage',
]);
export const reportStatusEnum = pgEnum('report_status', ['new', 'acknowledged', 'in_progress', 'resolved', 'rejected']);
export const reportSeverityEnum = pgEnum('report_severity', ['low', 'medium', 'high', 'critical']);
export const departmentEnum = pgEnum('department', ['transport', 'postal', 'agriculture', 'commerce', 'market_regulation', 'health', 'other']);

export const logisticsReports = pgTable(
  'logistics_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reporterUserId: uuid('reporter_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Set when a coordinator files on behalf of a caller. */
    filedForName: text('filed_for_name'),
    associationId: integer('association_id').references(() => associations.id, { onDelete: 'set null' }),
    kind: reportKindEnum('kind').notNull(),
    cause: logisticsCauseEnum('cause'),
    regionCode: char('region_code', { length: 6 })
      .notNull()
      .references(() => regions.code),
    provinceCode: char('province_code', { length: 6 }).notNull(),
    /** Route, checkpoint, township: finer than the region data. */
    placeDetail: text('place_detail').notNull().default(''),
    summary: text('summary').notNull(),
    description: text('description').notNull().default(''),
    quantityAtRisk: integer('quantity_at_risk'),
    quantityUnit: text('quantity_unit').notNull().default('kg'),
    daysUntilLoss: integer('days_until_loss'),
    deadline: date('deadline'),
    severity: reportSeverityEnum('severity').notNull().default('medium'),
    contactName: text('contact_name').notNull(),
    contactPhone: text('contact_phone').notNull(),
    status: reportStatusEnum('status').notNull().default('new'),
    assigneeUserId: uuid('assignee_user_id').references(() => users.id, { onDelete: 'set null' }),
    department: departmentEnum('department'),
    rejectionReason: text('rejection_reason'),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('logistics_reports_status_idx').on(t.status, t.createdAt),
    index('logistics_reports_region_idx').on(t.regionCode),
    index('logistics_reports_province_idx').on(t.provinceCode, t.status),
    index('logistics_reports_reporter_idx').on(t.reporterUserId),
    check('logistics_reports_quantity_check', sql`${t.quantityAtRisk} IS NULL OR ${t.quantityAtRisk} >= 0`),
  ],
);

export const reportCooperatives = pgTable(
  'report_cooperatives',
  {
    reportId: uuid('report_id')
      .notNull()
      .references(() => logisticsReports.id, { onDelete: 'cascade' }),
    cooperativeId: integer('cooperative_id')
      .notNull()
      .references(() => cooperatives.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.cooperativeId] }), index('report_cooperatives_coop_idx').on(t.cooperativeId)],
);

export const reportProducts = pgTable(
  'report_products',
  {
    reportId: uuid('report_id')
      .notNull()
      .references(() => logisticsReports.id, { onDelete: 'cascade' }),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.productId] }), index('report_products_product_idx').on(t.productId)],
);

export const reportAttachments = pgTable(
  'report_attachments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    reportId: uuid('report_id')
      .notNull()
      .references(() => logisticsReports.id, { onDelete: 'cascade' }),
    /** Private upload path (UPLOAD_DIR/private/…), served through an access-checked route. */
    path: text('path').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('report_attachments_report_idx').on(t.reportId)],
);

export const reportComments = pgTable(
  'report_comments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reportId: uuid('report_id')
      .notNull()
      .references(() => logisticsReports.id, { onDelete: 'cascade' }),
    authorUserId: uuid('author_user_id').references(() => users.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    /** Internal notes are for coordinators; the reporter never sees them. */
    internal: boolean('internal').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('report_comments_report_idx').on(t.reportId, t.createdAt)],
);

/** The full history of a report: who changed what, when. */
export const reportEvents = pgTable(
  'report_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reportId: uuid('report_id')
      .notNull()
      .references(() => logisticsReports.id, { onDelete: 'cascade' }),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    data: jsonb('data').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('report_events_report_idx').on(t.reportId, t.createdAt)],
);

// ---------------------------------------------------------------- search
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The Postgres search adapter's index: one denormalised row per listed product, written by the
 * search sync from the same outbox that feeds Meilisearch. `tokens` holds CJK bigrams and single
 * characters plus pinyin tokens, weighted A (title) > B (GI) > C (region, cooperative) > D (rest).
 */
export const searchDocuments = pgTable(
  'search_documents',
  // Columns in their order on disk (migration 0006): fixed-width NOT NULL ones first, then the
  // nullable ones, then variable-width; the facet scans of a search read every matching row.
  {
    productId: integer('product_id')
      .primaryKey()
      .references(() => products.id, { onDelete: 'cascade' }),
    cooperativeId: integer('cooperative_id').notNull(),
    stalled: boolean('stalled').notNull().default(false),
    inStock: boolean('in_stock').notNull().default(false),
    updatedAt: updatedAt(),
    giId: integer('gi_id'),
    giKind: giKindEnum('gi_kind'),
    minPriceFen: integer('min_price_fen'),
    sellBefore: date('sell_before'),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    provinceCode: char('province_code', { length: 6 }).notNull(),
    categorySlug: text('category_slug').notNull(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    title: text('title').notNull(),
    /** Stored out of line (TOAST): a row is 110–145 bytes. See migration 0005 and toastPad. */
    tokens: tsvector('tokens').notNull(),
    /**
     * Written with every new row (writeSearchRows): 2 kB of spaces make the row long enough for
     * PostgreSQL to toast it, so `tokens` moves out of line — the count and facet scans of a
     * search read every matching row (see postgres.server.ts). Compressed in place to 35 bytes;
     * null once the row has been replaced.
     */
    toastPad: text('toast_pad'),
  },
  (t) => [
    index('search_documents_tokens_idx').using('gin', t.tokens),
    // The first page of every search lists stalled goods first: their own, smaller GIN index
    // (defined by sell_before, which word searches name, so they never reach the urgency index).
    index('search_documents_stalled_tokens_idx').using('gin', t.tokens).where(sql`${t.sellBefore} IS NOT NULL`),
    index('search_documents_province_idx').on(t.provinceCode),
    index('search_documents_category_idx').on(t.categorySlug),
    index('search_documents_gi_idx').on(t.giId),
    index('search_documents_coop_idx').on(t.cooperativeId),
    index('search_documents_urgency_idx').on(t.sellBefore).where(sql`${t.stalled}`),
    check('search_documents_stalled_sell_before', sql`${t.stalled} = (${t.sellBefore} IS NOT NULL)`),
  ],
);

// ---------------------------------------------------------------- rate limits
/** Fixed-window counters shared by every app instance (login, signup, reset, checkout…). */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull().default(0),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull().defaultNow(),
  blockedUntil: timestamp('blocked_until', { withTimezone: true }),
});

// ---------------------------------------------------------------- audit log and jobs
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    data: jsonb('data').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_events_entity_idx').on(t.entityType, t.entityId),
    index('audit_events_created_idx').on(t.createdAt),
  ],
);

export const jobStatusEnum = pgEnum('job_status', ['pending', 'running', 'done', 'dead']);

/**
 * The outbox: a job is inserted in the same transaction as the change that causes it and
 * claimed with FOR UPDATE SKIP LOCKED by any app instance.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default({}),
    status: jobStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(8),
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    lockedAt: timestamp('locked_at', { withTimezone: true }),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('jobs_due_idx').on(t.runAt).where(sql`${t.status} = 'pending'`),
    index('jobs_running_idx').on(t.lockedAt).where(sql`${t.status} = 'running'`),
  ],
);

/** Small key/value settings the app keeps for itself (e.g. when demo data was seeded). */
export const appMeta = pgTable('app_meta', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

export type Region = typeof regions.$inferSelect;
export type User = typeof users.$inferSelect;
export type Role = (typeof roleEnum.enumValues)[number];
export type GiKind = (typeof giKindEnum.enumValues)[number];
export type Product = typeof products.$inferSelect;
export type ProductVariant = typeof productVariants.$inferSelect;
export type Cooperative = typeof cooperatives.$inferSelect;
export type Job = typeof jobs.$inferSelect;
export type Order = typeof orders.$inferSelect;
export type CooperativeOrder = typeof cooperativeOrders.$inferSelect;
export type LogisticsReport = typeof logisticsReports.$inferSelect;
