/** A person's own account: password changes and resets, data export, deletion. */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { associationMembers, associations, cooperativeMembers, cooperatives, passwordResetTokens, users } from '~/db/schema';
import type { AppContext } from '~/utils/context.server';
import { queryRows, type Db } from '~/utils/db.server';
import { enqueueEmail } from '~/utils/mail.server';
import { verifyPassword } from '~/utils/password.server';
import { deleteUserSessions, listUserSessions, randomToken, sha256Hex } from '~/utils/session.server';
import { findUserByAccount, getUserById, loadUserAccess, setPassword, type Account } from './user.server';

export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

export type ChangePasswordResult = { ok: true } | { ok: false; reason: 'wrong-password' };

/**
 * Changes the password after checking the current one, and ends every session but `keepSessionId`
 * (a thief's session goes; the person's own stays). Outstanding reset links stop working.
 */
export async function changePassword(
  app: AppContext,
  { userId, currentPassword, newPassword, keepSessionId }: { userId: string; currentPassword: string; newPassword: string; keepSessionId: string | null },
): Promise<ChangePasswordResult> {
  const user = await getUserById(app.db, userId);
  if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) return { ok: false, reason: 'wrong-password' };
  await app.db.transaction(async (tx) => {
    await setPassword(tx, userId, newPassword, app.now());
    await deleteUserSessions(tx, userId, keepSessionId);
    await tx.delete(passwordResetTokens).where(eq(passwordResetTokens.userId, userId));
  });
  return { ok: true };
}

/** Writes the reset e-mail in the account's language. */
export type ComposeResetEmail = (input: { link: string; minutes: number; locale: string }) => { subject: string; text: string };

/**
 * Starts a password reset: when the account exists and has an e-mail address, stores the SHA-256
 * of a fresh single-use token and queues an e-mail with the link. Says nothing either way, so
 * the caller's answer cannot reveal whether the account exists.
 */
export async function requestPasswordReset(
  app: AppContext,
  { account, baseUrl, compose }: { account: Account | null; baseUrl: string; compose: ComposeResetEmail },
): Promise<void> {
  const user = account ? await findUserByAccount(app.db, account) : undefined;
  if (!user?.email) return;
  const token = randomToken();
  const now = app.now();
  const link = new URL(`/reset-password/${token}`, baseUrl).toString();
  await app.db.transaction(async (tx) => {
    await tx.insert(passwordResetTokens).values({
      tokenHash: sha256Hex(token),
      userId: user.id,
      expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
      createdAt: now,
    });
    const email = compose({ link, minutes: RESET_TOKEN_TTL_MS / 60_000, locale: user.locale });
    await enqueueEmail(tx, { to: user.email!, ...email });
  });
}

/** The user a reset token belongs to while it is unused and unexpired, else null. */
export async function findResetTokenUser(app: AppContext, token: string) {
  const [row] = await app.db
    .select({ id: users.id, email: users.email, mobile: users.mobile })
    .from(passwordResetTokens)
    .innerJoin(users, eq(users.id, passwordResetTokens.userId))
    .where(
      and(
        eq(passwordResetTokens.tokenHash, sha256Hex(token)),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, app.now()),
      ),
    );
  return row ?? null;
}

/**
 * Sets a new password through a reset token. The token is spent in the same statement that
 * checks it, so two submissions cannot both use it; every session of the user ends, and every
 * other outstanding link for the account is spent too. False when the token is not usable.
 */
export async function resetPasswordWithToken(app: AppContext, { token, newPassword }: { token: string; newPassword: string }): Promise<boolean> {
  const now = app.now();
  return app.db.transaction(async (tx) => {
    const [spent] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(
        and(eq(passwordResetTokens.tokenHash, sha256Hex(token)), isNull(passwordResetTokens.usedAt), gt(passwordResetTokens.expiresAt, now)),
      )
      .returning({ userId: passwordResetTokens.userId });
    if (!spent) return false;
    await tx
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.userId, spent.userId), isNull(passwordResetTokens.usedAt)));
    await setPassword(tx, spent.userId, newPassword, now);
    await deleteUserSessions(tx, spent.userId);
    return true;
  });
}

// ---------------------------------------------------------------- export

export interface ExportSection {
  /** A stable machine name: the key readers look for. */
  name: string;
  data: unknown;
}

export interface AccountExport {
  format: 'dibiao-account-export';
  version: 1;
  exportedAt: string;
  sections: ExportSection[];
}

/**
 * The sections of a personal data export, in order. Features that keep personal data (orders,
 * addresses, reports…) add a loader here. Never include password or token hashes.
 */
const EXPORT_SECTIONS: { name: string; load: (db: Db, userId: string) => Promise<unknown> }[] = [
  {
    name: 'profile',
    load: async (db, userId) => {
      const [row] = await db
        .select({
          id: users.id,
          displayName: users.displayName,
          email: users.email,
          mobile: users.mobile,
          locale: users.locale,
          privacyConsentAt: users.privacyConsentAt,
          createdAt: users.createdAt,
          updatedAt: users.updatedAt,
        })
        .from(users)
        .where(eq(users.id, userId));
      return row ?? null;
    },
  },
  { name: 'roles', load: async (db, userId) => (await loadUserAccess(db, userId)).roles },
  {
    name: 'cooperativeMemberships',
    load: (db, userId) =>
      db
        .select({ cooperativeId: cooperatives.id, legalName: cooperatives.legalName, role: cooperativeMembers.role, since: cooperativeMembers.createdAt })
        .from(cooperativeMembers)
        .innerJoin(cooperatives, eq(cooperatives.id, cooperativeMembers.cooperativeId))
        .where(eq(cooperativeMembers.userId, userId))
        .orderBy(cooperatives.id),
  },
  {
    name: 'associationMemberships',
    load: (db, userId) =>
      db
        .select({ associationId: associations.id, name: associations.name, since: associationMembers.createdAt })
        .from(associationMembers)
        .innerJoin(associations, eq(associations.id, associationMembers.associationId))
        .where(eq(associationMembers.userId, userId))
        .orderBy(associations.id),
  },
  { name: 'sessions', load: (db, userId) => listUserSessions(db, userId) },
];

export async function exportAccountData(app: AppContext, userId: string): Promise<AccountExport> {
  const sections: ExportSection[] = [];
  for (const section of EXPORT_SECTIONS) sections.push({ name: section.name, data: await section.load(app.db, userId) });
  return { format: 'dibiao-account-export', version: 1, exportedAt: app.now().toISOString(), sections };
}

// ---------------------------------------------------------------- deletion

export type DeleteAccountResult = { ok: true } | { ok: false; reason: 'wrong-password' } | { ok: false; reason: 'sole-owner'; cooperatives: string[] };

/** Cooperatives the user owns with no other owner: deleting the user would orphan them. */
export async function listSolelyOwnedCooperatives(db: Db, userId: string): Promise<string[]> {
  const rows = await queryRows<{ legal_name: string }>(
    db,
    sql`SELECT c.legal_name FROM cooperative_members m JOIN cooperatives c ON c.id = m.cooperative_id
      WHERE m.user_id = ${userId} AND m.role = 'owner'
        AND NOT EXISTS (SELECT 1 FROM cooperative_members o WHERE o.cooperative_id = m.cooperative_id AND o.role = 'owner' AND o.user_id <> ${userId})
      ORDER BY c.legal_name`,
  );
  return rows.map((r) => r.legal_name);
}

/**
 * Deletes the account after checking the password; roles, memberships, sessions and tokens go
 * with it (foreign keys cascade). Refused while the user is a cooperative's only owner.
 */
export async function deleteAccount(app: AppContext, { userId, password }: { userId: string; password: string }): Promise<DeleteAccountResult> {
  const user = await getUserById(app.db, userId);
  if (!user || !(await verifyPassword(user.passwordHash, password))) return { ok: false, reason: 'wrong-password' };
  return app.db.transaction(async (tx) => {
    // Lock the memberships so a co-owner cannot leave between the check and the delete.
    await queryRows(tx, sql`SELECT 1 FROM cooperative_members WHERE cooperative_id IN (SELECT cooperative_id FROM cooperative_members WHERE user_id = ${userId}) FOR UPDATE`);
    const sole = await listSolelyOwnedCooperatives(tx, userId);
    if (sole.length > 0) return { ok: false, reason: 'sole-owner', cooperatives: sole } as const;
    await tx.delete(users).where(eq(users.id, userId));
    return { ok: true } as const;
  });
}
