import { z } from 'zod';

/**
 * Auth asks security before it spends an Argon2 verification on a sign-in, and reports the
 * outcome after: the gateway's check never sees the body, so it cannot know the account.
 */
export const SIGN_IN_CHECK_SUBJECT = 'rpc.security.sign-in-check';
export const SIGN_IN_RESULT_SUBJECT = 'rpc.security.sign-in-result';

const ip = z.string().min(2).max(64);
const email = z.string().trim().toLowerCase().min(3).max(320);

export const signInCheckRequestSchema = z.object({
  email,
  ip,
  /** The client's ALTCHA solution (X-Altcha header), when it sent one. */
  altcha: z.string().max(4000).optional(),
});
export type SignInCheckRequest = z.infer<typeof signInCheckRequestSchema>;

export const signInCheckResponseSchema = z.discriminatedUnion('verdict', [
  z.object({ verdict: z.literal('allow') }),
  /** Too many failures for this account from this address (or from this address overall). */
  z.object({ verdict: z.literal('locked'), retryAfterSeconds: z.number().int().positive() }),
  /** Many failures for this account from many addresses: a proof-of-work is required. */
  z.object({ verdict: z.literal('challenge') }),
]);
export type SignInCheckResponse = z.infer<typeof signInCheckResponseSchema>;

export const signInResultRequestSchema = z.object({ email, ip, succeeded: z.boolean() });
export type SignInResultRequest = z.infer<typeof signInResultRequestSchema>;
export const signInResultResponseSchema = z.object({ recorded: z.literal(true) });
