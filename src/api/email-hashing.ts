import { hash, verify } from '@node-rs/argon2';

/** Notify's argon2id parameters (OWASP): 15 MiB, 2 passes, 1 lane, 16-byte hash. */
export const ARGON2_OPTIONS = {
  algorithm: 2,
  memoryCost: 15360,
  timeCost: 2,
  parallelism: 1,
  outputLen: 16,
} as const;

/** The stored form of the address a document was sent to (already normalised): its argon2id hash. */
export function hashEmailAddress(email: string): Promise<string> {
  return hash(email, ARGON2_OPTIONS);
}

/** Whether `email` is the address behind a stored hash; rejects when the hash cannot be read. */
export function verifyEmailAddress(hashed: string, email: string): Promise<boolean> {
  return verify(hashed, email);
}
