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

// ---------------------------------------------------------------- search
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The Postgres search adapter's index: one denormalised row per listed product, written by the
 * search sync from the same outbox that feeds Meilisearch. `tokens` holds CJK bigrams and single
 * characters plus pinyin tokens, weighted A (title) > B (GI) > C (region, cooperative) > D (rest).
 */
export const searchDocuments = pgTable(
  'search_documents',
  {
    productId: integer('product_id')
      .primaryKey()
      .references(() => products.id, { onDelete: 'cascade' }),
    tokens: tsvector('tokens').notNull(),
    title: text('title').notNull(),
    provinceCode: char('province_code', { length: 6 }).notNull(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    categorySlug: text('category_slug').notNull(),
    giId: integer('gi_id'),
    giKind: giKindEnum('gi_kind'),
    cooperativeId: integer('cooperative_id').notNull(),
    stalled: boolean('stalled').notNull().default(false),
    sellBefore: date('sell_before'),
    inStock: boolean('in_stock').notNull().default(false),
    minPriceFen: integer('min_price_fen'),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('search_documents_tokens_idx').using('gin', t.tokens),
    index('search_documents_province_idx').on(t.provinceCode),
    index('search_documents_category_idx').on(t.categorySlug),
    index('search_documents_gi_idx').on(t.giId),
    index('search_documents_coop_idx').on(t.cooperativeId),
    index('search_documents_urgency_idx').on(t.sellBefore).where(sql`${t.stalled}`),
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
