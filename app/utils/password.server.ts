/**
 * Password hashing per OWASP: argon2id, m=19 MiB, t=2, p=1 (@node-rs/argon2, prebuilt binaries,
 * no install script). Tests may lower the cost with PASSWORD_HASH_COST=low; one test checks the
 * production parameters.
 */
import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id from the package's const enum (not importable under isolatedModules).
const ARGON2ID = 2;

export const PRODUCTION_HASH_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const LOW_COST_OPTIONS = { algorithm: ARGON2ID, memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

function options() {
  return process.env.PASSWORD_HASH_COST === 'low' ? LOW_COST_OPTIONS : PRODUCTION_HASH_OPTIONS;
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, options());
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Hash of a random password, verified against when an account does not exist (equal timing). */
let dummyHash: Promise<string> | undefined;
export function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-0000');
  return dummyHash;
}
