import { hash, verify } from '@node-rs/argon2';
import { createWorkGate, type WorkGate } from './work-gate';

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

/**
 * The process's Argon2 capacity is one resource, shared by sign-in and sign-up; the
 * composition root sizes it from configuration (AUTH_ARGON2_*).
 */
let gate: WorkGate = createWorkGate({
  concurrency: 4,
  queueLimit: 64,
  maxWaitMs: 2000,
  perSourceQueue: 8,
});
export function limitPasswordWork(limits: Parameters<typeof createWorkGate>[0]) {
  gate = createWorkGate(limits);
}

/** `source` is the client address: the gate shares its capacity fairly between addresses. */
export const hashPassword = (password: string, source: string) =>
  gate.run(() => hash(password, options), source);

export async function verifyPassword(
  passwordHash: string,
  password: string,
  source: string,
): Promise<boolean> {
  return gate.run(async () => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }, source);
}

/** Verified against when the email is unknown, so timing does not reveal which emails exist. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hash('decoy password that matches nobody', options));
