import { z } from 'zod';

/** One problem with a request; `field` names the input it is about (a form shows it there). */
export const errorItemSchema = z.object({
  message: z.string(),
  code: z.string(),
  field: z.string().optional(),
  /** Given by the security layer with a block, so support can find it. */
  reference: z.string().optional(),
});
export type ErrorItem = z.infer<typeof errorItemSchema>;

/** Every 4xx/5xx body of the platform, including the security layer's verdicts. */
export const errorBodySchema = z.object({
  errors: z.array(errorItemSchema).min(1),
  /** With 428 `challenge_required`: where to fetch the proof-of-work challenge. */
  challenge: z.object({ url: z.string() }).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The ALTCHA challenge served by `GET /api/security/challenge`. */
export const altchaChallengeSchema = z.object({
  algorithm: z.string(),
  challenge: z.string(),
  maxnumber: z.number().int().positive().optional(),
  salt: z.string(),
  signature: z.string(),
});
export type AltchaChallenge = z.infer<typeof altchaChallengeSchema>;
