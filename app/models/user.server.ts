/** Users: creating them, finding them by their sign-in account, checking passwords. */
import { eq, sql } from 'drizzle-orm';
import { users, userRoles, type Role, type User } from '~/db/schema';
import type { Db } from '~/utils/db.server';
import { queryRows } from '~/utils/db.server';
import { getDummyHash, hashPassword, verifyPassword } from '~/utils/password.server';

/** Mainland China mobile numbers: 11 digits starting 13–19. */
export const MOBILE_PATTERN = /^1[3-9]\d{9}$/;

/** "+86 138-0013-8000" → "13800138000"; anything else comes back trimmed. */
export function normalizeMobile(input: string): string {
  const compact = input.trim().replace(/[\s-]/g, '');
  return /^\+?86\d{11}$/.test(compact) ? compact.replace(/^\+?86/, '') : compact;
}

export type Account = { kind: 'mobile'; value: string } | { kind: 'email'; value: string };

/**
 * What a person typed into the one "账号" field, as we store it: a mobile number (spaces, dashes
 * and a +86 prefix dropped) or a lower-cased e-mail address; null when it is neither.
 */
export function parseAccount(input: string): Account | null {
  const trimmed = input.trim();
  const mobile = normalizeMobile(trimmed);
  if (MOBILE_PATTERN.test(mobile)) return { kind: 'mobile', value: mobile };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) return { kind: 'email', value: trimmed.toLowerCase() };
  return null;
}

export async function findUserByAccount(db: Db, account: Account): Promise<User | undefined> {
  const where = account.kind === 'mobile' ? eq(users.mobile, account.value) : sql`lower(${users.email}) = ${account.value}`;
  const [user] = await db.select().from(users).where(where).limit(1);
  return user;
}

export async function getUserById(db: Db, id: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user;
}

/**
 * The user when the password matches, else null. An unknown account still costs one hash
 * verification, so response time does not tell whether the account exists.
 */
export async function verifyLogin(db: Db, account: Account | null, password: string): Promise<User | null> {
  const user = account ? await findUserByAccount(db, account) : undefined;
  if (!user) {
    await verifyPassword(await getDummyHash(), password);
    return null;
  }
  return (await verifyPassword(user.passwordHash, password)) ? user : null;
}

export class AccountTakenError extends Error {
  constructor(readonly field: 'email' | 'mobile') {
    super(`${field} is already registered`);
  }
}

export interface NewUser {
  displayName: string;
  email?: string | null;
  mobile?: string | null;
  password: string;
  locale?: string;
  /** When the person accepted the privacy policy (signup requires it). */
  privacyConsentAt: Date | null;
  roles?: Role[];
  now: Date;
}

/** Creates a user with the customer role (and any others given). Throws AccountTakenError. */
export async function createUser(db: Db, input: NewUser): Promise<User> {
  const email = input.email?.trim().toLowerCase() || null;
  const mobile = input.mobile?.trim() || null;
  const passwordHash = await hashPassword(input.password);
  // Checked first for a clear message; the unique indexes still decide races.
  if (email && (await findUserByAccount(db, { kind: 'email', value: email }))) throw new AccountTakenError('email');
  if (mobile && (await findUserByAccount(db, { kind: 'mobile', value: mobile }))) throw new AccountTakenError('mobile');
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({
          displayName: input.displayName.trim(),
          email,
          mobile,
          passwordHash,
          locale: input.locale ?? 'zh-CN',
          privacyConsentAt: input.privacyConsentAt,
          createdAt: input.now,
          updatedAt: input.now,
        })
        .returning();
      const roles = [...new Set<Role>(['customer', ...(input.roles ?? [])])];
      await tx.insert(userRoles).values(roles.map((role) => ({ userId: user!.id, role })));
      return user!;
    });
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint === 'users_email_idx') throw new AccountTakenError('email');
    if (constraint === 'users_mobile_idx') throw new AccountTakenError('mobile');
    throw error;
  }
}

/** The constraint name of a unique violation (23505) from either driver, else null. */
function uniqueViolation(error: unknown): string | null {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const { code, constraint, constraint_name } = e as { code?: string; constraint?: string; constraint_name?: string };
    if (code === '23505') return constraint ?? constraint_name ?? '';
  }
  return null;
}

export async function setPassword(db: Db, userId: string, password: string, now: Date): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(password), updatedAt: now })
    .where(eq(users.id, userId));
}

export interface UserAccess {
  roles: Role[];
  cooperativeIds: number[];
  associationIds: number[];
}

/** A user's site roles and memberships, in one round trip. */
export async function loadUserAccess(db: Db, userId: string): Promise<UserAccess> {
  const [row] = await queryRows<{ roles: Role[] | null; cooperative_ids: number[] | null; association_ids: number[] | null }>(
    db,
    sql`SELECT
      (SELECT json_agg(role::text ORDER BY role) FROM user_roles WHERE user_id = ${userId}) AS roles,
      (SELECT json_agg(cooperative_id ORDER BY cooperative_id) FROM cooperative_members WHERE user_id = ${userId}) AS cooperative_ids,
      (SELECT json_agg(association_id ORDER BY association_id) FROM association_members WHERE user_id = ${userId}) AS association_ids`,
  );
  return {
    roles: parseJsonArray<Role>(row?.roles),
    cooperativeIds: parseJsonArray<number>(row?.cooperative_ids).map(Number),
    associationIds: parseJsonArray<number>(row?.association_ids).map(Number),
  };
}

function parseJsonArray<T>(value: unknown): T[] {
  if (value == null) return [];
  if (typeof value === 'string') return JSON.parse(value) as T[];
  return value as T[];
}
