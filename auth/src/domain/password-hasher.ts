import { hash, verify } from '@node-rs/argon2';

/**
 * Argon2id, memory-hard, with OWASP's minimum parameters (19 MiB, 2 passes): expensive
 * for a GPU farm, cheap enough for a sign-in burst on two cores.
 */
const options = {
  algorithm: 2 /* Algorithm.Argon2id: a const enum, not importable under isolatedModules */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export const hashPassword = (password: string) => hash(password, options);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Verified against when the email is unknown, so timing does not reveal which emails exist. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword('decoy password that matches nobody'));
